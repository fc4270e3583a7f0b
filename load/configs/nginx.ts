import {
  opaqueSpans,
  parseAddress,
  templateActionEnd,
  type OpaqueSpan,
  type UpstreamRef,
} from "./upstream.js";

/**
 * An nginx config lexer and parser with exact offsets, after nginx's ngx_conf_read_token: words end at
 * whitespace, `;`, `{` or `}`; `${var}` braces belong to the word; `#` starts a comment only at a token's
 * start; quotes open only at a token's start. Go template actions (`{{ … }}`) stay whole in their token.
 */

export type NginxTokenKind = "word" | "quoted" | "open" | "close" | "semicolon";

export interface NginxToken {
  kind: NginxTokenKind;
  start: number;
  end: number;
  contentStart: number;
  contentEnd: number;
  /** The value nginx sees: quotes removed and `\"` `\'` `\\` unescaped. */
  text: string;
  /** `$vars` and template actions inside the token, in file offsets. */
  parts: OpaqueSpan[];
}

export interface NginxComment {
  start: number;
  end: number;
  text: string;
}

export interface NginxError {
  message: string;
  start: number;
  end: number;
}

export interface NginxBlock {
  open: NginxToken;
  close?: NginxToken;
  directives: NginxDirective[];
}

export interface NginxDirective {
  name: NginxToken;
  args: NginxToken[];
  block?: NginxBlock;
  /** The `;` ending a simple directive. */
  terminator?: NginxToken;
  start: number;
  end: number;
}

export interface NginxConfig {
  text: string;
  tokens: NginxToken[];
  comments: NginxComment[];
  directives: NginxDirective[];
  errors: NginxError[];
}

const isSpace = (ch: string): boolean => ch === " " || ch === "\t" || ch === "\r" || ch === "\n";

export function tokenizeNginx(text: string): {
  tokens: NginxToken[];
  comments: NginxComment[];
  errors: NginxError[];
} {
  const tokens: NginxToken[] = [];
  const comments: NginxComment[] = [];
  const errors: NginxError[] = [];
  const n = text.length;
  let i = 0;
  const action = (at: number): number => {
    const end = templateActionEnd(text, at);
    if (end === -1) errors.push({ message: "unterminated template action '{{'", start: at, end: n });
    return end === -1 ? n : end;
  };
  /** A template action (kept whole) or a backslash escape at `at`, inside a word or a quoted string. */
  const templateOrEscape = (at: number): { text: string; end: number } | null => {
    const c = text[at] ?? "";
    if (c === "{" && text[at + 1] === "{") {
      const end = action(at);
      return { text: text.slice(at, end), end };
    }
    if (c === "\\" && at + 1 < n) {
      const next = text[at + 1] ?? "";
      return { text: next === '"' || next === "'" || next === "\\" ? next : c + next, end: at + 2 };
    }
    return null;
  };
  const push = (
    kind: NginxTokenKind,
    start: number,
    end: number,
    cs: number,
    ce: number,
    value: string,
  ): void => {
    const parts = opaqueSpans(text.slice(cs, ce), { dollarVariables: true }).map((s) => ({
      ...s,
      start: s.start + cs,
      end: s.end + cs,
    }));
    tokens.push({ kind, start, end, contentStart: cs, contentEnd: ce, text: value, parts });
  };
  while (i < n) {
    const ch = text[i] ?? "";
    if (isSpace(ch)) {
      i++;
      continue;
    }
    const start = i;
    if (ch === "#") {
      while (i < n && text[i] !== "\n") i++;
      const end = text[i - 1] === "\r" ? i - 1 : i;
      comments.push({ start, end, text: text.slice(start, end) });
      continue;
    }
    if (ch === ";" || ch === "}" || (ch === "{" && text[i + 1] !== "{")) {
      push(ch === ";" ? "semicolon" : ch === "{" ? "open" : "close", i, i + 1, i, i + 1, ch);
      i++;
      continue;
    }
    if (ch === '"' || ch === "'") {
      i++;
      let value = "";
      let closed = false;
      while (i < n) {
        const c = text[i] ?? "";
        const p = templateOrEscape(i);
        if (p) {
          value += p.text;
          i = p.end;
          continue;
        }
        if (c === ch) {
          closed = true;
          break;
        }
        value += c;
        i++;
      }
      const contentEnd = i;
      if (closed) i++;
      else errors.push({ message: "unterminated quoted string", start, end: n });
      push("quoted", start, i, start + 1, contentEnd, value);
      const after = text[i] ?? "";
      // nginx lets `)` follow a quoted string, for `if ($x = "a")`.
      if (closed && after !== "" && !isSpace(after) && !";{})".includes(after)) {
        errors.push({ message: `unexpected "${after}" after a quoted string`, start: i, end: i + 1 });
      }
      continue;
    }
    let value = "";
    let variable = false;
    while (i < n) {
      const c = text[i] ?? "";
      const p = templateOrEscape(i);
      if (p) {
        value += p.text;
        i = p.end;
        continue;
      }
      if (c === "{" && text[i - 1] === "$") variable = true;
      else if (c === "}" && variable) variable = false;
      else if (isSpace(c) || c === ";" || c === "{" || c === "}") break;
      value += c;
      i++;
    }
    push("word", start, i, start, i, value);
  }
  return { tokens, comments, errors };
}

