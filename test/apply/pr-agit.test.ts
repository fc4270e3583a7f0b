// Named pr-agit, not agit: uvu skips entries matching its ignore pattern `^.git`, which "agit" does.
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { applyPlan } from "../../apply/apply.js";
import { buildPlan } from "../../apply/plan.js";
import type { PlanOptions } from "../../apply/plan.js";
import { GIT_ENV, applyOptions, git, makeWorkspace } from "./support.js";
import type { Workspace } from "./support.js";

const planOptions: PlanOptions = { group: "patch", branchPrefix: "redfix/", gitEnv: GIT_ENV };

/**
 * The bare remote stands in for Gitea's receive side: it advertises push options and its pre-receive
 * hook writes what it got (GIT_PUSH_OPTION_COUNT, GIT_PUSH_OPTION_<n>) and the refs pushed, one
 * record per push, to a file the test reads.
 */
function recordPushOptions(bare: string): string {
  const log = join(bare, "push-options.log");
  git(bare, "config", "receive.advertisePushOptions", "true");
  const hook = join(bare, "hooks", "pre-receive");
  writeFileSync(
    hook,
    [
      "#!/bin/sh",
      `log='${log}'`,
      'echo "count=$GIT_PUSH_OPTION_COUNT" >> "$log"',
      "i=0",
      'while [ "$i" -lt "${GIT_PUSH_OPTION_COUNT:-0}" ]; do',
      '  eval "printf \'option=%s\\n\' \\"\\$GIT_PUSH_OPTION_$i\\"" >> "$log"',
      "  i=$((i + 1))",
      "done",
      'while read old new ref; do echo "ref=$ref $new" >> "$log"; done',
      'echo "end" >> "$log"',
      "",
    ].join("\n"),
  );
  chmodSync(hook, 0o755);
  return log;
}

function pushes(log: string): { options: string[]; refs: string[] }[] {
  let text = "";
  try {
    text = readFileSync(log, "utf8");
  } catch {
    return [];
  }
  return text
    .split("end\n")
    .filter((b) => b.trim() !== "")
    .map((b) => {
      const lines = b.split("\n").filter(Boolean);
      return {
        options: lines.filter((l) => l.startsWith("option=")).map((l) => l.slice("option=".length)),
        refs: lines.filter((l) => l.startsWith("ref=")).map((l) => l.slice("ref=".length)),
      };
    });
}

async function onlyGitea(ws: Workspace) {
  const plan = await buildPlan(ws.run, planOptions);
  plan.steps = plan.steps.filter((s) => s.repo.name === "gitea");
  return plan;
}

test("--pr agit pushes HEAD to refs/for/<base> with topic, title and description push options", async () => {
  const ws = makeWorkspace();
  try {
    const log = recordPushOptions(ws.remote.gitea);
    const plan = await onlyGitea(ws);
    const step = plan.steps[0]!;
    const lines: string[] = [];
    const report = await applyPlan(plan, applyOptions(lines, { push: "origin", pr: "agit" }));
    assert.ok(report.ok, lines.join("\n"));
    const commit = git(ws.repo.gitea, "rev-parse", "refs/heads/redfix/rf130-gitea");
    const got = pushes(log);
    assert.is(got.length, 1);
    assert.equal(got[0]!.refs, [`refs/for/main ${commit}`], "only refs/for/main: no branch is pushed");
    assert.is(got[0]!.options.length, 3);
    assert.is(got[0]!.options[0], "topic=redfix/rf130-gitea");
    assert.is(got[0]!.options[1], `title=${step.pr.title}`);
    const description = got[0]!.options[2]!;
    assert.ok(description.startsWith("description={base64}"), description);
    assert.is(
      Buffer.from(description.slice("description={base64}".length), "base64").toString("utf8"),
      step.pr.body,
    );
    assert.is(git(ws.remote.gitea, "for-each-ref", "--format=%(refname)", "refs/heads/redfix"), "");
    assert.match(lines[0]!, "pushed to origin; AGit PR for refs/for/main, topic redfix/rf130-gitea");

    // A re-run: nothing new to commit, and the push finds the same commit there.
    const again = await applyPlan(await onlyGitea(ws), applyOptions([], { push: "origin", pr: "agit" }));
    assert.equal([again.steps[0]!.action, again.steps[0]!.push], ["unchanged", "up-to-date"]);
  } finally {
    ws.cleanup();
  }
});

test("--agit-description commit leaves the body to the forge (it takes the commit message)", async () => {
  const ws = makeWorkspace();
  try {
    const log = recordPushOptions(ws.remote.gitea);
    const plan = await onlyGitea(ws);
    await applyPlan(plan, applyOptions([], { push: "origin", pr: "agit", agitDescription: "commit" }));
    assert.equal(pushes(log)[0]!.options, ["topic=redfix/rf130-gitea", `title=${plan.steps[0]!.pr.title}`]);
  } finally {
    ws.cleanup();
  }
});

test("a remote that does not take push options fails the step and rolls the branch back", async () => {
  const ws = makeWorkspace();
  try {
    git(ws.remote.gitea, "config", "receive.advertisePushOptions", "false");
    const report = await applyPlan(await onlyGitea(ws), applyOptions([], { push: "origin", pr: "agit" }));
    assert.is(report.steps[0]!.action, "failed");
    assert.match(report.steps[0]!.error!, "push options");
    assert.is(git(ws.repo.gitea, "branch", "--list", "redfix/*"), "");
  } finally {
    ws.cleanup();
  }
});

test.run();
