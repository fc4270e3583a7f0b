/**
 * `redfix apply --onto <pr|branch|auto>`: a patch goes on top of an open pull request's head instead
 * of a new branch from the base.
 *
 * - The head branch is in the same repository and may be pushed to: a commit on it, pushed without
 *   force. The commit is a child of the head commit that was read, so the push is a fast-forward or
 *   nothing: when the head moved meanwhile the push is refused, the head is read again and the patch
 *   re-applied on it (a few times, then reported).
 * - Otherwise (no push permission, or the push refused for another reason): a stacked pull request,
 *   a new branch on the head whose base is the head branch (AGit: a push to `refs/for/<head-branch>`),
 *   linked from a comment on the original pull request.
 * - The patch does not apply on the head: a 3-way merge from the patch's pre-image blobs; a conflict
 *   is reported with its files and hunks, and nothing is pushed.
 *
 * Open pull requests come from the forge API (`--pr api`: the list and each one's changed files) or,
 * without it, from the remote's `refs/pull/<n>/head` refs as Gitea and Forgejo publish them (their
 * changed files computed here from the merge base with the base branch).
 */
import { readFileSync } from "node:fs";
import { GitError, NETWORK_TIMEOUT_MS, parsePushPorcelain, withIndexLines } from "./git.js";
import type { Repo } from "./git.js";
import { ensureComment, ensurePullRequest, ForgeError } from "./forge.js";
import type { GiteaClient } from "./forge.js";
import type { PlanStep } from "./plan.js";
import { StepFailure, adoptRemoteBranch } from "./push.js";
import type { AgitDescription } from "./push.js";

/** What `--onto` asked for one repository. */
export type OntoSpec = { kind: "auto" } | { kind: "pull"; number: number } | { kind: "branch"; name: string };

/** A bad `--onto` value: a usage error. */
export class OntoUsageError extends Error {}

/**
 * `--onto` values: `auto`, a pull request number (`12` or `#12`), a branch, each alone (every
 * repository) or as `<repo>=<value>`. A bare number or branch is refused when the plan spans
 * several repositories: a PR number means nothing across them.
 */
export function parseOnto(values: string[], repos: string[]): Map<string, OntoSpec> {
  const out = new Map<string, OntoSpec>();
  const distinct = [...new Set(repos)];
  for (const raw of values) {
    const eq = raw.indexOf("=");
    const repo = eq > 0 ? raw.slice(0, eq) : null;
    const value = eq > 0 ? raw.slice(eq + 1) : raw;
    const spec = specOf(value, raw);
    if (repo !== null) {
      if (!distinct.includes(repo))
        throw new OntoUsageError(`--onto ${raw}: ${repo} has no patch to apply in this run`);
      out.set(repo, spec);
      continue;
    }
    if (spec.kind !== "auto" && distinct.length > 1)
      throw new OntoUsageError(
        `--onto ${raw}: the patches span ${distinct.length} repositories (${distinct.join(", ")}); write --onto <repo>=${value}`,
      );
    for (const r of distinct) if (!out.has(r) || spec.kind !== "auto") out.set(r, spec);
  }
  return out;
}

function specOf(value: string, raw: string): OntoSpec {
  if (value === "auto") return { kind: "auto" };
  const n = /^#?([1-9][0-9]{0,9})$/.exec(value);
  if (n) return { kind: "pull", number: Number(n[1]) };
  if (!/^[A-Za-z0-9._/-]+$/.test(value) || value.startsWith("-") || value.includes(".."))
    throw new OntoUsageError(`--onto ${raw}: expected auto, a pull request number or a branch name`);
  return { kind: "branch", name: value };
}

/** An open pull request as `--onto` sees it. */
export interface OpenPull {
  /** 0 for a plain branch given to `--onto` that no open pull request has as its head. */
  number: number;
  url: string;
  /** The head branch, when it is a branch of this repository; null for a fork's or an AGit PR. */
  head: string | null;
  headSha: string;
  /** What to fetch for the head commit. */
  fetchRef: string;
  /** May the token push to the head? null when unknown (git tries). */
  canPush: boolean | null;
  /** Why there is no usable head branch. */
  noHeadWhy?: string;
  files: () => Promise<string[]>;
}

