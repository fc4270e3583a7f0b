/**
 * jscodeshift-style codemod fixtures: `<case>/input/` is a recipe tree (or a folder of recipes),
 * `<case>/output/` the tree after redfix's patches. The helper applies every patch with
 * `git apply --check` then `git apply` in a git copy of the input, each on its own branch from the
 * unpatched commit, merges the branches, compares the result byte for byte,
 * and checks the fixpoint (re-analysis finds nothing of the rule) and idempotence (no new patch).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { analyze } from "../../pipeline/analyze.js";
import { removeDir, repoFrom, tempDir, treeFiles } from "./workspace.js";
import { mergeSeries } from "./standalone.js";

export interface CodemodOutcome {
  /** Paths whose bytes differ from `output/` (or exist on one side only). */
  differences: string[];
  patches: number;
  /** Findings of the rule left after applying the patches. */
  remaining: number;
  /** Patches a second analysis still produces for the rule. */
  secondRunPatches: number;
  /** The patched tree, a git repo (for further checks). */
  dir: string;
}

export async function runCodemodFixture(caseDir: string, rule: string): Promise<CodemodOutcome> {
  const dir = repoFrom(join(caseDir, "input"));
  const first = await analyze({ recipes: dir, rules: [rule] });
  const patches = first.series.patches.filter((p) => p.findingIds.length > 0);
  // Each patch is computed against the unpatched repo: each applies alone on its own branch
  // (`git apply --check`, then `git apply`), and the branches are merged, as their PRs would be.
  const scratch = tempDir("redfix-codemod-");
  try {
    const repos = new Map<string, typeof patches>();
    for (const p of patches) repos.set(p.repo.path, [...(repos.get(p.repo.path) ?? []), p]);
    for (const [repoDir, own] of repos) {
      const failures = mergeSeries(repoDir, own, scratch);
      if (failures.length > 0) throw new Error(failures.join("\n"));
    }
  } finally {
    removeDir(scratch);
  }
  const expected = treeFiles(join(caseDir, "output"));
  const actual = treeFiles(dir);
  const differences: string[] = [];
  for (const [path, bytes] of expected) {
    const a = actual.get(path);
    if (!a || !a.equals(bytes)) differences.push(path);
  }
  for (const path of actual.keys()) if (!expected.has(path)) differences.push(path);
  const second = await analyze({ recipes: dir, rules: [rule] });
  return {
    differences: differences.sort(),
    patches: patches.length,
    remaining: second.findings.filter((f) => f.rule === rule && !f.suppressed).length,
    secondRunPatches: second.series.patches.length,
    dir,
  };
}

export function readText(path: string): string | null {
  return existsSync(path) ? readFileSync(path, "utf8") : null;
}
