// Named pr-agit-…, not agit-…: uvu skips entries matching its ignore pattern `^.git`.
/**
 * `--onto` against a remote that serves AGit as Gitea and Forgejo do: a `proc-receive` hook turns a
 * push to refs/for/<branch> into a pull request refs/pull/<n>/head (test/fixtures/apply/hooks), and a
 * post-receive hook keeps a branch PR's refs/pull/<n>/head on its branch. No forge API: the open pull
 * requests are read from those refs.
 */
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { applyPlan } from "../../apply/apply.js";
import { buildPlan } from "../../apply/plan.js";
import { startGitea } from "./gitea-server.js";
import { FIXTURES, GIT_ENV, applyOptions, git, makeWorkspace, show, snapshot } from "./support.js";
import type { Workspace } from "./support.js";
import { needs } from "../support/tools.js";

/** The fake forge's proc-receive hook is a Python script. */
const withPython = needs("python3");

function serveAgit(bare: string): void {
  for (const hook of ["proc-receive", "post-receive"]) {
    copyFileSync(join(FIXTURES, "hooks", hook), join(bare, "hooks", hook));
    chmodSync(join(bare, "hooks", hook), 0o755);
  }
  git(bare, "config", "receive.procReceiveRefs", "refs/for");
  git(bare, "config", "receive.advertisePushOptions", "true");
}

/** A contributor's branch PR #1: the branch, and refs/pull/1/head where Gitea publishes it. */
function branchPull(ws: Workspace, branch: string): string {
  const clone = mkdtempSync(join(tmpdir(), "redfix-agit-pr-"));
  try {
    git(clone, "clone", "-q", ws.remote.gitea, ".");
    git(clone, "checkout", "-q", "-b", branch);
    const file = join(clone, "compose.yml");
    writeFileSync(file, readFileSync(file, "utf8").replace("1.21.4-rootless", "1.22.0-rootless"));
    git(clone, "commit", "-q", "-am", "upgrade to 1.22");
    git(clone, "push", "-q", "origin", branch);
    const sha = git(clone, "rev-parse", "HEAD");
    git(ws.remote.gitea, "update-ref", "refs/pull/1/head", sha);
    // A merged pull request: its head is in main; never a target.
    git(ws.remote.gitea, "update-ref", "refs/pull/9/head", git(ws.remote.gitea, "rev-parse", "main"));
    return sha;
  } finally {
    rmSync(clone, { recursive: true, force: true });
  }
}

const plan = (ws: Workspace) =>
  buildPlan(ws.run, {
    group: "patch",
    branchPrefix: "redfix/",
    gitEnv: GIT_ENV,
    only: { recipes: ["gitea"] },
  });
const agit = (lines: string[]) =>
  applyOptions(lines, { push: "origin", pr: "agit", onto: new Map([["gitea", { kind: "auto" as const }]]) });

