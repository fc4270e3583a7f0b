/**
 * Semgrep-style expectations written in the fixtures: `# ruleid: RF101` on the line above where a
 * finding must start, `# ok: RF101` above where it must not. Any file type with `#` comments.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Finding } from "../../core/finding.js";
import { treeFiles } from "./workspace.js";

export interface Expectations {
  /** "file:line" where each rule must report. */
  expected: Map<string, Set<string>>;
  /** "file:line" where each rule must not report. */
  forbidden: Map<string, Set<string>>;
}

const ANNOTATION = /#\s*(ruleid|ok):\s*([A-Z0-9, ]+)/;

export function readExpectations(root: string): Expectations {
  const ex: Expectations = { expected: new Map(), forbidden: new Map() };
  for (const [file] of treeFiles(root)) {
    if (!/\.(ya?ml|sample|sh|tmpl|conf|py|ts|caddyfile)$|Caddyfile|\.env/i.test(file)) continue;
    const lines = readFileSync(join(root, file), "utf8").split("\n");
    lines.forEach((line, i) => {
      const m = ANNOTATION.exec(line);
      if (!m) return;
      let target = i + 1;
      while (target < lines.length && ANNOTATION.test(lines[target]!) && /^\s*#/.test(lines[target]!))
        target++;
      for (const rule of m[2]!.split(/[ ,]+/).filter(Boolean)) {
        const map = m[1] === "ruleid" ? ex.expected : ex.forbidden;
        const set = map.get(rule) ?? new Set<string>();
        set.add(`${file}:${target + 1}`);
        map.set(rule, set);
      }
    });
  }
  return ex;
}

/** Differences between the annotations and the findings of one rule; empty arrays when they agree. */
export function compareExpectations(
  ex: Expectations,
  findings: Finding[],
  rule: string,
): { missing: string[]; unexpected: string[] } {
  const got = new Set(findings.filter((f) => f.rule === rule).map((f) => `${f.file}:${f.line}`));
  const want = ex.expected.get(rule) ?? new Set<string>();
  const not = ex.forbidden.get(rule) ?? new Set<string>();
  return {
    missing: [...want].filter((w) => !got.has(w)).sort(),
    unexpected: [...got].filter((g) => !want.has(g) || not.has(g)).sort(),
  };
}
