import { opaqueSpans, templateActionEnd, type OpaqueSpan } from "./upstream.js";

/**
 * A Caddyfile lexer and parser with exact offsets, following Caddy's own lexer (caddyconfig/caddyfile/
 * lexer.go) and dispenser rules, extended for Co-op Cloud's Go-templated configs: a `{{ … }}` action is
 * kept whole inside the token that holds it, because the template is rendered before Caddy reads it.
 */

export type CaddyTokenKind = "word" | "quoted" | "backtick" | "heredoc" | "open" | "close";

export interface CaddyToken {
  kind: CaddyTokenKind;
  /** Offsets of the whole token in the text, quotes and heredoc markers included. */
  start: number;
  end: number;
  /** Offsets of the value's bytes: inside the quotes, or the heredoc body. */
  contentStart: number;
  contentEnd: number;
  /** The value Caddy sees: quotes removed, `\"` unescaped, heredoc indentation stripped. */
  text: string;
  /** Caddy's line of the token's start: escaped newlines (line continuations) do not count. */
  line: number;
  /** Caddy's line of the token's end (differs from `line` for multi-line quotes and heredocs). */
  endLine: number;
  /** Template actions, `{$ENV}` and runtime `{placeholders}` inside the token, in file offsets. */
  parts: OpaqueSpan[];
  /** The token is one template control action (`{{ if … }}`, `{{ end }}`, a comment): no Caddy token. */
  templateControl: boolean;
}

export interface CaddyComment {
  start: number;
  end: number;
  text: string;
}

/** A syntax error with the offsets it is about; the lexer and parser report, they never throw. */
export interface CaddyError {
  message: string;
  start: number;
  end: number;
}

export interface CaddyTokens {
  tokens: CaddyToken[];
  comments: CaddyComment[];
  errors: CaddyError[];
}

const isSpace = (ch: string): boolean => /\s/.test(ch);