export interface OntoOptions {
  remote: string;
  /** The forge client with `--pr api`, else null (pull requests from `refs/pull/<n>/head`). */
  client: GiteaClient | null;
  pr: "api" | "agit" | "none";
  agitDescription: AgitDescription;
  dryRun: boolean;
  /** The evidence report, linked from comments (`--report-url`). */
  reportUrl?: string;
  gitEnv?: Record<string, string>;
  print: (line: string) => void;
}

export type OntoAction =
  "pushed-onto" | "stacked" | "already-on-head" | "conflict" | "failed" | "would-push-onto" | "would-stack";

export interface OntoReport {
  action: OntoAction;
  pull: number;
  head: string | null;
  commit: string | null;
  /** The stacked pull request's branch. */
  branch?: string;
  stackedPr?: number | null;
  comment?: "posted" | "exists";
  /** Something was pushed (a later failure, e.g. of the comment, does not undo it). */
  pushed?: boolean;
  error?: string;
  /** Conflicts: `<file> <hunk header>` lines. */
  conflicts?: string[];
}

/** Each repository's open pull requests, read once per run. */
export class PullSource {
  private readonly cache = new Map<string, Promise<OpenPull[]>>();

  pulls(repo: Repo, step: PlanStep, opts: OntoOptions): Promise<OpenPull[]> {
    let p = this.cache.get(repo.dir);
    if (!p) {
      p = opts.client ? fromForge(opts.client) : fromPullRefs(repo, step, opts);
      this.cache.set(repo.dir, p);
    }
    return p;
  }
}

async function fromForge(client: GiteaClient): Promise<OpenPull[]> {
  const pulls = await client.listOpenPulls();
  return pulls
    .sort((a, b) => a.number - b.number)
    .map((p): OpenPull => {
      const isBranch = p.head !== "" && !p.head.startsWith("refs/") && p.sameRepo !== false;
      let files: Promise<string[]> | null = null;
      return {
        number: p.number,
        url: p.url,
        head: isBranch ? p.head : null,
        headSha: p.headSha ?? "",
        fetchRef: isBranch ? `refs/heads/${p.head}` : `refs/pull/${p.number}/head`,
        canPush: p.canPush ?? null,
        ...(isBranch
          ? {}
          : {
              // Gitea answers head.ref refs/pull/<n>/head for an AGit PR and for one whose branch is gone.
              noHeadWhy:
                p.head === "" || p.head.startsWith("refs/")
                  ? "it has no head branch (an AGit pull request, or its branch was deleted)"
                  : "its head branch is in a fork",
            }),
        files: () => (files ??= client.listPullFiles(p.number)),
      };
    });
}

/**
 * Pull requests from the remote's refs: `refs/pull/<n>/head`, the head branch being the branch of
 * the remote at the same commit. A head the base branch already contains is a merged PR: left out.
 * Closed but unmerged ones cannot be told from open ones without the API.
 */
async function fromPullRefs(repo: Repo, step: PlanStep, opts: OntoOptions): Promise<OpenPull[]> {
  const refs = await lsRemoteAll(repo, opts.remote, ["refs/pull/*/head", "refs/heads/*"]);
  const baseSha = (await repo.resolve(`refs/heads/${step.base}`))!;
  const out: OpenPull[] = [];
  const pullRefs = [...refs.keys()].filter((r) => /^refs\/pull\/[0-9]+\/head$/.test(r));
  // One fetch for all of them; objects only.
  if (pullRefs.length > 0) await fetchObjects(repo, opts.remote, ...pullRefs);
  for (const [ref, sha] of refs) {
    const m = /^refs\/pull\/([0-9]+)\/head$/.exec(ref);
    if (!m) continue;
    if ((await repo.run(["merge-base", "--is-ancestor", sha, baseSha])).exitCode === 0) continue;
    const branches = [...refs]
      .filter(([r, s]) => s === sha && r.startsWith("refs/heads/") && r !== `refs/heads/${step.base}`)
      .map(([r]) => r.slice("refs/heads/".length));
    const head = branches.length === 1 ? branches[0]! : null;
    let files: Promise<string[]> | null = null;
    out.push({
      number: Number(m[1]),
      url: "",
      head,
      headSha: sha,
      fetchRef: head ? `refs/heads/${head}` : ref,
      canPush: null,
      ...(head
        ? {}
        : {
            noHeadWhy:
              branches.length > 1
                ? `several branches point at its head (${branches.join(", ")})`
                : "it has no head branch (an AGit pull request)",
          }),
      files: () => (files ??= changedFiles(repo, baseSha, sha)),
    });
  }
  return out.sort((a, b) => a.number - b.number);
}