/** Deepest block nesting parsed; real nginx configs nest a handful of levels. */
export const MAX_NGINX_DEPTH = 100;

export function parseNginx(text: string): NginxConfig {
  const lexed = tokenizeNginx(text);
  const errors = [...lexed.errors];
  const toks = lexed.tokens;
  let i = 0;
  let depth = 0;
  const parseBlock = (inBlock: boolean): { directives: NginxDirective[]; close?: NginxToken } => {
    if (inBlock && ++depth > MAX_NGINX_DEPTH) {
      // Thousands of nested blocks would overflow the stack: an error, and the rest is not parsed.
      const t = toks[i - 1] ?? toks[0]!;
      errors.push({
        message: `blocks nested deeper than ${MAX_NGINX_DEPTH} levels; the rest of the file was not parsed`,
        start: t.start,
        end: t.end,
      });
      i = toks.length;
      depth--;
      return { directives: [] };
    }
    try {
      return blockBody(inBlock);
    } finally {
      if (inBlock) depth--;
    }
  };
  const blockBody = (inBlock: boolean): { directives: NginxDirective[]; close?: NginxToken } => {
    const out: NginxDirective[] = [];
    while (i < toks.length) {
      const t = toks[i] as NginxToken;
      if (t.kind === "close") {
        i++;
        if (inBlock) return { directives: out, close: t };
        errors.push({ message: 'unexpected "}"', start: t.start, end: t.end });
        continue;
      }
      if (t.kind === "semicolon" || t.kind === "open") {
        errors.push({ message: `unexpected "${t.text}"`, start: t.start, end: t.end });
        i++;
        if (t.kind === "open") parseBlock(true);
        continue;
      }
      const args: NginxToken[] = [];
      i++;
      let d: NginxDirective | undefined;
      while (i < toks.length) {
        const a = toks[i] as NginxToken;
        if (a.kind === "semicolon") {
          i++;
          d = { name: t, args, terminator: a, start: t.start, end: a.end };
          break;
        }
        if (a.kind === "open") {
          i++;
          const body = parseBlock(true);
          const block: NginxBlock = { open: a, directives: body.directives };
          if (body.close) block.close = body.close;
          else errors.push({ message: 'unexpected end of file, expecting "}"', start: a.start, end: a.end });
          d = { name: t, args, block, start: t.start, end: body.close?.end ?? text.length };
          break;
        }
        if (a.kind === "close") break;
        args.push(a);
        i++;
      }
      if (!d) {
        const last = args.at(-1) ?? t;
        errors.push({
          message: 'unexpected end of directive, expecting ";" or "{"',
          start: t.start,
          end: last.end,
        });
        d = { name: t, args, start: t.start, end: last.end };
      }
      out.push(d);
    }
    return { directives: out };
  };
  const directives = parseBlock(false).directives;
  errors.sort((a, b) => a.start - b.start || a.end - b.end);
  return { text, tokens: toks, comments: lexed.comments, directives, errors };
}

