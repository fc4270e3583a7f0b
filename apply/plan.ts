/**
 * The plan of `redfix apply`: which branch each patch (or each recipe's patches) goes to, in which
 * repo, from which base, with which commit message and pull-request text. Building it only reads the
 * run directory and asks git for the current branch.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { isAbsolute, join, relative, resolve } from "node:path";
import type { Finding } from "../core/finding.js";
import { Repo } from "./git.js";
import { renderCommitMessage, renderPullRequest } from "./messages.js";
import type { PullRequestText } from "./messages.js";
import { readRunDir, readSeries, RunDirError } from "./run-dir.js";
import type { RunDirInfo, RunRepo, SeriesPatch } from "./run-dir.js";
import { acceptedByReview, selectPatches } from "./select.js";
import type { ReviewSummary, Selection } from "./select.js";

export type Grouping = "patch" | "recipe";

export interface PlanOptions {
  group: Grouping;
  /** Prepended to every branch name; `redfix/` by default. */
  branchPrefix: string;
  /** The branch to start from; each repo's current branch when absent. */
  base?: string;
  /** Where the recipe repos are now, instead of run.json's recipes root. */
  recipes?: string;
  /** Where the harness repo is now, instead of run.json's harness root. */
  harness?: string;
  reportUrl?: string;
  /** Only these patches (`--finding/--patch/--recipe/--rule`); a value that matches none is refused. */
  only?: Selection;
  /** Extra environment for git (tests). */
  gitEnv?: Record<string, string>;
}

export interface PlanStep {
  repo: RunRepo;
  /** The repo's folder, after `--recipes`/`--harness`. */
  dir: string;
  recipe: string;
  rules: string[];
  branch: string;
  /** The base branch; null when HEAD is detached and no `--base` was given (refused later). */
  base: string | null;
  patches: SeriesPatch[];
  findings: Finding[];
  commitMessage: string;
  pr: PullRequestText;
}

export interface Plan {
  runDir: string;
  options: PlanOptions;
  steps: PlanStep[];
  /** The run's review.json, when it has one: only its accepted patches are in the steps. */
  review: ReviewSummary | null;
}

export async function buildPlan(runDir: string, options: PlanOptions): Promise<Plan> {
  const run = readRunDir(resolve(runDir));
  const selected = acceptedByReview(run.dir, selectPatches(readSeries(run), options.only));
  const patches = selected.patches;
  const groups = group(patches, options.group);
  const drafts: Omit<PlanStep, "commitMessage" | "pr">[] = [];
  const taken = new Set<string>();
  const currentBranch = new Map<string, string | null>();
  for (const g of groups) {
    const repo = g[0]!.repo;
    const dir = repoDir(run, repo, options);
    if (!currentBranch.has(dir)) currentBranch.set(dir, await new Repo(dir, options.gitEnv).currentBranch());
    const recipe = g[0]!.recipe;
    const rules = [...new Set(g.map((p) => p.rule))];
    const stem =
      options.group === "recipe" ? branchPart(recipe) : `${rules[0]!.toLowerCase()}-${branchPart(recipe)}`;
    const branch = unique(`${options.branchPrefix}${stem}`, dir, taken);
    const findings = g.flatMap((p) => p.findings);
    drafts.push({
      repo,
      dir,
      recipe,
      rules,
      branch,
      base: options.base ?? currentBranch.get(dir) ?? null,
      patches: g,
      findings,
    });
  }
  const steps = drafts.map((d): PlanStep => {
    const input = {
      recipe: d.recipe,
      findings: d.findings,
      patches: d.patches.map((p) => p.name),
      diffs: d.patches.map((p) => readFileSync(p.absPath, "utf8")),
      related: relatedSteps(d, drafts),
      ...(options.reportUrl ? { reportUrl: options.reportUrl } : {}),
    };
    return { ...d, commitMessage: renderCommitMessage(input), pr: renderPullRequest(input) };
  });
  return { runDir: run.dir, options, steps, review: selected.review };
}

/** One group per patch, or per (repo, recipe) keeping series order inside a group. */
function group(patches: SeriesPatch[], by: Grouping): SeriesPatch[][] {
  if (by === "patch") return patches.map((p) => [p]);
  const groups = new Map<string, SeriesPatch[]>();
  for (const p of patches) {
    const key = `${p.repo.name}\u0000${p.recipe}`;
    groups.set(key, [...(groups.get(key) ?? []), p]);
  }
  return [...groups.values()];
}

/**
 * Where a repo is now: run.json's path, or the same path relative to its root moved under
 * `--recipes`/`--harness` (clones of the analyzed repos elsewhere).
 */
function repoDir(run: RunDirInfo, repo: RunRepo, options: PlanOptions): string {
  const override = repo.kind === "harness" ? options.harness : options.recipes;
  const root = repo.kind === "harness" ? run.roots.harness : run.roots.recipes;
  let dir = repo.path;
  if (override) {
    const rel = root ? relative(root, repo.path) : "";
    if (rel.startsWith("..") || isAbsolute(rel)) {
      throw new RunDirError(`${repo.name}: ${repo.path} is not under the ${repo.kind} root ${root}`);
    }
    dir = join(resolve(override), rel);
  }
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    const flag = repo.kind === "harness" ? "--harness" : "--recipes";
    throw new RunDirError(`${repo.name}: ${dir} does not exist (point ${flag} at a clone)`);
  }
  return dir;
}

/** Steps of other patches that hold findings this step's findings must land with (Finding.related). */
function relatedSteps(
  step: Omit<PlanStep, "commitMessage" | "pr">,
  all: Omit<PlanStep, "commitMessage" | "pr">[],
): { repo: string; branch: string }[] {
  const ids = new Set(step.findings.flatMap((f) => f.related ?? []));
  return all
    .filter((o) => o !== step && o.findings.some((f) => ids.has(f.id)))
    .map((o) => ({ repo: o.repo.name, branch: o.branch }));
}

/** A recipe name as a branch-name component: git refuses spaces, `..`, `~^:?*[\`, among others. */
function branchPart(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/\.{2,}/g, ".") || "recipe";
}

/** Two patches of one repo with the same rule and recipe get `-2`, `-3`… in series order. */
function unique(branch: string, dir: string, taken: Set<string>): string {
  let name = branch;
  for (let n = 2; taken.has(`${dir}\u0000${name}`); n++) name = `${branch}-${n}`;
  taken.add(`${dir}\u0000${name}`);
  return name;
}
