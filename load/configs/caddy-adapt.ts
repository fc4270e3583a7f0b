/**
 * The one place redfix runs `caddy adapt` (analyze's load step and verify's validators both come here;
 * rules never run processes, they read the result from the workspace model).
 *
 * A Caddyfile comes from a stranger, so caddy never sees anything it could turn against this machine:
 * - `{$VAR}` placeholders are substituted in the text here, with sample values that are one plain
 *   token each; caddy's environment is the fixed minimal one (no `.env.sample` value reaches it, so a
 *   `{$LD_PRELOAD}` is only text);
 * - every `import` is checked first: a snippet, or a file given to the adapt run (the recipe's own,
 *   read through the safe reader). Anything else — absolute, `..`, a glob, a placeholder, a file not
 *   given — and caddy does not run;
 * - caddy runs in a temporary folder holding only those files, with memory and CPU limits and a
 *   timeout that kills its process group; its messages are quoted with the temporary path removed.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, posix } from "node:path";
import { renderGoTemplate, sourceLine, type TemplateSamples } from "./go-template.js";

export interface CaddyAdaptOptions {
  timeoutMs?: number;
  /** The caddy binary; found on PATH when not given. */
  caddyPath?: string;
  /**
   * Values for `{$VAR}` placeholders, substituted in the text (never passed as environment). A value
   * that is not one plain token (whitespace, braces, quotes, `#`) is replaced by `sample.example.org`.
   */
  env?: Record<string, string>;
  /** The Caddyfile's path relative to its recipe (default `Caddyfile`): relative imports resolve from it. */
  path?: string;
  /** Other files of the recipe the Caddyfile may import, relative path → text. */
  files?: Map<string, string>;
}

export interface CaddyAdaptResult {
  status: "passed" | "failed" | "skipped";
  reason?: string;
  /** The adapted JSON config when it passed. */
  output?: string;
  /** The Caddyfile line caddy's error names (`Caddyfile:LINE`), when it names one. */
  line?: number;
}

export const DEFAULT_ADAPT_TIMEOUT_MS = 10_000;
/** caddy's memory limit (RLIMIT_DATA; core/process.ts sets the address space to four times it). */
export const ADAPT_MEMORY_BYTES = 1024 * 1024 * 1024;
export const ADAPT_CPU_SECONDS = 10;
/** Value for a placeholder with no usable sample: parses as a host wherever one is expected. */
export const PLACEHOLDER_SAMPLE = "sample.example.org";

const PLACEHOLDER = /\{\$([A-Za-z_][A-Za-z0-9_]*)(?::([^}\s]*))?\}/g;
const PLAIN_TOKEN = /^[^\s{}"'`\\#]+$/;

/** `{$NAME}` / `{$NAME:default}` replaced by a sample value, default, or `sample.example.org`. */
export function substitutePlaceholders(text: string, values: Record<string, string> = {}): string {
  return text.replace(PLACEHOLDER, (_m, name: string, def: string | undefined) => {
    const v = Object.prototype.hasOwnProperty.call(values, name) ? values[name] : undefined;
    if (v !== undefined && PLAIN_TOKEN.test(v)) return v;
    if (def !== undefined && PLAIN_TOKEN.test(def)) return def;
    return PLACEHOLDER_SAMPLE;
  });
}

export interface CaddyImport {
  /** The import's argument as written. */
  target: string;
  /** Offset of the argument in the text, and its 1-based line. */
  offset: number;
  line: number;
  /** Set when it names a snippet the file defines. */
  snippet: boolean;
}

interface Token {
  text: string;
  offset: number;
  line: number;
  /** First token of its line (after a `{` or `}` too: caddy starts a directive there). */
  first: boolean;
}

/** Caddyfile tokens, as caddy's lexer splits them (quotes, backquotes, `#` comments, `\` continuations). */
function tokens(text: string): Token[] {
  const out: Token[] = [];
  let line = 1;
  let first = true;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (c === "\n") {
      line++;
      first = true;
      i++;
      continue;
    }
    if (c === " " || c === "\t" || c === "\r") {
      i++;
      continue;
    }
    if (c === "\\" && text[i + 1] === "\n") {
      i += 2;
      line++;
      continue;
    }
    if (c === "#") {
      while (i < n && text[i] !== "\n") i++;
      continue;
    }
    const start = i;
    const startLine = line;
    let value = "";
    if (c === '"' || c === "`") {
      i++;
      while (i < n && text[i] !== c) {
        if (c === '"' && text[i] === "\\" && i + 1 < n) {
          value += text[i + 1];
          i += 2;
          continue;
        }
        if (text[i] === "\n") line++;
        value += text[i];
        i++;
      }
      i++;
    } else {
      while (i < n && !/\s/.test(text[i]!)) {
        value += text[i];
        i++;
      }
    }
    out.push({ text: value, offset: start, line: startLine, first });
    first = value === "{" || value === "}";
  }
  return out;
}