export function* walkNginx(directives: NginxDirective[]): Generator<NginxDirective> {
  for (const d of directives) {
    yield d;
    if (d.block) yield* walkNginx(d.block.directives);
  }
}

/** Directives whose first argument is an address: a URL, `host:port`, `unix:` or an upstream name. */
const PASS_DIRECTIVES = [
  "proxy_pass",
  "fastcgi_pass",
  "grpc_pass",
  "uwsgi_pass",
  "scgi_pass",
  "memcached_pass",
];

export interface NginxUpstreamBlock {
  name: string;
  nameToken: NginxToken;
  directive: NginxDirective;
  servers: UpstreamRef[];
}

export interface NginxUpstreams {
  /** Hosts the config reaches: `server` entries of upstream blocks and `*_pass` addresses that are hosts. */
  refs: UpstreamRef[];
  upstreamBlocks: NginxUpstreamBlock[];
  /** `*_pass` directives that name an upstream block (its servers are the hosts, not the name). */
  resolved: { directive: NginxDirective; upstream: string }[];
  errors: NginxError[];
}

function tokenRef(text: string, token: NginxToken, kind: string): UpstreamRef | undefined {
  const raw = text.slice(token.contentStart, token.contentEnd);
  if (raw === "" || raw.startsWith("unix:")) return undefined;
  return parseAddress(raw, kind, {
    form: "auto",
    offset: token.contentStart,
    range: { start: token.start, end: token.end },
    dollarVariables: true,
  });
}

/**
 * The upstream hosts of an nginx config. A `*_pass` to a name declared by `upstream NAME { … }` resolves
 * to that block's `server` entries; `proxy_pass http://$var` resolves through `set $var VALUE;`.
 */
export function nginxUpstreams(config: NginxConfig): NginxUpstreams {
  const { text } = config;
  const refs: UpstreamRef[] = [];
  const upstreamBlocks: NginxUpstreamBlock[] = [];
  const sets = new Map<string, NginxToken>();
  for (const d of walkNginx(config.directives)) {
    if (d.name.text === "upstream" && d.args[0] && d.block) {
      const servers: UpstreamRef[] = [];
      for (const s of d.block.directives) {
        if (s.name.text !== "server" || !s.args[0]) continue;
        const ref = tokenRef(text, s.args[0], "nginx.upstream.server");
        if (ref) servers.push(ref);
      }
      upstreamBlocks.push({ name: d.args[0].text, nameToken: d.args[0], directive: d, servers });
      refs.push(...servers);
    }
    if (d.name.text === "set" && d.args[0]?.text.startsWith("$") && d.args[1])
      sets.set(d.args[0].text.slice(1), d.args[1]);
  }
  const names = new Set(upstreamBlocks.map((u) => u.name));
  const resolved: NginxUpstreams["resolved"] = [];
  for (const d of walkNginx(config.directives)) {
    if (!PASS_DIRECTIVES.includes(d.name.text) || !d.args[0]) continue;
    const ref = tokenRef(text, d.args[0], `nginx.${d.name.text}`);
    if (!ref) continue;
    if (names.has(ref.host)) {
      resolved.push({ directive: d, upstream: ref.host });
      continue;
    }
    const variable = /^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$/.exec(ref.host)?.[1];
    const setValue = variable === undefined ? undefined : sets.get(variable);
    if (setValue) {
      const viaSet = tokenRef(text, setValue, `nginx.${d.name.text}.set`);
      if (viaSet && !names.has(viaSet.host) && !refs.some((r) => r.range.start === viaSet.range.start))
        refs.push(viaSet);
      continue;
    }
    refs.push(ref);
  }
  refs.sort((a, b) => a.range.start - b.range.start || a.kind.localeCompare(b.kind));
  return { refs, upstreamBlocks, resolved, errors: config.errors };
}
