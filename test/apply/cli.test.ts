import { appendFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { PACKAGE_ROOT } from "../../core/package.js";
import { startGitea } from "./gitea-server.js";
import { GIT_ENV, git, makeWorkspace, snapshot } from "./support.js";
import type { Workspace } from "./support.js";

const BIN = join(PACKAGE_ROOT, "dist", "cli", "main.js");

async function redfix(args: string[], env: Record<string, string> = {}) {
  const r = await execa("node", [BIN, ...args], {
    reject: false,
    timeout: 120_000,
    stripFinalNewline: false,
    env: { ...GIT_ENV, REDFIX_GITEA_TOKEN: "", ...env },
  });
  return { code: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
}

function all(ws: Workspace): string[] {
  return [
    ws.repo.discourse,
    ws.repo.gitea,
    ws.repo.ccci,
    ws.remote.discourse,
    ws.remote.gitea,
    ws.remote.ccci,
  ].map(snapshot);
}

test("redfix apply --dry-run: exit 0, the plan on stdout, nothing changed", async () => {
  const ws = makeWorkspace();
  try {
    const before = all(ws);
    const r = await redfix(["apply", ws.run, "--dry-run", "--push", "origin", "--group", "recipe"]);
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stdout, `discourse (${ws.repo.discourse}): redfix/discourse from main`);
    assert.match(r.stdout, "dry run: 3 steps, nothing changed");
    assert.equal(all(ws), before);
  } finally {
    ws.cleanup();
  }
});

test("redfix apply --push --pr api: branches, commits, pushes and PRs; exit 0; a re-run changes nothing", async () => {
  const ws = makeWorkspace();
  const gitea = await startGitea("tok", {
    "coop-cloud/discourse": ws.remote.discourse,
    "coop-cloud/gitea": ws.remote.gitea,
    "coop-cloud/cc-ci": ws.remote.ccci,
  });
  try {
    const args = ["apply", ws.run, "--push", "origin", "--pr", "api", "--forge-url", gitea.url];
    const r = await redfix([...args, "--forge-owner", "coop-cloud", "--token-env", "CI_FORGE_TOKEN"], {
      CI_FORGE_TOKEN: "tok",
    });
    assert.is(r.code, 0, r.stderr);
    assert.is(r.stdout.trim().split("\n").length, 4, r.stdout);
    assert.match(
      r.stdout,
      /gitea: branch redfix\/rf130-gitea from main, commit [0-9a-f]{12}; pushed to origin; PR #4 opened/,
    );
    assert.is(gitea.pulls.length, 4);
    const after = all(ws);
    const again = await redfix([...args, "--forge-owner", "coop-cloud", "--token-env", "CI_FORGE_TOKEN"], {
      CI_FORGE_TOKEN: "tok",
    });
    assert.is(again.code, 0, again.stderr);
    assert.match(
      again.stdout,
      "gitea: redfix/rf130-gitea: nothing to do (the branch already carries the patch",
    );
    assert.match(again.stdout, "PR #4 unchanged");
    assert.equal(all(ws), after);
    assert.is(gitea.pulls.length, 4);
  } finally {
    await gitea.close();
    ws.cleanup();
  }
});

test("a dirty tree: exit 2, one line naming the repo and why, nothing touched", async () => {
  const ws = makeWorkspace();
  try {
    appendFileSync(join(ws.repo.gitea, "abra.sh"), "export EXTRA=1\n");
    const before = all(ws);
    const r = await redfix(["apply", ws.run, "--push", "origin"]);
    assert.is(r.code, 2);
    assert.is(
      r.stderr,
      `redfix apply: refused: gitea (${ws.repo.gitea}): uncommitted changes (1 path, e.g. abra.sh); commit or stash them first\n`,
    );
    assert.is(r.stdout, "");
    assert.equal(all(ws), before);
  } finally {
    ws.cleanup();
  }
});

test("usage errors exit 2 with one line: not a run dir, --pr api without --push, an unknown --pr", async () => {
  const ws = makeWorkspace();
  try {
    const notRun = await redfix(["apply", ws.root]);
    assert.is(notRun.code, 2);
    assert.match(
      notRun.stderr,
      /^redfix apply: .* is not a run directory: .*run\.json is missing \(run redfix analyze first\)\n$/,
    );
    const noPush = await redfix(["apply", ws.run, "--pr", "api"], { REDFIX_GITEA_TOKEN: "t" });
    assert.is(noPush.code, 2);
    assert.is(noPush.stderr, "redfix apply: refused: --pr api needs --push <remote>\n");
    const bad = await redfix(["apply", ws.run, "--pr", "github"]);
    assert.is(bad.code, 2);
    assert.match(bad.stderr, "--pr");
    assert.is(git(ws.repo.gitea, "branch", "--list", "redfix/*"), "");
  } finally {
    ws.cleanup();
  }
});

test("a failed step makes the exit status 2; the other steps are done", async () => {
  const ws = makeWorkspace();
  try {
    git(ws.repo.gitea, "rm", "-q", "abra.sh");
    git(ws.repo.gitea, "commit", "-q", "-m", "drop abra.sh");
    const r = await redfix(["apply", ws.run]);
    assert.is(r.code, 2);
    assert.match(
      r.stdout,
      /gitea: redfix\/rf130-gitea: failed: 0001-RF130-gitea\.patch does not apply: .*; gitea is as it was/,
    );
    assert.match(r.stdout, /discourse: branch redfix\/rf101-discourse from main, commit/);
  } finally {
    ws.cleanup();
  }
});

test("analyze inside a recipe repo, then apply: apply excludes the run directory locally, never commits it", async () => {
  const { mkdtempSync, readFileSync, rmSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const root = mkdtempSync(join(tmpdir(), "redfix-inrepo-"));
  try {
    const l = await execa("node", [join(PACKAGE_ROOT, "scripts", "layout-examples.mjs"), join(root, "ws")], {
      reject: false,
    });
    assert.is(l.exitCode, 0, String(l.stderr));
    const recipe = join(root, "ws", "recipes", "gitea");
    const head = git(recipe, "rev-parse", "HEAD");
    const a = await execa("node", [BIN, "analyze", "."], { cwd: recipe, reject: false, env: GIT_ENV });
    assert.is(a.exitCode, 1, String(a.stderr));
    // analyze writes only inside its run directory; apply keeps that directory out of the repo's status.
    assert.not.match(readFileSync(join(recipe, ".git", "info", "exclude"), "utf8"), /\.redfix/);
    const r = await execa("node", [BIN, "apply", ".redfix/run"], {
      cwd: recipe,
      reject: false,
      env: GIT_ENV,
    });
    assert.is(r.exitCode, 0, String(r.stdout) + String(r.stderr));
    assert.match(String(r.stdout), /gitea: branch redfix\/rf130-gitea from main, commit [0-9a-f]{12}/);
    assert.match(readFileSync(join(recipe, ".git", "info", "exclude"), "utf8"), /^\/\.redfix\/run\/$/m);
    assert.is(git(recipe, "status", "--porcelain"), "", "the run directory is not an uncommitted change");
    assert.is(git(recipe, "rev-parse", "HEAD"), head, "main did not move");
    const files = git(recipe, "diff", "--name-only", "main", "redfix/rf130-gitea").split("\n");
    assert.not.ok(files.includes(".gitignore"), "no .gitignore committed");
    assert.not.ok(
      files.some((f) => f.startsWith(".redfix")),
      "nothing of the run directory committed",
    );
    // A second apply does not add the line twice.
    await execa("node", [BIN, "apply", ".redfix/run", "--dry-run"], {
      cwd: recipe,
      reject: false,
      env: GIT_ENV,
    });
    const lines = readFileSync(join(recipe, ".git", "info", "exclude"), "utf8").split("\n");
    assert.is(lines.filter((x) => x === "/.redfix/run/").length, 1);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test.run();