/** The snippets a Caddyfile defines (`(name) { … }`). */
export function caddySnippets(text: string): Set<string> {
  const snippets = new Set<string>();
  for (const t of tokens(text)) {
    const m = /^\(([^()]+)\)$/.exec(t.text);
    if (t.first && m) snippets.add(m[1]!);
  }
  return snippets;
}

/**
 * Every `import` of a Caddyfile, each marked whether it names a snippet the file (or one of `known`,
 * the snippets of the files imported with it) defines.
 */
export function caddyImports(text: string, known: Set<string> = new Set()): CaddyImport[] {
  const toks = tokens(text);
  const snippets = new Set([...known, ...caddySnippets(text)]);
  const out: CaddyImport[] = [];
  for (let k = 0; k < toks.length; k++) {
    const t = toks[k]!;
    if (!t.first || t.text !== "import") continue;
    const arg = toks[k + 1];
    if (!arg || arg.line !== t.line) continue;
    out.push({ target: arg.text, offset: arg.offset, line: arg.line, snippet: snippets.has(arg.text) });
  }
  return out;
}

/**
 * Why an import target may not be followed, or null when it is a plain relative file path that stays
 * inside the recipe (`from` is the importing file's path relative to the recipe).
 */
export function importRefusal(target: string, from: string): string | null {
  if (target === "") return "is empty";
  if (target.startsWith("/") || /^[A-Za-z]:/.test(target)) return "is an absolute path";
  if (/[*?[\]]/.test(target)) return "is a glob";
  if (/[{}$]/.test(target)) return "holds a placeholder";
  if (target.split(/[\\/]/).includes("..")) return "goes up with `..`";
  const joined = posix.normalize(posix.join(posix.dirname(from), target));
  if (joined.startsWith("../") || joined === "..") return "leaves the recipe";
  return null;
}

/** The import's file path relative to the recipe (only for targets `importRefusal` accepts). */
export function importPath(target: string, from: string): string {
  return posix.normalize(posix.join(posix.dirname(from), target));
}

/** Caddy's error line, with the temporary path shortened so the reason is reproducible. */
function errorReason(stderr: string, dir: string): string {
  const lines = stderr
    .split("\n")
    .map((l) =>
      l
        .split(dir + "/")
        .join("")
        .split(dir)
        .join("")
        .trim(),
    )
    .filter((l) => l !== "");
  return lines.find((l) => l.startsWith("Error:")) ?? lines.at(-1) ?? "caddy adapt failed without a message";
}

/**
 * Runs `caddy adapt` on a Caddyfile text (no shell, fixed environment, limits; on timeout the whole
 * process group is killed). `skipped` when caddy is not installed or the text imports what it may not:
 * a check that could not run never passes.
 */