async function changedFiles(repo: Repo, baseSha: string, head: string): Promise<string[]> {
  const mb = await repo.ok(["merge-base", baseSha, head]);
  const names = await repo.ok(["diff", "--name-only", "--no-renames", "-z", mb, head]);
  return names.split("\0").filter(Boolean);
}

async function lsRemoteAll(repo: Repo, remote: string, patterns: string[]): Promise<Map<string, string>> {
  const args = ["ls-remote", "--", remote, ...patterns];
  const r = await repo.run(args, { timeoutMs: NETWORK_TIMEOUT_MS });
  if (r.exitCode !== 0) throw new GitError(args, r);
  const out = new Map<string, string>();
  for (const line of r.stdout.split("\n")) {
    const [sha, ref] = line.split("\t");
    if (sha && ref) out.set(ref, sha);
  }
  return out;
}

/**
 * Objects only: no ref of the user's is written, not FETCH_HEAD, and (an empty `--refmap`) not the
 * remote-tracking branch git would otherwise update on the side.
 */
async function fetchObjects(repo: Repo, remote: string, ...refs: string[]): Promise<void> {
  await repo.ok(["fetch", "--no-tags", "--no-write-fetch-head", "--refmap=", "--", remote, ...refs], {
    timeoutMs: NETWORK_TIMEOUT_MS,
  });
}

/** The paths a patch file touches (both sides of a rename). */
export function patchPaths(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const out = new Set<string>();
  for (const m of text.matchAll(/^diff --git a\/(\S+) b\/(\S+)$/gm)) {
    out.add(m[1]!);
    out.add(m[2]!);
  }
  return [...out].sort();
}

export interface Choice {
  pull: OpenPull | null;
  /** Why this pull request, or why none (then the step opens a new PR from its base). */
  why: string;
}

/** The pull request a step goes onto, or null with the reason. Throws StepFailure for a bad PR or branch. */
export async function choosePull(
  repo: Repo,
  step: PlanStep,
  spec: OntoSpec,
  source: PullSource,
  opts: OntoOptions,
): Promise<Choice> {
  const pulls = await source.pulls(repo, step, opts);
  if (spec.kind === "pull") {
    const p = pulls.find((x) => x.number === spec.number);
    if (!p) throw new StepFailure(`no open pull request #${spec.number} in ${step.repo.name}`);
    return { pull: p, why: `--onto #${spec.number}` };
  }
  if (spec.kind === "branch") {
    const p = pulls.find((x) => x.head === spec.name);
    if (p) return { pull: p, why: `--onto ${spec.name}, the head of #${p.number}` };
    const sha = await repo.lsRemote(opts.remote, `refs/heads/${spec.name}`);
    if (!sha) throw new StepFailure(`${opts.remote} has no branch ${spec.name}`);
    return {
      pull: {
        number: 0,
        url: "",
        head: spec.name,
        headSha: sha,
        fetchRef: `refs/heads/${spec.name}`,
        canPush: null,
        files: async () => [],
      },
      why: `--onto ${spec.name}, a branch no open pull request has as its head`,
    };
  }
  const touched = new Set(step.patches.flatMap((p) => patchPaths(p.absPath)));
  const skipped: string[] = [];
  let best: { pull: OpenPull; shared: string[] } | null = null;
  // redfix's own pull requests for this step (from an earlier run) are not somebody's open work.
  const ours = (p: OpenPull) => p.head === step.branch || !!p.head?.startsWith(`${step.branch}-on-`);
  for (const p of pulls.filter((x) => !ours(x))) {
    const shared = (await p.files()).filter((f) => touched.has(f)).sort();
    if (shared.length === 0) continue;
    if (!p.head) {
      skipped.push(`#${p.number} touches ${shared.join(", ")} but ${p.noHeadWhy}`);
      continue;
    }
    if (!best || shared.length > best.shared.length) best = { pull: p, shared };
  }
  if (best) return { pull: best.pull, why: `#${best.pull.number} touches ${best.shared.join(", ")}` };
  const none = `no open pull request touches ${[...touched].sort().join(", ")}`;
  return {
    pull: null,
    why: skipped.length ? `${none} and has a head redfix can use (${skipped.join("; ")})` : none,
  };
}