withPython(
  "AGit remote: --onto auto finds PR #1 by refs/pull/1/head and pushes a commit onto its branch; a re-run pushes nothing",
  async () => {
    const ws = makeWorkspace();
    try {
      serveAgit(ws.remote.gitea);
      const head = branchPull(ws, "upgrade-1.22");
      const lines: string[] = [];
      const r = await applyPlan(await plan(ws), agit(lines));
      assert.ok(r.ok, lines.join("\n"));
      assert.match(lines[0]!, /onto #1 \(upgrade-1\.22\), pushed to origin \(#1 touches compose\.yml\)$/);
      const tip = git(ws.remote.gitea, "rev-parse", "refs/heads/upgrade-1.22");
      assert.is(git(ws.remote.gitea, "rev-parse", `${tip}^`), head);
      assert.is(git(ws.remote.gitea, "rev-parse", "refs/pull/1/head"), tip, "the PR follows its branch");
      assert.match(show(ws.remote.gitea, tip, "compose.yml"), "target: /etc/gitea/app.ini.tmpl");

      const before = snapshot(ws.remote.gitea);
      const again: string[] = [];
      const second = await applyPlan(await plan(ws), agit(again));
      assert.ok(second.ok, again.join("\n"));
      assert.match(again[0]!, "nothing to do: the head of #1 (upgrade-1.22) already carries the patch");
      assert.is(snapshot(ws.remote.gitea), before);
    } finally {
      ws.cleanup();
    }
  },
);

withPython(
  "AGit remote, protected head branch: a stacked AGit PR to refs/for/<head-branch>; a re-run opens nothing new",
  async () => {
    const ws = makeWorkspace();
    try {
      serveAgit(ws.remote.gitea);
      const head = branchPull(ws, "upgrade-1.22");
      const protect = join(ws.remote.gitea, "hooks", "pre-receive");
      writeFileSync(
        protect,
        [
          "#!/bin/sh",
          "while read old new ref; do",
          '  if [ "$ref" = refs/heads/upgrade-1.22 ]; then echo "protected branch" >&2; exit 1; fi',
          "done",
          "",
        ].join("\n"),
      );
      chmodSync(protect, 0o755);
      const lines: string[] = [];
      const r = await applyPlan(await plan(ws), agit(lines));
      assert.ok(r.ok, lines.join("\n"));
      assert.match(
        lines.join("\n"),
        "origin refused a push to upgrade-1.22 (pre-receive hook declined); stacking instead",
      );
      assert.match(lines.join("\n"), "stacked on #1 (upgrade-1.22): redfix/rf130-gitea-on-1");
      assert.match(lines.join("\n"), "AGit PR for refs/for/upgrade-1.22");
      assert.is(
        git(ws.remote.gitea, "rev-parse", "refs/heads/upgrade-1.22"),
        head,
        "the protected head is untouched",
      );
      const pulls = JSON.parse(readFileSync(join(ws.remote.gitea, "agit-pulls.json"), "utf8")) as {
        number: number;
        topic: string;
        base: string;
        sha: string;
        description: string;
      }[];
      assert.is(pulls.length, 1);
      assert.equal(
        [pulls[0]!.number, pulls[0]!.topic, pulls[0]!.base],
        [10, "redfix/rf130-gitea-on-1", "upgrade-1.22"],
      );
      const stacked = git(ws.remote.gitea, "rev-parse", "refs/pull/10/head");
      assert.is(stacked, pulls[0]!.sha);
      assert.is(git(ws.remote.gitea, "rev-parse", `${stacked}^`), head, "based on the PR's head");
      const description = Buffer.from(pulls[0]!.description.replace("{base64}", ""), "base64").toString(
        "utf8",
      );
      assert.match(description, "Stacked on #1");

      const before = snapshot(ws.remote.gitea);
      const again: string[] = [];
      const second = await applyPlan(await plan(ws), agit(again));
      assert.ok(second.ok, again.join("\n"));
      assert.is(snapshot(ws.remote.gitea), before, "nothing pushed twice");
      assert.is(JSON.parse(readFileSync(join(ws.remote.gitea, "agit-pulls.json"), "utf8")).length, 1);
    } finally {
      ws.cleanup();
    }
  },
);

withPython(
  "AGit with a token: the API lists the open PRs and the stacked AGit PR is linked by one comment",
  async () => {
    const ws = makeWorkspace();
    const gitea = await startGitea("tok", { "coop-cloud/gitea": ws.remote.gitea });
    try {
      serveAgit(ws.remote.gitea);
      const head = branchPull(ws, "upgrade-1.22");
      gitea.pulls.push({
        number: 1,
        owner: "coop-cloud",
        repo: "gitea",
        head: "upgrade-1.22",
        base: "main",
        title: "Upgrade",
        body: "",
        state: "open",
      });
      gitea.canPush = false;
      const opts = (lines: string[]) => ({
        ...agit(lines),
        forgeUrl: gitea.url,
        forgeOwner: "coop-cloud",
        env: { REDFIX_GITEA_TOKEN: "tok" },
      });
      const lines: string[] = [];
      const r = await applyPlan(await plan(ws), opts(lines));
      assert.ok(r.ok, lines.join("\n"));
      assert.match(lines[0]!, "stacked on #1 (upgrade-1.22): redfix/rf130-gitea-on-1");
      assert.match(
        lines[0]!,
        "AGit PR for refs/for/upgrade-1.22 (#1 touches compose.yml); comment posted on #1",
      );
      assert.is(git(ws.remote.gitea, "rev-parse", "refs/heads/upgrade-1.22"), head);
      assert.is(gitea.comments.length, 1);
      assert.match(
        gitea.comments[0]!.body,
        "redfix opened an AGit pull request (topic redfix/rf130-gitea-on-1) on top of this pull request (base upgrade-1.22)",
      );
      assert.ok(
        gitea.requests.some((q) => q.path.startsWith("/api/v1/repos/coop-cloud/gitea/pulls?state=open")),
      );

      const before = snapshot(ws.remote.gitea);
      const second = await applyPlan(await plan(ws), opts([]));
      assert.ok(second.ok);
      assert.is(snapshot(ws.remote.gitea), before);
      assert.is(gitea.comments.length, 1);
    } finally {
      await gitea.close();
      ws.cleanup();
    }
  },
);

test.run();
