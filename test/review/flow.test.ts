/**
 * The maintainer's path end to end, through the binary: review the run's patches (answers on stdin),
 * then apply exactly the accepted ones, onto the open pull request that touches the same files where
 * there is one and as new pull requests otherwise; a re-run pushes, opens and comments nothing.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { PACKAGE_ROOT } from "../../core/package.js";
import { startGitea } from "../apply/gitea-server.js";
import { GIT_ENV, git, makeWorkspace, snapshot } from "../apply/support.js";

const BIN = join(PACKAGE_ROOT, "dist", "cli", "main.js");

async function redfix(args: string[], input = "", env: Record<string, string> = {}) {
  const r = await execa("node", [BIN, ...args], {
    reject: false,
    timeout: 120_000,
    input,
    stripFinalNewline: false,
    env: { ...GIT_ENV, REDFIX_GITEA_TOKEN: "tok", ...env },
  });
  return { code: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
}

test("review, then apply the accepted patches onto an open PR or as new PRs; a re-run changes nothing", async () => {
  const ws = makeWorkspace();
  const gitea = await startGitea("tok", {
    "coop-cloud/discourse": ws.remote.discourse,
    "coop-cloud/gitea": ws.remote.gitea,
    "coop-cloud/cc-ci": ws.remote.ccci,
  });
  try {
    // An open upgrade PR on gitea that touches compose.yml.
    const clone = mkdtempSync(join(tmpdir(), "redfix-flow-"));
    git(clone, "clone", "-q", ws.remote.gitea, ".");
    git(clone, "checkout", "-q", "-b", "upgrade-1.22");
    const compose = join(clone, "compose.yml");
    writeFileSync(compose, readFileSync(compose, "utf8").replace("1.21.4", "1.22.0"));
    git(clone, "commit", "-q", "-am", "upgrade");
    git(clone, "push", "-q", "origin", "upgrade-1.22");
    const head = git(clone, "rev-parse", "HEAD");
    rmSync(clone, { recursive: true, force: true });
    gitea.pulls.push({
      number: 1,
      owner: "coop-cloud",
      repo: "gitea",
      head: "upgrade-1.22",
      base: "main",
      title: "Upgrade to 1.22",
      body: "",
      state: "open",
    });

    // cc-ci: reject; discourse 1: accept; discourse 2: defer; gitea: accept.
    const review = await redfix(["review", ws.run, "--by", "maintainer"], "n not now\ny\nd\ny looks right\n");
    assert.is(review.code, 0, review.stderr);
    assert.match(review.stdout, "2 accepted, 1 rejected, 1 deferred; written to");

    const apply = [
      "apply",
      ws.run,
      "--push",
      "origin",
      "--pr",
      "api",
      "--forge-url",
      gitea.url,
      "--forge-owner",
      "coop-cloud",
      "--onto",
      "auto",
    ];
    const dry = await redfix([...apply, "--dry-run"]);
    assert.is(dry.code, 0, dry.stderr);
    assert.match(
      dry.stdout,
      "review.json: 2 accepted, 1 rejected, 1 deferred, 0 undecided; applying only the 2 accepted",
    );
    assert.match(
      dry.stdout,
      "discourse: 0001-RF101-discourse.patch: a new pull request from main: no open pull request touches compose.yml",
    );
    assert.match(
      dry.stdout,
      "gitea: 0001-RF130-gitea.patch: would push a commit onto #1 (upgrade-1.22) (#1 touches compose.yml)",
    );
    assert.match(dry.stdout, "dry run: 2 steps, nothing changed");
    assert.is(gitea.pulls.length, 1);

    const r = await redfix(apply);
    assert.is(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /gitea: 0001-RF130-gitea\.patch: committed [0-9a-f]{12} onto #1 \(upgrade-1\.22\)/,
    );
    assert.match(
      r.stdout,
      /discourse: branch redfix\/rf101-discourse from main, commit [0-9a-f]{12}; pushed to origin; PR #2 opened/,
    );
    assert.is(git(ws.remote.gitea, "rev-parse", "refs/heads/upgrade-1.22^"), head);
    assert.equal(
      gitea.pulls.map((p) => [p.number, p.repo, p.head, p.base]),
      [
        [1, "gitea", "upgrade-1.22", "main"],
        [2, "discourse", "redfix/rf101-discourse", "main"],
      ],
    );
    assert.is(
      git(ws.remote.discourse, "branch", "--list", "redfix/rf102*"),
      "",
      "the deferred patch is not applied",
    );
    assert.is(git(ws.remote.ccci, "branch", "--list", "redfix/*"), "", "the rejected patch is not applied");
    assert.is(gitea.comments.length, 1);

    const remotes = [ws.remote.gitea, ws.remote.discourse, ws.remote.ccci].map(snapshot);
    const again = await redfix(apply);
    assert.is(again.code, 0, again.stderr);
    assert.equal([ws.remote.gitea, ws.remote.discourse, ws.remote.ccci].map(snapshot), remotes);
    assert.is(gitea.pulls.length, 2);
    assert.is(gitea.comments.length, 1);
  } finally {
    await gitea.close();
    ws.cleanup();
  }
});

test("apply --onto: a bare PR number across repos, and --onto without --push, are usage errors (exit 2)", async () => {
  const ws = makeWorkspace();
  try {
    const across = await redfix(["apply", ws.run, "--push", "origin", "--onto", "3"]);
    assert.is(across.code, 2);
    assert.match(
      across.stderr,
      "--onto 3: the patches span 3 repositories (cc-ci, discourse, gitea); write --onto <repo>=3",
    );
    const noPush = await redfix(["apply", ws.run, "--recipe", "gitea", "--onto", "3"]);
    assert.is(noPush.code, 2);
    assert.is(noPush.stderr, "redfix apply: refused: --onto needs --push <remote>\n");
  } finally {
    ws.cleanup();
  }
});

test.run();