const CONTROL_ACTION = /^\{\{-?\s*(?:\/\*|(?:if|else|end|range|with|define|block|template|break|continue)\b)/;

export function tokenizeCaddyfile(text: string): CaddyTokens {
  const tokens: CaddyToken[] = [];
  const comments: CaddyComment[] = [];
  const errors: CaddyError[] = [];
  const n = text.length;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  // Caddy keeps a `\` pending across spaces: `\` then spaces then a newline is a line continuation.
  let escaped = false;

  /** Skips a template action at `i`; returns its end, reporting an unterminated one. */
  const skipAction = (at: number, onNewline: () => void): number => {
    const end = templateActionEnd(text, at);
    const stop = end === -1 ? n : end;
    if (end === -1) errors.push({ message: "unterminated template action '{{'", start: at, end: n });
    for (let k = at; k < stop; k++) if (text[k] === "\n") onNewline();
    return stop;
  };

  while (i < n) {
    const ch = text[i] ?? "";
    if (isSpace(ch)) {
      if (ch === "\n") {
        if (escaped) escaped = false;
        else line++;
      }
      i++;
      continue;
    }
    if (ch === "\\" && !escaped && /^\\[ \t\r]*\n/.test(text.slice(i, i + 64))) {
      escaped = true;
      i++;
      continue;
    }
    escaped = false;
    if (ch === "#") {
      const start = i;
      while (i < n && text[i] !== "\n") {
        if (text[i] === "{" && text[i + 1] === "{") i = skipAction(i, () => line++);
        else i++;
      }
      let end = i;
      if (text[end - 1] === "\r") end--;
      comments.push({ start, end, text: text.slice(start, end) });
      continue;
    }
    const start = i;
    const startLine = line;
    let kind: CaddyTokenKind = "word";
    let value = "";
    let contentStart = start;
    let contentEnd: number;
    if (ch === '"' || ch === "`") {
      kind = ch === '"' ? "quoted" : "backtick";
      contentStart = i + 1;
      i++;
      let esc = false;
      let closed = false;
      while (i < n) {
        const c = text[i] ?? "";
        if (c === "{" && text[i + 1] === "{") {
          const end = skipAction(i, () => line++);
          value += text.slice(i, end);
          i = end;
          continue;
        }
        if (kind === "quoted" && !esc && c === "\\") {
          esc = true;
          i++;
          continue;
        }
        if (esc) {
          if (c !== '"') value += "\\";
          esc = false;
        } else if (c === ch) {
          closed = true;
          break;
        }
        if (c === "\n") line++;
        value += c;
        i++;
      }
      contentEnd = i;
      if (closed) i++;
      else
        errors.push({
          message: `unterminated ${kind === "quoted" ? "quoted string" : "backtick string"}`,
          start,
          end: n,
        });
    } else if (ch === "<" && /^<<[A-Za-z0-9_-]+\r?\n/.test(text.slice(i, i + 256))) {
      kind = "heredoc";
      const heredoc = readHeredoc(text, i);
      value = heredoc.value;
      contentStart = heredoc.contentStart;
      contentEnd = heredoc.contentEnd;
      if (heredoc.error) errors.push({ message: heredoc.error, start, end: heredoc.end });
      for (let k = i; k < heredoc.end; k++) if (text[k] === "\n") line++;
      i = heredoc.end;
    } else {
      let esc = false;
      while (i < n) {
        const c = text[i] ?? "";
        if (c === "{" && text[i + 1] === "{") {
          const end = skipAction(i, () => line++);
          value += (esc ? "\\" : "") + text.slice(i, end);
          esc = false;
          i = end;
          continue;
        }
        if (isSpace(c)) {
          // Caddy drops a carriage return without ending the token.
          if (c === "\r" && text[i + 1] !== "\n") {
            i++;
            continue;
          }
          break;
        }
        if (c === "\\" && !esc) {
          if (/^\\[ \t\r]*\n/.test(text.slice(i, i + 64))) break;
          esc = true;
          i++;
          continue;
        }
        if (esc) {
          if (c !== "<") value += "\\";
          esc = false;
        }
        value += c;
        i++;
      }
      if (esc) value += "\\";
      contentEnd = i;
      if (value === "{") kind = "open";
      else if (value === "}") kind = "close";
    }
    const raw = text.slice(contentStart, contentEnd);
    const parts = opaqueSpans(raw).map((s) => ({
      ...s,
      start: s.start + contentStart,
      end: s.end + contentStart,
    }));
    const whole = parts.length === 1 && parts[0]?.start === start && parts[0]?.end === i;
    tokens.push({
      kind,
      start,
      end: i,
      contentStart,
      contentEnd,
      text: value,
      line: startLine,
      endLine: line,
      parts,
      templateControl: kind === "word" && whole && CONTROL_ACTION.test(raw),
    });
  }
  return { tokens, comments, errors };
}

interface Heredoc {
  value: string;
  contentStart: number;
  contentEnd: number;
  end: number;
  error?: string;
}

/** `<<MARKER` … `MARKER`: the closing marker's indentation is stripped from every line (Caddy 2.7+). */
function readHeredoc(text: string, start: number): Heredoc {
  const nl = text.indexOf("\n", start);
  const marker = text.slice(start + 2, nl).replace(/\r$/, "");
  const contentStart = nl + 1;
  let at = contentStart;
  while (at <= text.length) {
    const lineEnd = text.indexOf("\n", at) === -1 ? text.length : text.indexOf("\n", at);
    const lineText = text.slice(at, lineEnd).replace(/\r$/, "");
    const padding = /^[ \t]*/.exec(lineText)?.[0] ?? "";
    // Caddy closes the heredoc as soon as the marker is read, so more tokens may follow on that line.
    if (lineText.startsWith(marker, padding.length)) {
      const end = at + padding.length + marker.length;
      const body = text.slice(contentStart, at);
      const lines = body.split("\n");
      lines.pop();
      const bad = lines.findIndex((l) => !l.startsWith(padding) && l.replace(/\r$/, "") !== "");
      const value = lines.map((l) => l.replace(/\r$/, "").slice(padding.length) + "\n").join("");
      const heredoc: Heredoc = { value, contentStart, contentEnd: at, end };
      if (bad !== -1) heredoc.error = `mismatched whitespace in heredoc on its line ${bad + 1}`;
      return heredoc;
    }
    if (lineEnd === text.length) break;
    at = lineEnd + 1;
  }
  return {
    value: text.slice(contentStart),
    contentStart,
    contentEnd: text.length,
    end: text.length,
    error: `unterminated heredoc: no closing '${marker}'`,
  };
}

export interface CaddyBlock {
  open: CaddyToken;
  /** Missing when the block never closes (an error is reported at `open`). */
  close?: CaddyToken;
  directives: CaddyDirective[];
}

/** One line of a block: a name, its arguments on the same line, and the block it opens, if any. */
export interface CaddyDirective {
  name: CaddyToken;
  args: CaddyToken[];
  block?: CaddyBlock;
  start: number;
  end: number;
}

export type CaddyServerBlockKind = "global" | "snippet" | "site" | "import";

export interface CaddyServerBlock {
  kind: CaddyServerBlockKind;
  /** Site addresses (a trailing comma is part of the token's text, as in Caddy), or `(name)`. */
  keys: CaddyToken[];
  snippetName?: string;
  /** Undefined for a single site written without braces, whose directives run to the end of the file. */
  block?: CaddyBlock;
  directives: CaddyDirective[];
  start: number;
  end: number;
}

export interface Caddyfile {
  text: string;
  tokens: CaddyToken[];
  comments: CaddyComment[];
  serverBlocks: CaddyServerBlock[];
  /** The global options block: the first block, with no address. */
  global?: CaddyServerBlock;
  errors: CaddyError[];
}

/** Whether a matcher token (`@name`, `*`, `/path`) stands as a directive's first argument, as Caddy reads it. */
export function isMatcherToken(token: CaddyToken): boolean {
  return (
    token.kind === "word" && (token.text === "*" || token.text.startsWith("/") || token.text.startsWith("@"))
  );
}

/** Named matcher definitions (`@name { … }` or `@name path /x`) directly in a block. */
export function namedMatchers(directives: CaddyDirective[]): Map<string, CaddyDirective> {
  const out = new Map<string, CaddyDirective>();
  for (const d of directives)
    if (d.name.kind === "word" && d.name.text.startsWith("@")) out.set(d.name.text, d);
  return out;
}

/** Every directive in the tree, depth first, in file order. */
export function* walkDirectives(directives: CaddyDirective[]): Generator<CaddyDirective> {
  for (const d of directives) {
    yield d;
    if (d.block) yield* walkDirectives(d.block.directives);
  }
}

/** Deepest block nesting parsed; real Caddyfiles nest a handful of levels. */
export const MAX_BLOCK_DEPTH = 100;

export function parseCaddyfile(text: string): Caddyfile {
  const lexed = tokenizeCaddyfile(text);
  const errors = [...lexed.errors];
  const toks = lexed.tokens.filter((t) => !t.templateControl);
  const serverBlocks: CaddyServerBlock[] = [];
  let i = 0;
  const sameLine = (a: CaddyToken | undefined, b: CaddyToken | undefined): boolean =>
    a !== undefined && b !== undefined && a.endLine === b.line;

  let depth = 0;
  /** Directives until a `}` closing the block (returned) or the end of the tokens. */
  const directives = (inBlock: boolean): { directives: CaddyDirective[]; close?: CaddyToken } => {
    const out: CaddyDirective[] = [];
    if (inBlock && ++depth > MAX_BLOCK_DEPTH) {
      // Thousands of nested blocks would overflow the stack: an error, and the rest is not parsed.
      const t = toks[i - 1] ?? toks[0]!;
      errors.push({
        message: `blocks nested deeper than ${MAX_BLOCK_DEPTH} levels; the rest of the file was not parsed`,
        start: t.start,
        end: t.end,
      });
      i = toks.length;
      depth--;
      return { directives: out };
    }
    try {
      return blockBody(inBlock, out);
    } finally {
      if (inBlock) depth--;
    }
  };
  const blockBody = (
    inBlock: boolean,
    out: CaddyDirective[],
  ): { directives: CaddyDirective[]; close?: CaddyToken } => {
    while (i < toks.length) {
      const t = toks[i] as CaddyToken;
      if (t.kind === "close") {
        i++;
        if (inBlock) return { directives: out, close: t };
        errors.push({ message: "unexpected '}': no matching '{'", start: t.start, end: t.end });
        continue;
      }
      if (t.kind === "open") {
        // Caddy's parser counts this brace into the previous segment, but its dispensers only see a
        // block that opens on the directive's own line.
        errors.push({
          message: "a block must open on the same line as its directive",
          start: t.start,
          end: t.end,
        });
        i++;
        const nested = directives(true);
        if (!nested.close) errors.push({ message: "unclosed '{'", start: t.start, end: t.end });
        continue;
      }
      out.push(directive());
    }
    return { directives: out };
  };

  const directive = (): CaddyDirective => {
    const name = toks[i] as CaddyToken;
    i++;
    const args: CaddyToken[] = [];
    let last = name;
    while (i < toks.length && sameLine(last, toks[i])) {
      const t = toks[i] as CaddyToken;
      if (t.kind === "close") break;
      if (t.kind === "open") {
        i++;
        const body = directives(true);
        if (!body.close)
          errors.push({
            message: "unclosed '{': expected '}' before the end of the file",
            start: t.start,
            end: t.end,
          });
        const block: CaddyBlock = { open: t, directives: body.directives };
        if (body.close) block.close = body.close;
        const end = body.close?.end ?? body.directives.at(-1)?.end ?? t.end;
        return { name, args, block, start: name.start, end };
      }
      args.push(t);
      last = t;
      i++;
    }
    return { name, args, start: name.start, end: last.end };
  };

  while (i < toks.length) {
    const first = toks[i] as CaddyToken;
    if (first.kind === "close") {
      errors.push({ message: "unexpected '}': no matching '{'", start: first.start, end: first.end });
      i++;
      continue;
    }
    if (first.kind === "word" && first.text === "import") {
      const d = directive();
      serverBlocks.push({ kind: "import", keys: [], directives: [d], start: d.start, end: d.end });
      continue;
    }
    const keys: CaddyToken[] = [];
    let expectingAnother = false;
    while (i < toks.length) {
      const t = toks[i] as CaddyToken;
      if (t.kind === "open") {
        if (expectingAnother)
          errors.push({ message: "expected another address after ','", start: t.start, end: t.end });
        break;
      }
      if (t.kind === "close") break;
      keys.push(t);
      expectingAnother = t.kind === "word" && t.text.endsWith(",");
      i++;
      const next = toks[i];
      if (!next) {
        if (expectingAnother)
          errors.push({ message: "unexpected end of file after ','", start: t.start, end: t.end });
        break;
      }
      if (!expectingAnother && !sameLine(t, next)) break;
    }
    const firstKey = keys[0];
    const snippet =
      keys.length === 1 && firstKey && firstKey.text.startsWith("(") && firstKey.text.endsWith(")")
        ? firstKey.text.slice(1, -1)
        : undefined;
    const kind: CaddyServerBlockKind =
      keys.length === 0 ? "global" : snippet !== undefined ? "snippet" : "site";
    const open = toks[i];
    const sb: CaddyServerBlock = {
      kind,
      keys,
      directives: [],
      start: first.start,
      end: keys.at(-1)?.end ?? first.end,
    };
    if (snippet !== undefined) sb.snippetName = snippet;
    if (open?.kind === "open") {
      i++;
      const body = directives(true);
      sb.directives = body.directives;
      sb.block = { open, directives: body.directives };
      if (body.close) {
        sb.block.close = body.close;
        sb.end = body.close.end;
      } else {
        errors.push({
          message: "unclosed '{': expected '}' before the end of the file",
          start: open.start,
          end: open.end,
        });
        sb.end = body.directives.at(-1)?.end ?? open.end;
      }
    } else if (keys.length > 0 && i < toks.length) {
      if (snippet !== undefined)
        errors.push({ message: `snippet '${snippet}' needs a block`, start: first.start, end: first.end });
      const body = directives(false);
      sb.directives = body.directives;
      sb.end = body.directives.at(-1)?.end ?? sb.end;
    }
    if (kind === "global" && serverBlocks.some((b) => b.kind !== "import")) {
      errors.push({
        message: "a block without an address is the global options block, and it must come first",
        start: sb.start,
        end: sb.end,
      });
    }
    serverBlocks.push(sb);
  }
  const doc: Caddyfile = { text, tokens: lexed.tokens, comments: lexed.comments, serverBlocks, errors };
  const global = serverBlocks.find((b) => b.kind === "global");
  if (global && global === serverBlocks.find((b) => b.kind !== "import")) doc.global = global;
  errors.sort((a, b) => a.start - b.start || a.end - b.end);
  return doc;
}
