/**
 * The standalone check: every patch redfix writes for a workspace applies alone to a clean
 * copy of it (`git apply --check`, then `git apply`), and after it none of its findings is left and no
 * finding appears that the unpatched workspace did not have; then every patch as its own branch
 * from the unpatched commit, all merged together (as their pull requests would be): the same.
 */
import { cpSync, existsSync, writeFileSync } from "node:fs";
import { basename, join, relative } from "node:path";
import { analyze } from "../../pipeline/analyze.js";
import type { AnalyzeOptions } from "../../pipeline/analyze.js";
import type { PatchFile } from "../../core/patch.js";
import type { Finding } from "../../core/finding.js";
import { git, removeDir, tempDir } from "./workspace.js";

export interface StandaloneOutcome {
  patches: number;
  /** One line per failure: the patch and what went wrong. */
  failures: string[];
}

interface Copy {
  recipes: string;
  harness?: string;
  dir: string;
}

/** `recipes` (and `harness`) must be folders whose repos are git repos or plain folders. */
export async function checkStandalone(opts: AnalyzeOptions): Promise<StandaloneOutcome> {
  const base = await analyze(opts);
  // Some rules key a finding by its position, so an edit above it changes its id: a finding is the
  // same one when its rule, file and message are.
  const sig = (f: Finding) => `${f.rule}\0${f.recipe}\0${f.root}\0${f.file}\0${f.message}`;
  const baseOpen = base.findings.filter((f) => !f.suppressed);
  const baseSigs = new Set(baseOpen.map(sig));
  const sigOf = new Map(baseOpen.map((f) => [f.id, sig(f)]));
  const severityOf = new Map(baseOpen.map((f) => [f.id, f.severity]));
  const failures: string[] = [];
  const copy = (): Copy => {
    const dir = tempDir("redfix-standalone-");
    // The same folder names as the originals: a recipe's name is its folder's.
    const recipes = join(dir, "recipes", basename(opts.recipes));
    cpSync(opts.recipes, recipes, { recursive: true, verbatimSymlinks: true });
    const c: Copy = { dir, recipes };
    if (opts.harness) {
      c.harness = join(dir, "harness", basename(opts.harness));
      cpSync(opts.harness, c.harness, { recursive: true, verbatimSymlinks: true });
    }
    return c;
  };
  const repoIn = (c: Copy, p: PatchFile): string =>
    p.repo.kind === "harness" && c.harness
      ? c.harness
      : join(c.recipes, relative(base.run.roots.recipes, p.repo.path));
  const reanalyze = async (c: Copy, label: string, fixed: string[]) => {
    const after = await analyze({
      ...opts,
      recipes: c.recipes,
      ...(c.harness ? { harness: c.harness } : {}),
    });
    const open = after.findings.filter((f) => !f.suppressed);
    const fixedSigs = new Set(fixed.map((id) => sigOf.get(id)));
    for (const f of open) {
      // A rule may key a lesser finding like the one fixed (RF102: a long-form `depends_on` rewritten
      // as a list is still ignored by swarm, an info): the same id at another severity is not it.
      if ((fixed.includes(f.id) && severityOf.get(f.id) === f.severity) || fixedSigs.has(sig(f)))
        failures.push(`${label}: its finding ${f.rule} ${f.file}:${f.line} remains`);
      // What a fix leaves at info level (as above) is information, not a new defect.
      else if (!baseSigs.has(sig(f)) && f.severity !== "info")
        failures.push(`${label}: a new finding appears: ${f.rule} ${f.file}:${f.line} ${f.message}`);
    }
  };
  for (const p of base.series.patches) {
    const c = copy();
    try {
      const cwd = repoIn(c, p);
      const file = join(c.dir, "alone.patch");
      writeFileSync(file, p.content);
      try {
        git(cwd, "apply", "--check", file);
        git(cwd, "apply", file);
      } catch (e) {
        failures.push(`${p.path} alone: git apply failed: ${String((e as { stderr?: string }).stderr ?? e)}`);
        continue;
      }
      await reanalyze(c, `${p.path} alone`, p.findingIds);
    } finally {
      removeDir(c.dir);
    }
  }
  if (base.series.patches.length > 0) {
    const c = copy();
    try {
      const repos = new Map<string, PatchFile[]>();
      for (const p of base.series.patches) repos.set(repoIn(c, p), [...(repos.get(repoIn(c, p)) ?? []), p]);
      for (const [cwd, patches] of repos) failures.push(...mergeSeries(cwd, patches, c.dir));
      await reanalyze(
        c,
        "the whole series",
        base.series.patches.flatMap((p) => p.findingIds),
      );
    } finally {
      removeDir(c.dir);
    }
  }
  return { patches: base.series.patches.length, failures };
}

/**
 * Applies a repo's patches as pull requests land: each on its own branch from the unpatched commit
 * (a folder that is not a repo becomes one), then all merged together; the work tree ends up with
 * the merged result. Returns what did not apply or merge.
 */
export function mergeSeries(cwd: string, patches: readonly PatchFile[], scratch: string): string[] {
  const failures: string[] = [];
  if (!existsSync(join(cwd, ".git"))) {
    git(cwd, "init", "-q", "-b", "main");
    git(cwd, "add", "-A");
    git(cwd, "commit", "-q", "-m", "unpatched");
  }
  const head = git(cwd, "rev-parse", "HEAD").trim();
  const branches: { branch: string; patch: PatchFile }[] = [];
  for (const [i, p] of patches.entries()) {
    const branch = `redfix-standalone-${i + 1}`;
    git(cwd, "checkout", "-q", "-b", branch, head);
    const file = join(scratch, `standalone-${i + 1}.patch`);
    writeFileSync(file, p.content);
    try {
      git(cwd, "apply", "--check", file);
      git(cwd, "apply", "--index", file);
      git(cwd, "commit", "-q", "-m", p.name);
      branches.push({ branch, patch: p });
    } catch (e) {
      failures.push(`${p.path} does not apply alone: ${String((e as { stderr?: string }).stderr ?? e)}`);
    }
  }
  git(cwd, "checkout", "-q", "--detach", head);
  for (const { branch, patch } of branches) {
    try {
      git(cwd, "merge", "-q", "--no-edit", branch);
    } catch (e) {
      failures.push(
        `${patch.path} does not merge with the patches before it: ${String((e as { stdout?: string }).stdout ?? e)}`,
      );
      git(cwd, "merge", "--abort");
    }
  }
  return failures;
}
