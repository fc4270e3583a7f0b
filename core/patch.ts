/** Patches: unified diffs in the form `git apply` takes (`diff --git` headers, `a/` and `b/` paths), and the series they make. */
import { structuredPatch } from "diff";

/** Where a patch applies, and a root of the run: a recipe's repo or the harness repo. */
export interface Repo {
  name: string;
  kind: "recipe" | "harness";
  /** Absolute path of the repo root. */
  path: string;
}

export interface PatchFile {
  repo: Repo;
  /** `NNNN-<rule>-<recipe>.patch` */
  name: string;
  /** Path relative to the run directory. */
  path: string;
  content: string;
  findingIds: string[];
}

export interface PatchSeries {
  patches: PatchFile[];
  repos: Repo[];
  /** Findings whose fix was refused, and why (shown in the text output). */
  refused: { findingId: string; reason: string }[];
}

export function gitDiff(
  path: string,
  before: string | null,
  after: string | null,
  mode: "100644" | "100755" = "100644",
): string {
  if (before === after) return "";
  const header = [`diff --git a/${path} b/${path}`];
  if (before === null) header.push(`new file mode ${mode}`);
  if (after === null) header.push(`deleted file mode ${mode}`);
  header.push(before === null ? "--- /dev/null" : `--- a/${path}`);
  header.push(after === null ? "+++ /dev/null" : `+++ b/${path}`);
  const p = structuredPatch(`a/${path}`, `b/${path}`, before ?? "", after ?? "", "", "", { context: 3 });
  const body: string[] = [];
  for (const h of p.hunks) {
    const oldStart = h.oldLines === 0 ? h.oldStart - (before === null || before === "" ? 1 : 0) : h.oldStart;
    const newStart = h.newLines === 0 ? h.newStart - (after === null || after === "" ? 1 : 0) : h.newStart;
    body.push(`@@ -${range(oldStart, h.oldLines)} +${range(newStart, h.newLines)} @@`);
    body.push(...h.lines);
  }
  return `${header.join("\n")}\n${body.join("\n")}\n`;
}

function range(start: number, lines: number): string {
  return lines === 1 ? `${start}` : `${start},${lines}`;
}
