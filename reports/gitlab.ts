/**
 * GitLab Code Quality (the `codequality` report artifact): a JSON array of issues, each with a
 * stable fingerprint (the finding id, which survives line moves) so merge requests show what is new.
 * Paths are relative to the folder redfix ran in, which in CI is the repository's root.
 */
import { join, relative, sep } from "node:path";
import type { Finding, Severity } from "../core/finding.js";

const SEVERITY: Record<Severity, "critical" | "major" | "info"> = {
  error: "critical",
  warning: "major",
  info: "info",
};

export function renderGitlab(
  findings: Finding[],
  roots: { recipes: string; harness: string | null },
  cwd: string,
): string {
  const issues = findings
    .filter((f) => !f.suppressed)
    .map((f) => {
      const base = f.root === "harness" ? (roots.harness ?? roots.recipes) : roots.recipes;
      return {
        type: "issue",
        description: `${f.rule}: ${f.message}`,
        check_name: f.rule,
        fingerprint: f.id,
        severity: SEVERITY[f.severity],
        location: { path: relative(cwd, join(base, f.file)).split(sep).join("/"), lines: { begin: f.line } },
      };
    });
  return `${JSON.stringify(issues, null, 2)}\n`;
}
