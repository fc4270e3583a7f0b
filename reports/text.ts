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
  for (const [recipe, list] of groups) {
    lines.push(paint("bold", recipe));
    for (const f of list) {
      const where = `${f.root === "harness" ? "harness:" : ""}${f.file}:${f.line}:${f.column}`;
      const tail = f.suppressed ? paint("dim", `  (suppressed: ${f.suppressed.reason})`) : "";
      lines.push(`  ${paint("dim", where)}  ${sev[f.severity]}  ${f.rule}  ${f.message}${tail}`);
      if (f.fix) lines.push(`      ${paint("green", "fix:")} ${f.fix.summary}  ${paint("dim", f.fix.patch)}`);
      else if (f.fixUnavailable) lines.push(`      ${paint("dim", "no fix:")} ${f.fixUnavailable}`);
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
