/**
 * A throwaway copy of the analyzed workspace (recipes and harness, `.git` included so release tags
 * still count) with one patch applied by `git apply`: the state a maintainer would have after merging
 * that patch alone (every patch is computed against the unpatched repo and is complete).
 */
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, relative } from "node:path";
import { isInside } from "../core/paths.js";
import { runProcess } from "../core/process.js";
import type { RunDir } from "../reports/read-run-dir.js";
import { safeRepoDir } from "../core/paths.js";

export interface WorkspaceCopy {
  dir: string;
  recipes: string;
  harness: string | null;
  /** Where a repo of the run lives inside the copy. */
  repoPath(name: string): string;
  dispose(): void;
}

export function copyWorkspace(rd: RunDir): WorkspaceCopy {
  const dir = mkdtempSync(join(tmpdir(), "redfix-verify-"));
  const recipes = join(dir, "recipes", basename(rd.run.roots.recipes));
  cpSync(rd.run.roots.recipes, recipes, { recursive: true, verbatimSymlinks: true });
  let harness: string | null = null;
  if (rd.run.roots.harness) {
    harness = join(dir, "harness", basename(rd.run.roots.harness));
    cpSync(rd.run.roots.harness, harness, { recursive: true, verbatimSymlinks: true });
  }
  const repoPath = (name: string): string => {
    const repo = rd.run.repos.find((r) => r.name === name);
    if (!repo) throw new Error(`run.json names no repo ${name}`);
    if (repo.kind === "harness" && harness) return harness;
    if (!isInside(rd.run.roots.recipes, repo.path))
      throw new Error(`repo ${name} is outside the recipes root`);
    return join(recipes, relative(rd.run.roots.recipes, repo.path));
  };
  return { dir, recipes, harness, repoPath, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Applies one patch of `repo` (a path relative to the run dir) alone to the copy. */
export async function applyAlone(
  rd: RunDir,
  copy: WorkspaceCopy,
  repo: string,
  patch: string,
): Promise<string | null> {
  const names = rd.series.get(repo) ?? [];
  const name = basename(patch);
  if (!names.includes(name)) return `patch ${patch} is not in the series of ${repo}`;
  const cwd = copy.repoPath(repo);
  const file = join(rd.dir, "patches", safeRepoDir(repo), name);
  const r = await runProcess("git", ["apply", "--whitespace=nowarn", file], { cwd, timeoutMs: 30_000 });
  if (r.exitCode !== 0) return `git apply ${name} failed: ${r.output.trim().split("\n")[0] ?? ""}`;
  return null;
}