/** Puts a step's patches on a pull request's head. */
export async function applyOnto(
  repo: Repo,
  step: PlanStep,
  pull: OpenPull,
  why: string,
  opts: OntoOptions,
): Promise<OntoReport> {
  const label = pull.number ? `#${pull.number} (${pull.head ?? pull.fetchRef})` : pull.head!;
  const report: OntoReport = { action: "failed", pull: pull.number, head: pull.head, commit: null };
  const files = step.patches.map((p) => p.absPath);
  const baseSha = (await repo.resolve(`refs/heads/${step.base}`))!;
  try {
    let head = await readHead(repo, pull, opts);
    if (await repo.carries(head, files)) {
      report.action = "already-on-head";
      report.commit = head;
      if (!opts.dryRun) report.comment = await commentOnto(step, pull, head, opts, "direct");
      return report;
    }
    const direct = pull.head !== null && pull.canPush !== false;
    if (opts.dryRun) {
      const check = await repo.appliesCleanlyOn(head, files);
      report.action = direct ? "would-push-onto" : "would-stack";
      report.error = check ? `would try a 3-way merge: ${check}` : undefined;
      return report;
    }
    let refused: string | null = null;
    if (direct) {
      for (let attempt = 1; ; attempt++) {
        const commit = await commitOnto(repo, head, step, baseSha);
        if (commit === null) {
          report.action = "already-on-head";
          report.commit = head;
          return report;
        }
        const outcome = await pushOnto(repo, opts.remote, commit, pull.head!, head);
        if (outcome.result === "pushed") {
          report.action = "pushed-onto";
          report.commit = commit;
          report.pushed = true;
          report.comment = await commentOnto(step, pull, commit, opts, "direct");
          return report;
        }
        if (outcome.result === "refused") {
          refused = outcome.reason;
          break;
        }
        // Moved: somebody pushed to the head since it was read. Read it again and redo the commit.
        if (attempt >= 3)
          throw new StepFailure(
            `the head of ${label} keeps moving (${outcome.reason}); nothing pushed, apply again`,
          );
        opts.print(`  the head of ${label} moved (${outcome.reason}); re-applying on the new head`);
        head = await readHead(repo, { ...pull, headSha: "" }, opts);
        if (await repo.carries(head, files)) {
          report.action = "already-on-head";
          report.commit = head;
          return report;
        }
      }
    }
    if (refused !== null)
      opts.print(`  ${opts.remote} refused a push to ${pull.head} (${refused}); stacking instead`);
    return await stack(repo, step, pull, head, baseSha, why, opts, report);
  } catch (e) {
    if (e instanceof ConflictError) {
      report.action = "conflict";
      report.conflicts = e.hunks;
      report.error = e.message;
      return report;
    }
    report.action = "failed";
    report.error =
      e instanceof StepFailure || e instanceof ForgeError || e instanceof GitError ? e.message : String(e);
    if (report.pushed) report.error += `; ${report.commit?.slice(0, 12)} was pushed and is kept`;
    return report;
  }
}

/** The head commit, fetched; `pull.headSha` when known (the forge said), else what the remote has now. */
async function readHead(repo: Repo, pull: OpenPull, opts: OntoOptions): Promise<string> {
  const sha = pull.headSha || (await repo.lsRemote(opts.remote, pull.fetchRef));
  if (!sha) throw new StepFailure(`${opts.remote} has no ${pull.fetchRef}`);
  if ((await repo.run(["cat-file", "-e", `${sha}^{commit}`])).exitCode !== 0)
    await fetchObjects(repo, opts.remote, pull.fetchRef);
  if ((await repo.run(["cat-file", "-e", `${sha}^{commit}`])).exitCode !== 0)
    throw new StepFailure(
      `${pull.fetchRef} moved from ${sha.slice(0, 12)} while it was fetched; apply again`,
    );
  return sha;
}

class ConflictError extends Error {
  constructor(
    message: string,
    readonly hunks: string[],
  ) {
    super(message);
  }
}

/**
 * A commit of the step's patches on `parent`, or null when they change nothing. A patch that does not
 * apply as it is gets a 3-way merge (`git apply --3way`) from its pre-image blobs, rebuilt on the
 * base; a merge that conflicts is a ConflictError naming the files and hunks.
 */
