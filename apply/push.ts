/**
 * Pushes of `redfix apply`: a branch (never forced, and never rewinding a
 * remote that is ahead), or an AGit push to `refs/for/<base>` with the PR's push options.
 */
import type { GitResult, Repo } from "./git.js";
import { GitError, NETWORK_TIMEOUT_MS, parsePushPorcelain } from "./git.js";
import type { PlanStep } from "./plan.js";

/** How an AGit push carries the pull request's description: a base64 push option, or the commit message. */
export type AgitDescription = "base64" | "commit";

/** A step cannot go on; the message says why, in the user's terms. */
export class StepFailure extends Error {}

/**
 * The branch is not here but the remote has it (a run from another clone): fetch it so the check for
 * "already carries the patch" sees it and a new commit goes on top of it instead of forking it.
 */
export async function adoptRemoteBranch(repo: Repo, remote: string, ref: string): Promise<string | null> {
  const remoteSha = await repo.lsRemote(remote, ref);
  if (!remoteSha) return null;
  await repo.ok(
    ["fetch", "--no-tags", "--no-write-fetch-head", "--end-of-options", remote, `${ref}:${ref}`],
    {
      timeoutMs: NETWORK_TIMEOUT_MS,
    },
  );
  return remoteSha;
}

export async function pushBranch(repo: Repo, remote: string, ref: string): Promise<"pushed" | "up-to-date"> {
  const args = ["push", "--porcelain", "--end-of-options", remote, `${ref}:${ref}`];
  if (await remoteContains(repo, remote, ref)) return "up-to-date";
  const r = await repo.run(args, { timeoutMs: NETWORK_TIMEOUT_MS });
  return pushOutcome(r, args, ref, remote);
}

/**
 * A push of a branch the remote has moved ahead of (a maintainer pushed fixups on the PR branch) is
 * rejected, but nothing is missing there: the remote tip contains ours. Known only when this clone has
 * the remote's commit (after a fetch); otherwise the rejection stands.
 */
async function remoteContains(repo: Repo, remote: string, ref: string): Promise<boolean> {
  const theirs = await repo.lsRemote(remote, ref);
  if (!theirs) return false;
  if ((await repo.run(["cat-file", "-e", `${theirs}^{commit}`])).exitCode !== 0) return false;
  return (await repo.run(["merge-base", "--is-ancestor", ref, theirs])).exitCode === 0;
}

export async function pushAgit(
  repo: Repo,
  step: PlanStep,
  opts: { push?: string; agitDescription: AgitDescription },
): Promise<"pushed" | "up-to-date"> {
  const dst = `refs/for/${step.base}`;
  const options = [`topic=${step.branch}`, `title=${step.pr.title}`];
  if (opts.agitDescription === "base64") {
    // Gitea decodes push-option values written as `{base64}<data>`; a raw body cannot travel, since
    // git refuses push options with a newline.
    options.push(`description={base64}${Buffer.from(step.pr.body, "utf8").toString("base64")}`);
  }
  // Without a description, Gitea takes the commit message body, which carries the same why and evidence.
  const args = [
    "push",
    "--porcelain",
    ...options.flatMap((o) => ["-o", o]),
    "--end-of-options",
    opts.push!,
    `refs/heads/${step.branch}:${dst}`,
  ];
  const r = await repo.run(args, { timeoutMs: NETWORK_TIMEOUT_MS });
  return pushOutcome(r, args, dst, opts.push!);
}

function pushOutcome(r: GitResult, args: string[], dst: string, remote: string): "pushed" | "up-to-date" {
  const outcome = parsePushPorcelain(r.stdout, dst);
  if (outcome?.flag === "=") return "up-to-date";
  // Gitea's AGit answer when the PR already has this exact commit.
  if (outcome?.flag === "!" && /same with old commit/.test(outcome.reason)) return "up-to-date";
  if (r.exitCode === 0 && outcome) return "pushed";
  if (outcome?.flag === "!") {
    const why = /non-fast-forward|fetch first/.test(outcome.reason)
      ? `the remote ${dst.replace("refs/heads/", "")} has commits this one lacks; redfix never forces a push (merge or delete the remote branch, then apply again)`
      : "the remote refused it";
    throw new StepFailure(`push to ${remote} rejected (${outcome.reason}): ${why}`);
  }
  if (r.exitCode === 0) return "pushed";
  throw new GitError(args, r);
}