export async function caddyAdapt(text: string, opts: CaddyAdaptOptions = {}): Promise<CaddyAdaptResult> {
  const main = opts.path ?? "Caddyfile";
  const files = new Map<string, string>();
  files.set(main, substitutePlaceholders(text, opts.env));
  for (const [p, t] of opts.files ?? []) if (p !== main) files.set(p, substitutePlaceholders(t, opts.env));
  // The gate: every import of every file is a snippet or a given file. Checked on the substituted
  // text, since caddy would expand placeholders before it reads `import`.
  const snippets = new Set([...files.values()].flatMap((t) => [...caddySnippets(t)]));
  for (const [p, t] of files) {
    for (const imp of caddyImports(t, snippets)) {
      if (imp.snippet) continue;
      const why = importRefusal(imp.target, p);
      if (why || !files.has(importPath(imp.target, p))) {
        return {
          status: "skipped",
          reason: `${p}:${imp.line} imports ${JSON.stringify(imp.target)}, which ${why ?? "is not a file of the recipe"}; caddy adapt was not run`,
          line: imp.line,
        };
      }
    }
  }
  // The process runner pulls in execa (a hundred modules): analyze loads this file but rarely adapts.
  const { runProcess, which } = await import("../../core/process.js");
  const caddy = opts.caddyPath ?? which("caddy");
  if (!caddy) return { status: "skipped", reason: "caddy is not installed (not found on PATH)" };
  const dir = mkdtempSync(join(tmpdir(), "redfix-caddy-"));
  const timeoutMs = opts.timeoutMs ?? DEFAULT_ADAPT_TIMEOUT_MS;
  try {
    const work = join(dir, "recipe");
    for (const [p, t] of files) {
      const abs = join(work, p);
      mkdirSync(dirname(abs), { recursive: true });
      writeFileSync(abs, t, { encoding: "utf8", flag: "wx" });
    }
    const file = join(work, main);
    const result = await runProcess(caddy, ["adapt", "--config", file, "--adapter", "caddyfile"], {
      cwd: work,
      env: { HOME: dir, XDG_CONFIG_HOME: dir, XDG_DATA_HOME: dir },
      timeoutMs,
      limits: { memoryBytes: ADAPT_MEMORY_BYTES, cpuSeconds: ADAPT_CPU_SECONDS },
    });
    if (result.timedOut) return { status: "failed", reason: `caddy adapt timed out after ${timeoutMs} ms` };
    if (result.missing || result.exitCode === null) {
      return { status: "skipped", reason: `caddy could not be started: ${result.missing ?? "no exit code"}` };
    }
    if (result.exitCode === 0) return { status: "passed", output: result.stdout };
    const reason = errorReason(result.stderr, work);
    const failed: CaddyAdaptResult = { status: "failed", reason };
    const base = posix.basename(main).replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const m = new RegExp(`${base}:(\\d+)\\b`).exec(result.stderr) ?? /Caddyfile:(\d+)\b/.exec(result.stderr);
    if (m) failed.line = Number(m[1]);
    return failed;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface CaddyTemplateCheck extends CaddyAdaptResult {
  /** The rendered Caddyfile that caddy read. */
  rendered?: string;
}

/**
 * Renders a Go-templated Caddyfile with sample values, then runs `caddy adapt`; a template error is a
 * failure at its own line, and caddy's line is mapped back through the rendering to the template's line.
 */
export async function caddyAdaptTemplate(
  template: string,
  samples: TemplateSamples = {},
  opts: CaddyAdaptOptions = {},
): Promise<CaddyTemplateCheck> {
  const renderedWith = renderGoTemplate(template, samples);
  const first = renderedWith.errors.find((e) => e.kind === "error") ?? renderedWith.errors[0];
  if (first) {
    const line = template.slice(0, first.start).split("\n").length;
    // A template this renderer cannot evaluate may still be valid: the check could not run.
    const status = first.kind === "error" ? "failed" : "skipped";
    return { status, reason: `template: ${first.message}`, line };
  }
  const result = await caddyAdapt(renderedWith.output, opts);
  const out: CaddyTemplateCheck = { ...result, rendered: renderedWith.output };
  if (result.line !== undefined) out.line = sourceLine(template, renderedWith, result.line);
  return out;
}
