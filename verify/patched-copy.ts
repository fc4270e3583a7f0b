/**
 * A throwaway copy of the analyzed workspace (recipes and harness, `.git` included so release tags
 * still count) with one patch applied by `git apply`: the state a maintainer would have after merging
 * that patch alone (every patch is computed against the unpatched repo and is complete).
 */
import { constants, copyFileSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, relative } from "node:path";
import { isInside } from "../core/paths.js";
import { onExit } from "../core/process.js";
import { runReplayProcess, type Sandbox } from "./sandbox.js";
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

/** A file larger than this is left out of a copy (a recipe is text; a 2 GiB sparse file is not). */
export const MAX_COPIED_FILE_BYTES = 64 * 1024 * 1024;

/**
 * Copies a tree taking only regular files (up to the size cap) and folders: no symlink (it could lead
 * the tests out of the copy), FIFO, socket or device. Returns what was left out.
 */
export function copyTree(from: string, to: string, skipped: string[] = [], rel = ""): string[] {
  mkdirSync(to, { recursive: true });
  let names: string[];
  try {
    names = readdirSync(from).sort();
  } catch {
    skipped.push(rel || ".");
    return skipped;
  }
  for (const name of names) {
    const src = join(from, name);
    const dst = join(to, name);
    const r = rel ? `${rel}/${name}` : name;
    let st;
    try {
      st = lstatSync(src);
    } catch {
      skipped.push(r);
      continue;
    }
    if (st.isDirectory()) copyTree(src, dst, skipped, r);
    else if (st.isFile() && st.size <= MAX_COPIED_FILE_BYTES) {
      try {
        copyFileSync(src, dst, constants.COPYFILE_EXCL);
      } catch {
        skipped.push(r);
      }
    } else skipped.push(r);
  }
  return skipped;
}

export function copyWorkspace(rd: RunDir): WorkspaceCopy {
  const dir = mkdtempSync(join(tmpdir(), "redfix-verify-"));
  // Removed on every exit path: disposal, an exception, Ctrl-C, SIGTERM.
  const forget = onExit(() => rmSync(dir, { recursive: true, force: true }));
  const recipes = join(dir, "recipes", basename(rd.run.roots.recipes));
  copyTree(rd.run.roots.recipes, recipes);
  let harness: string | null = null;
  if (rd.run.roots.harness) {
    harness = join(dir, "harness", basename(rd.run.roots.harness));
    copyTree(rd.run.roots.harness, harness);
  }
  const repoPath = (name: string): string => {
    const repo = rd.run.repos.find((r) => r.name === name);
    if (!repo) throw new Error(`run.json names no repo ${name}`);
    if (repo.kind === "harness" && harness) return harness;
    if (!isInside(rd.run.roots.recipes, repo.path))
      throw new Error(`repo ${name} is outside the recipes root`);
    return join(recipes, relative(rd.run.roots.recipes, repo.path));
  };
  const dispose = () => {
    forget();
    rmSync(dir, { recursive: true, force: true });
  };
  return { dir, recipes, harness, repoPath, dispose };
}

/** Applies one patch of `repo` (a path relative to the run dir) alone to the copy. */
export async function applyAlone(
  rd: RunDir,
  copy: WorkspaceCopy,
  repo: string,
  patch: string,
  sandbox: Sandbox = { kind: "none" },
): Promise<string | null> {
  const names = rd.series.get(repo) ?? [];
  const name = basename(patch);
  if (!names.includes(name)) return `patch ${patch} is not in the series of ${repo}`;
  const cwd = copy.repoPath(repo);
  const file = join(rd.dir, "patches", safeRepoDir(repo), name);
  // In the sandbox too: the copy's own .git config and attributes (filters) come from the recipe.
  const r = await runReplayProcess(
    sandbox,
    [copy.dir],
    "git",
    [
      "-c",
      "core.fsmonitor=false",
      "-c",
      "core.hooksPath=/dev/null",
      "apply",
      "--whitespace=nowarn",
      "--",
      file,
    ],
    { cwd, timeoutMs: 30_000, readable: [rd.dir] },
  );
  if (r.exitCode !== 0) return `git apply ${name} failed: ${r.output.trim().split("\n")[0] ?? ""}`;
  return null;
}
