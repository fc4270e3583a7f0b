/** Case 12: arguments never become options, and a .git pointing outside the recipe is not followed. */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { branchProblem, remoteProblem, Repo } from "../../apply/git.js";
import { readGitInfo } from "../../load/git.js";
import { git, removeDir, tempDir } from "../support/workspace.js";
import { redfix, writeTree } from "./support.js";
import { needs } from "../support/tools.js";

test("remote and branch names that read as options or run commands are refused", () => {
  assert.ok(remoteProblem("--upload-pack=touch /tmp/x"));
  assert.ok(remoteProblem("ext::sh -c touch% /tmp/x"));
  assert.ok(remoteProblem("origin\nfoo"));
  assert.is(remoteProblem("origin"), null);
  assert.is(remoteProblem("https://git.example.org/a/b.git"), null);
  assert.ok(branchProblem("--force"));
  assert.is(branchProblem("redfix/rf120-app"), null);
});

needs("git")("git with a remote --upload-pack=cmd: the command never runs (real git)", async () => {
  const dir = tempDir();
  try {
    git(dir, "init", "-q", "-b", "main");
    const marker = join(dir, "pwned");
    const repo = new Repo(dir);
    const r = await repo.lsRemote(`--upload-pack=touch ${marker}`, "refs/heads/main").catch((e: Error) => e);
    assert.ok(r instanceof Error || r === null);
    assert.not.ok(existsSync(marker), "--upload-pack ran");
    assert.is(await repo.remoteUrl("--upload-pack=x"), null);
  } finally {
    removeDir(dir);
  }
});

test("redfix apply --push=--upload-pack=cmd is refused before any git call (real CLI)", () => {
  const dir = tempDir();
  try {
    const marker = join(dir, "pwned");
    const run = join(dir, "run");
    writeTree(join(dir, "r"), { "compose.yml": 'version: "3.8"\nservices:\n  app:\n    image: nginx\n' });
    redfix(["analyze", join(dir, "r"), "--out", run]);
    const r = redfix(["apply", run, `--push=--upload-pack=touch ${marker}`]);
    assert.ok(r.status !== 0);
    assert.not.ok(existsSync(marker));
  } finally {
    removeDir(dir);
  }
});

needs("git")(
  "a .git file whose gitdir: points at another repo is not followed (no foreign tags or origin)",
  () => {
    const dir = tempDir();
    try {
      const other = join(dir, "other");
      mkdirSync(other);
      git(other, "init", "-q", "-b", "main");
      git(other, "remote", "add", "origin", "https://secret.example.org/private.git");
      git(other, "commit", "-q", "--allow-empty", "-m", "x");
      git(other, "tag", "9.9.9+foreign");
      const recipe = join(dir, "recipe");
      mkdirSync(recipe);
      writeFileSync(join(recipe, ".git"), `gitdir: ${join(other, ".git")}\n`);
      assert.is(readGitInfo(recipe), null);
      writeFileSync(join(recipe, ".git"), "gitdir: ../other/.git\n");
      assert.is(readGitInfo(recipe), null);
      // Its own .git still counts.
      assert.ok(readGitInfo(other)?.tags.some((t) => t.name === "9.9.9+foreign"));
    } finally {
      removeDir(dir);
    }
  },
);

test.run();
