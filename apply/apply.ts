/**
 * Carries out a plan: for each step a commit on its branch, a push, a pull request. Never loses work:
 * every repo is checked (clean tree, expected branch) before anything is written; commits are made
 * without touching the working tree (git.ts); a push is never forced; a
 * step that fails before its push leaves its branch as it was before the run.
 */
import { resolve } from "node:path";
import type { AgitDescription } from "./push.js";
import { excludeFromRepo } from "./git-exclude.js";
import { isInside } from "../core/paths.js";
import { GitError, PatchDoesNotApply, Repo, branchProblem, firstLine, remoteProblem } from "./git.js";
import { ForgeError, GiteaClient, ensurePullRequest, forgeRepoFromRemote } from "./forge.js";
import type { ForgeRepo, PullRequestResult } from "./forge.js";
import type { Plan, PlanStep } from "./plan.js";
import { StepFailure, adoptRemoteBranch, pushAgit, pushBranch } from "./push.js";
import { PullSource, applyOnto, choosePull, describeOnto } from "./onto.js";
import { terminalSafe } from "../reports/text.js";
import type { OntoOptions, OntoReport, OntoSpec } from "./onto.js";

export type PrMode = "api" | "agit" | "none";
/** How an AGit description travels: push options cannot hold a newline. */

export interface ApplyOptions {
  dryRun: boolean;
  /** The remote (name, URL or path) to push to; nothing is pushed without it. */
  push?: string;
  pr: PrMode;
  /** The environment variable that holds the forge token (`--pr api`). */
  tokenEnv: string;
  /** Gitea's root URL, when the push remote's URL does not give it. */
  forgeUrl?: string;
  forgeOwner?: string;
  agitDescription: AgitDescription;
  /** Where the token is looked up; `process.env` by default. */
  env?: Record<string, string | undefined>;
  /** Extra environment for git (tests). */
  gitEnv?: Record<string, string>;
  /** `--onto`: per repository name, the open pull request (or branch) its patches go on. */
  onto?: Map<string, OntoSpec>;
  /** One line per event, without the newline. */
  print: (line: string) => void;
}

export type StepAction =
  | "created"
  | "unchanged"
  | "in-base"
  | "failed"
  | "would-create"
  | "would-skip"
  /** On an open pull request's head (`--onto`): what happened is in `onto`. */
  | "onto";

export interface StepReport {
  repo: string;
  branch: string;
  base: string;
  action: StepAction;
  commit: string | null;
  push?: "pushed" | "up-to-date";
  pr?: PullRequestResult | { action: "agit"; topic: string };
  onto?: OntoReport;
  error?: string;
}

export interface ApplyReport {
  steps: StepReport[];
  /** True when every step succeeded (or had nothing to do). */
  ok: boolean;
}

/** The run is refused before anything is touched: one line per repo and reason. Exit 2. */
export class ApplyRefusal extends Error {
  constructor(readonly reasons: string[]) {
    super(reasons.join("\n"));
  }
}

export async function applyPlan(plan: Plan, opts: ApplyOptions): Promise<ApplyReport> {
  const forges = await preflight(plan, opts);
  const pulls = new PullSource();
  const steps: StepReport[] = [];
  for (const step of plan.steps) {
    const spec = opts.onto?.get(step.repo.name);
    const onto = spec
      ? await ontoStep(step, spec, opts, forges.get(step), pulls, plan.options.reportUrl)
      : null;
    if (onto) {
      steps.push(onto);
      continue;
    }
    if (opts.dryRun) {
      steps.push(await dryRunStep(step, opts, forges));
      continue;
    }
    const report = await runStep(step, opts, forges.get(step));
    steps.push(report);
    opts.print(describe(step, report, opts));
  }
  if (opts.dryRun)
    opts.print(`dry run: ${plan.steps.length} step${plan.steps.length === 1 ? "" : "s"}, nothing changed`);
  return { steps, ok: steps.every((s) => s.action !== "failed") };
}

/**
 * A step with `--onto`: onto the pull request it names or `auto` finds; null when `auto` finds none
 * (the step then opens a new pull request from its base, as without `--onto`).
 */