async function commitOnto(
  repo: Repo,
  parent: string,
  step: PlanStep,
  baseSha: string,
): Promise<string | null> {
  return repo.withIndexAt(parent, async (env) => {
    for (const p of step.patches) {
      if ((await repo.run(["apply", "--cached", p.absPath], { env })).exitCode === 0) continue;
      const annotated = await withBlobIds(repo, baseSha, p.absPath, p.earlier);
      const merged =
        annotated === null
          ? null
          : await repo.run(["apply", "--cached", "--3way", "-"], { env, input: annotated });
      if (merged && merged.exitCode === 0) continue;
      const unmerged = merged
        ? (await repo.ok(["ls-files", "--unmerged", "-z"], { env }))
            .split("\0")
            .filter(Boolean)
            .map((l) => l.split("\t")[1]!)
        : [];
      const hunks = await failingHunks(repo, parent, p.absPath, [...new Set(unmerged)]);
      throw new ConflictError(
        `${p.name} conflicts with the head ${parent.slice(0, 12)}: ${hunks.join("; ") || "it does not apply"}`,
        hunks,
      );
    }
    const tree = await repo.ok(["write-tree"], { env });
    if (tree === (await repo.treeOf(parent))) return null;
    return repo.ok(["commit-tree", tree, "-p", parent, "-F", "-"], { input: step.commitMessage });
  });
}

/**
 * The patch with `index <pre>..<post>` lines, the blobs it was computed between (on `base` after the
 * patches before it in its series), which `git apply --3way` needs to merge. Like Repo.withPreimageIds,
 * but also for the first patch of a series. Writes unreachable blobs only; null when it does not
 * apply on its own base.
 */
async function withBlobIds(
  repo: Repo,
  base: string,
  file: string,
  earlier: string[],
): Promise<string | null> {
  const text = readFileSync(file, "utf8");
  const paths = [...text.matchAll(/^diff --git a\/(\S+) b\/(\S+)$/gm)].map((m) => [m[1]!, m[2]!] as const);
  if (paths.length === 0) return null;
  return repo.withIndexAt(base, async (env) => {
    if (earlier.length > 0 && (await repo.run(["apply", "--cached", ...earlier], { env })).exitCode !== 0)
      return null;
    const blob = async (path: string) =>
      (await repo.ok(["ls-files", "--stage", "--", path], { env })).split(/\s+/)[1] ||
      "0".repeat(base.length);
    const pre = await Promise.all(paths.map(([a]) => blob(a)));
    if ((await repo.run(["apply", "--cached", file], { env })).exitCode !== 0) return null;
    const post = await Promise.all(paths.map(([, b]) => blob(b)));
    return withIndexLines(text, pre, post);
  });
}

/** `<file> @@ -a,b +c,d @@` for each hunk of the patch that does not apply alone on `commit`. */
async function failingHunks(repo: Repo, commit: string, patch: string, only: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const section of readFileSync(patch, "utf8").split(/^(?=diff --git )/m)) {
    const m = /^diff --git a\/(\S+) b\/(\S+)$/m.exec(section);
    if (!m) continue;
    const file = m[2]!;
    if (only.length > 0 && !only.includes(file) && !only.includes(m[1]!)) continue;
    const at = section.search(/^@@ /m);
    if (at < 0) continue;
    const header = section.slice(0, at);
    const hunks = section.slice(at).split(/^(?=@@ )/m);
    for (const h of hunks) {
      const ok = await repo.withIndexAt(commit, async (env) =>
        repo.run(["apply", "--cached", "--check", "--recount", "-"], { env, input: header + h }),
      );
      if (ok.exitCode !== 0) out.push(`${file} ${h.split("\n")[0]!.replace(/^(@@ [^@]* @@).*$/, "$1")}`);
    }
  }
  return out;
}

type PushResult = { result: "pushed" } | { result: "moved" | "refused"; reason: string };

/**
 * Pushes `commit` to the head branch. Its parent is `expected` (the head the commit was made on), so a
 * plain push is a fast-forward while the head is still there and is refused once it moved. No force of
 * any kind: not `--force`, not `--force-with-lease`, not a `+` refspec.
 */
