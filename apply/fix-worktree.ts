/**
 * `redfix analyze --fix`: the run's patches written into the repositories' working trees, as
 * ESLint's --fix writes its fixes, but only where git can show and undo them: a patch is refused when
 * its repository is not a git work tree or when a file it touches has uncommitted changes (the user's
 * own edits are never mixed with redfix's). Patches of one repository go in series order; once one is
 * refused, the later ones of that repository are too (they may build on it).
 */
import type { PatchFile } from "../core/patch.js";
import { Repo } from "./git.js";

export interface FixOutcome {
  patch: string;
  written: boolean;
  reason?: string;
  findingIds: string[];
}

/** Every path a patch reads or writes, from its `diff --git` blocks (renames and deletions too). */
export function touchedFiles(patch: string): string[] {
  const out = new Set<string>();
  for (const block of patch.split(/^diff --git /m).slice(1)) {
    for (const m of block.matchAll(/^(?:---|\+\+\+) (?:[ab]\/)?(.+)$/gm))
      if (m[1] !== "/dev/null") out.add(m[1]!);
  }
  return [...out].sort();
}

export async function fixWorkingTrees(patches: PatchFile[]): Promise<FixOutcome[]> {
  const out: FixOutcome[] = [];
  const repos = new Map<string, PatchFile[]>();
  for (const p of patches) repos.set(p.repo.path, [...(repos.get(p.repo.path) ?? []), p]);
  for (const [dir, list] of repos) {
    const git = new Repo(dir);
    const refuse = (p: PatchFile, reason: string) =>
      out.push({ patch: p.path, written: false, reason, findingIds: p.findingIds });
    const prefix = await git.run(["rev-parse", "--show-prefix"]);
    if (prefix.exitCode !== 0) {
      for (const p of list)
        refuse(p, `${dir} is not a git work tree: --fix writes only where git can undo it`);
      continue;
    }
    const top = new Repo(await git.ok(["rev-parse", "--show-toplevel"]));
    let blocked: string | null = null;
    for (const p of list) {
      if (blocked) {
        refuse(p, `an earlier patch of this repository was not written (${blocked})`);
        continue;
      }
      const files = touchedFiles(p.content);
      const status = await git.run(["status", "--porcelain", "--untracked-files=all", "--", ...files]);
      if (status.exitCode !== 0) throw new Error(`git status in ${dir}: ${status.stderr.trim()}`);
      const dirty = status.stdout
        .split("\n")
        .filter(Boolean)
        .map((l) => l.slice(3))
        .join(", ");
      if (dirty !== "") {
        refuse(p, `uncommitted changes in ${dirty}: commit or stash them first`);
        blocked = p.path;
        continue;
      }
      const directory = prefix.stdout.trim() ? [`--directory=${prefix.stdout.trim()}`] : [];
      const check = await top.run(["apply", "--check", "--whitespace=nowarn", ...directory, "-"], {
        input: p.content,
      });
      if (check.exitCode !== 0) {
        refuse(p, `does not apply: ${check.stderr.trim().split("\n")[0] ?? ""}`);
        blocked = p.path;
        continue;
      }
      await top.ok(["apply", "--whitespace=nowarn", ...directory, "-"], { input: p.content });
      out.push({ patch: p.path, written: true, findingIds: p.findingIds });
    }
  }
  return out;
}