async function ontoStep(
  step: PlanStep,
  spec: OntoSpec,
  opts: ApplyOptions,
  forge: ForgeRepo | undefined,
  pulls: PullSource,
  reportUrl: string | undefined,
): Promise<StepReport | null> {
  const repo = new Repo(step.dir, opts.gitEnv);
  const token = opts.pr === "none" ? undefined : (opts.env ?? process.env)[opts.tokenEnv];
  // `--pr agit` with a token: the forge API lists the open pull requests and takes the comments.
  const api = forge ?? (opts.pr === "agit" && token ? await agitForge(repo, opts) : undefined);
  const o: OntoOptions = {
    remote: opts.push!,
    client: api && token ? new GiteaClient(api, token) : null,
    pr: opts.pr,
    agitDescription: opts.agitDescription,
    dryRun: opts.dryRun,
    ...(reportUrl ? { reportUrl } : {}),
    ...(opts.gitEnv ? { gitEnv: opts.gitEnv } : {}),
    print: opts.print,
  };
  const names = step.patches.map((p) => p.name).join(", ");
  const base: StepReport = {
    repo: step.repo.name,
    branch: step.branch,
    base: step.base!,
    action: "failed",
    commit: null,
  };
  let choice;
  try {
    choice = await choosePull(repo, step, spec, pulls, o);
  } catch (e) {
    const error =
      e instanceof StepFailure || e instanceof ForgeError || e instanceof GitError ? e.message : String(e);
    opts.print(`${step.repo.name}: ${names}: failed: ${error}; nothing pushed`);
    return { ...base, error };
  }
  if (!choice.pull) {
    opts.print(
      terminalSafe(`${step.repo.name}: ${names}: a new pull request from ${step.base}: ${choice.why}`),
    );
    return null;
  }
  const r = await applyOnto(repo, step, choice.pull, choice.why, o);
  // Branch names and titles come from the forge: shown inert on a terminal.
  opts.print(terminalSafe(describeOnto(step, r, choice.why, opts.push!)));
  for (const c of r.conflicts ?? []) opts.print(terminalSafe(`  conflict: ${c}`));
  const failed = r.action === "failed" || r.action === "conflict";
  return {
    ...base,
    branch: r.branch ?? choice.pull.head ?? step.branch,
    action: failed ? "failed" : "onto",
    commit: r.commit,
    onto: r,
    ...(r.error && failed ? { error: r.error } : {}),
  };
}

/**
 * Everything that can be known before writing: each repo clean, on the expected branch, at its root;
 * base and branch names valid; the remote, token and forge known. Any problem refuses the whole run.
 */
async function preflight(plan: Plan, opts: ApplyOptions): Promise<Map<PlanStep, ForgeRepo>> {
  const reasons: string[] = [];
  const forges = new Map<PlanStep, ForgeRepo>();
  if (opts.pr !== "none" && !opts.push) reasons.push(`--pr ${opts.pr} needs --push <remote>`);
  if (opts.onto && opts.onto.size > 0 && !opts.push) reasons.push("--onto needs --push <remote>");
  const badRemote = opts.push !== undefined ? remoteProblem(opts.push) : null;
  if (badRemote) throw new ApplyRefusal([`--push ${JSON.stringify(opts.push)} ${badRemote}`]);
  const token = opts.pr === "api" ? (opts.env ?? process.env)[opts.tokenEnv] : undefined;
  if (opts.pr === "api" && !token)
    reasons.push(`--pr api needs a token in the environment variable ${opts.tokenEnv}`);
  const checked = new Map<string, string | null>();
  for (const step of plan.steps) {
    const repo = new Repo(step.dir, opts.gitEnv);
    const name = step.repo.name;
    if (!checked.has(step.dir)) {
      const reason = await repoNotReady(repo, plan, step);
      checked.set(step.dir, reason);
      if (reason) reasons.push(`${name} (${step.dir}): ${reason}`);
    }
    if (checked.get(step.dir)) continue;
    const badBranch = branchProblem(step.branch) ?? (step.base ? branchProblem(step.base) : null);
    if (badBranch) {
      reasons.push(`${name}: the branch ${JSON.stringify(step.branch)} or base ${badBranch}`);
      continue;
    }
    const fmt = await repo.run(["check-ref-format", `refs/heads/${step.branch}`]);
    if (fmt.exitCode !== 0) reasons.push(`${name}: ${step.branch} is not a valid branch name`);
    if (step.base && !(await repo.resolve(`refs/heads/${step.base}`)))
      reasons.push(`${name}: the base branch ${step.base} does not exist`);
    if (opts.push) {
      const url = await repo.remoteUrl(opts.push);
      if (!url) {
        reasons.push(`${name}: no remote ${opts.push}`);
        continue;
      }
      if (opts.pr === "api") {
        const forge = forgeRepoFromRemote(url, {
          ...(opts.forgeUrl ? { forgeUrl: opts.forgeUrl } : {}),
          ...(opts.forgeOwner ? { owner: opts.forgeOwner } : {}),
        });
        if (forge) forges.set(step, forge);
        else
          reasons.push(
            `${name}: cannot tell the forge and owner from ${redact(url)} (give --forge-url and --forge-owner)`,
          );
      }
    }
  }
  if (reasons.length > 0) throw new ApplyRefusal([...new Set(reasons)]);
  return forges;
}