async function pushOnto(
  repo: Repo,
  remote: string,
  commit: string,
  branch: string,
  expected: string,
): Promise<PushResult> {
  const parent = await repo.ok(["rev-parse", `${commit}^`]);
  if (parent !== expected) throw new StepFailure(`internal: ${commit} is not a child of ${expected}`);
  const dst = `refs/heads/${branch}`;
  const args = ["push", "--porcelain", "--", remote, `${commit}:${dst}`];
  const r = await repo.run(args, { timeoutMs: NETWORK_TIMEOUT_MS });
  const outcome = parsePushPorcelain(r.stdout, dst);
  if (r.exitCode === 0 && outcome && outcome.flag !== "!") return { result: "pushed" };
  if (outcome?.flag === "!") {
    const moved = /stale info|fetch first|non-fast-forward|cannot lock ref|failed to update ref/.test(
      outcome.reason,
    );
    return { result: moved ? "moved" : "refused", reason: outcome.reason };
  }
  throw new GitError(args, r);
}

async function stack(
  repo: Repo,
  step: PlanStep,
  pull: OpenPull,
  head: string,
  baseSha: string,
  why: string,
  opts: OntoOptions,
  report: OntoReport,
): Promise<OntoReport> {
  if (!pull.head)
    throw new StepFailure(`#${pull.number}: ${pull.noHeadWhy ?? "no head branch"}; nothing to stack on`);
  if (pull.number === 0)
    throw new StepFailure(
      `${opts.remote} refused the push to ${pull.head}, and no pull request has it as its head`,
    );
  if (opts.pr === "none")
    throw new StepFailure(`a stacked pull request on #${pull.number} needs --pr api or --pr agit`);
  const branch = `${step.branch}-on-${pull.number}`;
  const ref = `refs/heads/${branch}`;
  report.branch = branch;
  const local = await repo.resolve(ref);
  // Stacked from another clone by an earlier run: take that branch rather than fork it.
  const before = local ?? (opts.pr === "api" ? await adoptRemoteBranch(repo, opts.remote, ref) : null);
  const files = step.patches.map((p) => p.absPath);
  let commit = before;
  if (!(before && (await repo.carries(before, files)) && (await isAncestor(repo, head, before)))) {
    commit = await commitOnto(repo, head, step, baseSha);
    if (commit === null) {
      report.action = "already-on-head";
      report.commit = head;
      return report;
    }
    await repo.updateRef(ref, commit, before);
  }
  report.commit = commit;
  const body = `${step.pr.body.trimEnd()}\n\nStacked on #${pull.number}${pull.url ? ` (${pull.url})` : ""} (${why}): its base is ${pull.head}.\n`;
  try {
    if (opts.pr === "agit") await pushStackAgit(repo, opts, branch, pull.head, step.pr.title, body);
    else await pushPlain(repo, opts.remote, ref);
  } catch (e) {
    const now = await repo.resolve(ref);
    if (now !== local) await repo.updateRef(ref, local, now);
    throw e;
  }
  report.pushed = true;
  if (opts.pr === "agit") {
    report.action = "stacked";
    report.stackedPr = null;
    // With a token the forge's API is at hand: the link is a comment, as for a stacked API PR.
    report.comment = await commentOnto(step, pull, commit!, opts, "stacked", null, branch);
    return report;
  }
  const pr = await ensurePullRequest(opts.client!, {
    head: branch,
    base: pull.head,
    title: step.pr.title,
    body,
  });
  report.action = "stacked";
  report.stackedPr = pr.number;
  report.comment = await commentOnto(step, pull, commit!, opts, "stacked", pr.number);
  return report;
}

async function isAncestor(repo: Repo, a: string, b: string): Promise<boolean> {
  return (await repo.run(["merge-base", "--is-ancestor", a, b])).exitCode === 0;
}

async function pushPlain(repo: Repo, remote: string, ref: string): Promise<void> {
  const args = ["push", "--porcelain", "--", remote, `${ref}:${ref}`];
  const r = await repo.run(args, { timeoutMs: NETWORK_TIMEOUT_MS });
  const o = parsePushPorcelain(r.stdout, ref);
  if (r.exitCode === 0 && o && o.flag !== "!") return;
  if (o?.flag === "!")
    throw new StepFailure(`push of ${ref} to ${remote} rejected (${o.reason}); never forced`);
  throw new GitError(args, r);
}

