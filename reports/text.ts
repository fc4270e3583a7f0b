/** Human output: findings grouped by recipe, colour only on a TTY and never with NO_COLOR. */
import type { Finding, Severity } from "../core/finding.js";

export interface TextOptions {
  color: boolean;
  /** The analyzed folders' kinds and the skipped folders' count, for the line under the summary. */
  folders?: { kinds: readonly string[]; skipped: number };
}

const CODES = { red: 31, yellow: 33, cyan: 36, dim: 2, bold: 1, green: 32 } as const;

export function useColor(stream: NodeJS.WriteStream): boolean {
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== "") return false;
  const force = process.env.FORCE_COLOR;
  if (force !== undefined && force !== "" && force !== "0") return true;
  return stream.isTTY === true;
}

/**
 * Recipe-derived text for a terminal: control characters (C0 but tab, DEL, C1) and bidirectional
 * overrides become visible escapes, so a YAML string or folder name cannot erase lines, move the
 * cursor, set the title or write the clipboard (OSC 52).
 */
export function terminalSafe(s: unknown): string {
  return String(s ?? "").replace(
    // eslint-disable-next-line no-control-regex
    /[\x00-\x08\x0a-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g,
    (c) => {
      const n = c.charCodeAt(0);
      return n <= 0xff ? `\\x${n.toString(16).padStart(2, "0")}` : `\\u{${n.toString(16)}}`;
    },
  );
}

export function renderText(findings: Finding[], opts: TextOptions): string {
  const paint = (c: keyof typeof CODES, s: string) => (opts.color ? `\x1b[${CODES[c]}m${s}\x1b[0m` : s);
  const sev: Record<Severity, string> = {
    error: paint("red", "error  "),
    warning: paint("yellow", "warning"),
    info: paint("cyan", "info   "),
  };
  const lines: string[] = [];
  const groups = new Map<string, Finding[]>();
  for (const f of findings) groups.set(f.recipe, [...(groups.get(f.recipe) ?? []), f]);
  const t = terminalSafe;
  for (const [recipe, list] of groups) {
    lines.push(paint("bold", t(recipe)));
    for (const f of list) {
      const where = `${f.root === "harness" ? "harness:" : ""}${t(f.file)}:${f.line}:${f.column}`;
      const tail = f.suppressed ? paint("dim", `  (suppressed: ${t(f.suppressed.reason)})`) : "";
      lines.push(`  ${paint("dim", where)}  ${sev[f.severity]}  ${t(f.rule)}  ${t(f.message)}${tail}`);
      if (f.fix)
        lines.push(`      ${paint("green", "fix:")} ${t(f.fix.summary)}  ${paint("dim", t(f.fix.patch))}`);
      else if (f.fixUnavailable) lines.push(`      ${paint("dim", "no fix:")} ${t(f.fixUnavailable)}`);
    }
    lines.push("");
  }
  const active = findings.filter((f) => !f.suppressed);
  const count = (s: Severity) => active.filter((f) => f.severity === s).length;
  const fixes = new Set(active.flatMap((f) => (f.fix ? [f.fix.patch] : []))).size;
  const suppressed = findings.length - active.length;
  const summary =
    findings.length === 0
      ? "no findings"
      : `${plural(count("error"), "error")}, ${plural(count("warning"), "warning")}, ${plural(count("info"), "info")} ` +
        `in ${plural(groups.size, "recipe")}; ${plural(fixes, "patch", "patches")}` +
        (suppressed ? `; ${suppressed} suppressed` : "");
  lines.push(paint("bold", summary));
  if (opts.folders) lines.push(foldersLine(opts.folders.kinds, opts.folders.skipped));
  return `${lines.join("\n")}\n`;
}

/** `analyzed 8 folders: 6 abra-recipe, 2 swarm-stack; skipped 1` — every folder, with findings or not. */
export function foldersLine(kinds: readonly string[], skipped: number): string {
  const counts = new Map<string, number>();
  for (const k of kinds) counts.set(k, (counts.get(k) ?? 0) + 1);
  const parts = [...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, n]) => `${n} ${k}`);
  return (
    `analyzed ${plural(kinds.length, "folder")}${parts.length ? `: ${parts.join(", ")}` : ""}` +
    (skipped ? `; skipped ${skipped} (run.json lists why)` : "")
  );
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : one === "info" ? one : many}`;
}