async function repoNotReady(repo: Repo, plan: Plan, step: PlanStep): Promise<string | null> {
  if (!(await repo.isWorkTreeRoot())) return "not the root of a git work tree";
  // A run directory inside the repo (analyze run in it) is not an uncommitted change of the user's.
  if (isInside(resolve(repo.dir), resolve(plan.runDir))) excludeFromRepo(plan.runDir);
  const status = await repo.status();
  if (status !== "") {
    const n = status.split("\n").length;
    return `uncommitted changes (${n} path${n === 1 ? "" : "s"}, e.g. ${status.split("\n")[0]!.slice(3)}); commit or stash them first`;
  }
  const op = await repo.operationInProgress();
  if (op) return `${op} is in progress`;
  const current = await repo.currentBranch();
  if (current === null) return "HEAD is detached; check out the base branch first";
  if (plan.options.base && current !== plan.options.base)
    return `on branch ${current}, expected the base branch ${plan.options.base}`;
  if (current.startsWith(plan.options.branchPrefix) && plan.options.branchPrefix !== "")
    return `on ${current}, a branch redfix makes; check out the base branch first`;
  if (!step.base) return "no base branch";
  return null;
}

async function dryRunStep(
  step: PlanStep,
  opts: ApplyOptions,
  forges: Map<PlanStep, ForgeRepo>,
): Promise<StepReport> {
  const repo = new Repo(step.dir, opts.gitEnv);
  const base = step.base!;
  const files = step.patches.map((p) => p.absPath);
  const ref = `refs/heads/${step.branch}`;
  const existing = await repo.resolve(ref);
  const baseSha = (await repo.resolve(`refs/heads/${base}`))!;
  let note: string;
  let action: StepAction = "would-create";
  if (existing && (await repo.carries(existing, files))) {
    action = "would-skip";
    note = `nothing to do: ${step.branch} already carries the patch`;
  } else if (!existing && (await repo.carries(baseSha, files))) {
    action = "would-skip";
    note = `nothing to do: ${base} already carries the patch`;
  } else {
    const problem = await repo.appliesCleanlyOn(existing ?? baseSha, files);
    note = problem
      ? `would try a 3-way merge: ${problem}`
      : `would commit on ${existing ? `the existing ${step.branch}` : base}`;
  }
  const lines = [
    `${step.repo.name} (${step.dir}): ${step.branch} from ${base}`,
    ...step.patches.map(
      (p) =>
        `  patch ${p.name}${p.findings.length ? ` (${p.findings.map((f) => `${f.rule} ${f.id}`).join(", ")})` : ""}`,
    ),
    `  commit: ${firstLine(step.commitMessage)}`,
    `  ${note}`,
  ];
  if (opts.push) lines.push(`  push: ${pushTarget(step, opts)}`);
  const forge = forges.get(step);
  if (opts.pr === "api" && forge)
    lines.push(`  pr: ${forge.baseUrl} ${forge.owner}/${forge.repo}: "${step.pr.title}"`);
  if (opts.pr === "agit") lines.push(`  pr: AGit, topic ${step.branch}: "${step.pr.title}"`);
  for (const l of lines) opts.print(l);
  return { repo: step.repo.name, branch: step.branch, base, action, commit: null };
}

function pushTarget(step: PlanStep, opts: ApplyOptions): string {
  return opts.pr === "agit" ? `${opts.push} refs/for/${step.base}` : `${opts.push} ${step.branch}`;
}