async function pushStackAgit(
  repo: Repo,
  opts: OntoOptions,
  topic: string,
  base: string,
  title: string,
  body: string,
): Promise<void> {
  const dst = `refs/for/${base}`;
  const options = [`topic=${topic}`, `title=${title.replace(/\n/g, " ")}`];
  if (opts.agitDescription === "base64")
    options.push(`description={base64}${Buffer.from(body, "utf8").toString("base64")}`);
  const args = [
    "push",
    "--porcelain",
    ...options.flatMap((o) => ["-o", o]),
    "--",
    opts.remote,
    `refs/heads/${topic}:${dst}`,
  ];
  const r = await repo.run(args, { timeoutMs: NETWORK_TIMEOUT_MS });
  // The forge's proc-receive renames the ref it reports (refs/for/<base> becomes refs/pull/<n>/head).
  const pulled = /^[^\t]\t[^\t]*:(refs\/pull\/[0-9]+\/head)\t/m.exec(r.stdout)?.[1];
  const o = parsePushPorcelain(r.stdout, dst) ?? (pulled ? parsePushPorcelain(r.stdout, pulled) : null);
  if (o?.flag === "!" && /same with old commit/.test(o.reason)) return;
  if (r.exitCode === 0 && o && o.flag !== "!") return;
  if (o?.flag === "!") throw new StepFailure(`AGit push to ${dst} rejected (${o.reason})`);
  throw new GitError(args, r);
}

/** A comment on the original pull request (API only), once: a marker finds it on a re-run. */
async function commentOnto(
  step: PlanStep,
  pull: OpenPull,
  commit: string,
  opts: OntoOptions,
  how: "direct" | "stacked",
  stackedPr?: number | null,
  topic?: string,
): Promise<"posted" | "exists" | undefined> {
  if (!opts.client || pull.number === 0) return undefined;
  const marker = `<!-- redfix:${how} ${step.patches.map((p) => p.relPath).join(" ")} -->`;
  const fixes = step.findings.map((f) => `- ${f.rule} \`${f.id}\`: ${f.message.replace(/\s+/g, " ")}`);
  const lines = [
    how === "direct"
      ? `redfix pushed ${commit.slice(0, 12)} onto this pull request: ${step.pr.title}`
      : stackedPr
        ? `redfix opened #${stackedPr} on top of this pull request (base ${pull.head}): ${step.pr.title}`
        : `redfix opened an AGit pull request (topic ${topic}) on top of this pull request (base ${pull.head}): ${step.pr.title}`,
    "",
    ...(fixes.length ? ["It fixes:", ...fixes] : []),
  ];
  if (opts.reportUrl) lines.push("", `[Evidence report](${opts.reportUrl})`);
  return (await ensureComment(opts.client, pull.number, marker, lines.join("\n"))).action;
}

/** One line for the run's output. */
export function describeOnto(step: PlanStep, r: OntoReport, why: string, remote: string): string {
  const head = `${step.repo.name}: ${step.patches.map((p) => p.name).join(", ")}:`;
  const target = r.pull ? `#${r.pull}${r.head ? ` (${r.head})` : ""}` : `${r.head}`;
  const comment = r.comment
    ? `; comment ${r.comment === "posted" ? "posted on" : "already on"} #${r.pull}`
    : "";
  switch (r.action) {
    case "pushed-onto":
      return `${head} committed ${r.commit!.slice(0, 12)} onto ${target}, pushed to ${remote} (${why})${comment}`;
    case "already-on-head":
      return `${head} nothing to do: the head of ${target} already carries the patch${comment}`;
    case "stacked":
      return `${head} stacked on ${target}: ${r.branch} ${r.commit!.slice(0, 12)}, ${
        r.stackedPr ? `PR #${r.stackedPr} into ${r.head}` : `AGit PR for refs/for/${r.head}`
      } (${why})${comment}`;
    case "conflict":
      return `${head} conflict on ${target}, nothing pushed: ${r.error}`;
    case "would-push-onto":
      return `${head} would push a commit onto ${target} (${why})${r.error ? `; ${r.error}` : ""}`;
    case "would-stack":
      return `${head} would open a stacked PR on ${target} (${why}; ${
        r.head ? "the token may not push to its head" : "no head branch"
      })${r.error ? `; ${r.error}` : ""}`;
    case "failed":
      return `${head} failed onto ${target}: ${r.error}`;
  }
}