async function runStep(
  step: PlanStep,
  opts: ApplyOptions,
  forge: ForgeRepo | undefined,
): Promise<StepReport> {
  const repo = new Repo(step.dir, opts.gitEnv);
  const base = step.base!;
  const ref = `refs/heads/${step.branch}`;
  const files = step.patches.map((p) => p.absPath);
  const report: StepReport = {
    repo: step.repo.name,
    branch: step.branch,
    base,
    action: "failed",
    commit: null,
  };
  const before = await repo.resolve(ref);
  let pushed = false;
  try {
    let existing = before;
    if (!existing && opts.push && opts.pr !== "agit")
      existing = await adoptRemoteBranch(repo, opts.push, ref);
    const baseSha = (await repo.resolve(`refs/heads/${base}`))!;
    if (existing && (await repo.carries(existing, files))) {
      report.action = "unchanged";
      report.commit = existing;
    } else if (!existing && (await repo.carries(baseSha, files))) {
      // The fix has landed: no branch, no push, no PR.
      report.action = "in-base";
      return report;
    } else {
      const commit = await commitOrFail(repo, existing ?? baseSha, step, baseSha);
      if (commit === null) {
        report.action = "in-base";
        return report;
      }
      await repo.updateRef(ref, commit, existing);
      report.action = "created";
      report.commit = commit;
    }
    if (!opts.push) return report;
    if (opts.pr === "agit") {
      report.push = await pushAgit(repo, step, opts);
      report.pr = { action: "agit", topic: step.branch };
      pushed = true;
      return report;
    }
    report.push = await pushBranch(repo, opts.push, ref);
    pushed = true;
    if (opts.pr === "api" && forge) {
      const token = (opts.env ?? process.env)[opts.tokenEnv]!;
      report.pr = await ensurePullRequest(new GiteaClient(forge, token), {
        head: step.branch,
        base,
        title: step.pr.title,
        body: step.pr.body,
      });
    }
    return report;
  } catch (e) {
    report.error =
      e instanceof StepFailure || e instanceof ForgeError || e instanceof GitError ? e.message : String(e);
    if (pushed) {
      report.error += `; ${step.branch} was pushed and is kept`;
    } else {
      // Whatever this run did to the branch (created, adopted, committed on) is undone; the original
      // branch and files were never touched.
      const now = await repo.resolve(ref);
      if (now !== before) await repo.updateRef(ref, before, now);
      report.commit = before;
      report.error += `; ${step.repo.name} is as it was`;
    }
    report.action = "failed";
    return report;
  }
}

async function commitOrFail(
  repo: Repo,
  parent: string,
  step: PlanStep,
  baseSha: string,
): Promise<string | null> {
  try {
    const patches = step.patches.map((p) => ({ file: p.absPath, earlier: p.earlier }));
    return await repo.commitPatches(parent, patches, step.commitMessage, baseSha);
  } catch (e) {
    if (e instanceof PatchDoesNotApply) {
      const hint = e.needsEarlierPatches
        ? " (it conflicts with an earlier patch of the series; try --group recipe)"
        : "";
      throw new StepFailure(`${e.message}${hint}`);
    }
    throw e;
  }
}

function describe(step: PlanStep, r: StepReport, opts: ApplyOptions): string {
  const head = `${step.repo.name}: ${step.branch}:`;
  if (r.action === "failed") return `${head} failed: ${r.error}`;
  if (r.action === "in-base") return `${head} nothing to do (${r.base} already carries the patch)`;
  // The base branch is never moved: the commit is on a new branch from it.
  const parts = [
    r.action === "created"
      ? `branch ${step.branch} from ${r.base}, commit ${r.commit!.slice(0, 12)}`
      : `nothing to do (the branch already carries the patch, ${r.commit!.slice(0, 12)})`,
  ];
  if (r.action === "created") return `${step.repo.name}: ${[...parts, ...tail(r, opts)].join("; ")}`;
  return `${head} ${[...parts, ...tail(r, opts)].join("; ")}`;
}

function tail(r: StepReport, opts: ApplyOptions): string[] {
  const parts: string[] = [];
  if (r.push) parts.push(r.push === "pushed" ? `pushed to ${opts.push}` : `${opts.push} up to date`);
  if (r.pr && "number" in r.pr)
    parts.push(`PR #${r.pr.number} ${r.pr.action}${r.pr.url ? ` ${r.pr.url}` : ""}`);
  if (r.pr && r.pr.action === "agit") parts.push(`AGit PR for refs/for/${r.base}, topic ${r.pr.topic}`);
  return parts;
}

async function agitForge(repo: Repo, opts: ApplyOptions): Promise<ForgeRepo | undefined> {
  const url = await repo.remoteUrl(opts.push!);
  const forge =
    url &&
    forgeRepoFromRemote(url, {
      ...(opts.forgeUrl ? { forgeUrl: opts.forgeUrl } : {}),
      ...(opts.forgeOwner ? { owner: opts.forgeOwner } : {}),
    });
  return forge || undefined;
}

/** A remote URL may carry a password or token (`https://user:token@host/...`): never print it. */
function redact(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]*@/i, "$1***@");
}
