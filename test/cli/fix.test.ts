/**
 * `redfix analyze --fix`: the patches written into the working tree of a git repository, as ESLint's
 * --fix does; a file with uncommitted changes is left alone (the patch is refused, said so), and so is
 * a folder git cannot undo changes in.
 */
import { spawnSync } from "node:child_process";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { PACKAGE_ROOT } from "../../core/package.js";
import { git, removeDir, tempDir } from "../support/workspace.js";

const BIN = join(PACKAGE_ROOT, "dist", "cli", "main.js");
const ID = ["-c", "user.name=t", "-c", "user.email=t@example.org"];

function redfix(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: "utf8", timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The gitea example (RF130 in compose.yml: app.ini mounted read-only) as a committed git repository. */
function repo(): string {
  const dir = tempDir("redfix-fix-");
  cpSync(join(PACKAGE_ROOT, "examples", "recipes", "gitea"), dir, { recursive: true });
  git(dir, "init", "-q");
  git(dir, "add", "-A");
  git(dir, ...ID, "commit", "-qm", "recipe");
  return dir;
}

test("--fix writes the patch into the working tree; the fixed finding no longer fails the run", () => {
  const dir = repo();
  const out = tempDir();
  try {
    // --fail-on error: the repository has no release tag nor remote (warnings --fix cannot write away).
    const before = redfix(["analyze", ".", "--out", out, "--fail-on", "error"], dir);
    assert.is(before.status, 1);
    const r = redfix(["analyze", ".", "--out", out, "--fail-on", "error", "--fix"], dir);
    assert.match(r.stderr, /^fixed: patches\/[^/]+\/0001-RF130-[^/]+\.patch$/m);
    assert.is(r.status, 0, r.stdout + r.stderr);
    const diff = git(dir, "diff", "--stat");
    assert.match(diff, "compose.yml");
    assert.is(git(dir, "diff", "--cached", "--stat").trim(), "", "nothing staged: the index is the user's");
    const again = redfix(["analyze", ".", "--out", out, "--fail-on", "error"], dir);
    assert.is(again.status, 0, `nothing left after the fix:\n${again.stdout}`);
  } finally {
    removeDir(dir);
    removeDir(out);
  }
});

test("--fix refuses a file with uncommitted changes and leaves it as the user left it", () => {
  const dir = repo();
  const out = tempDir();
  try {
    const compose = join(dir, "compose.yml");
    const edited = `${readFileSync(compose, "utf8")}# my own edit, not committed yet\n`;
    writeFileSync(compose, edited);
    const r = redfix(["analyze", ".", "--out", out, "--fix"], dir);
    assert.is(r.status, 1);
    assert.match(
      r.stderr,
      /not fixed: patches\/[^/]+\/0001-RF130-[^:]+\.patch: uncommitted changes in compose\.yml/,
    );
    assert.is(readFileSync(compose, "utf8"), edited);
  } finally {
    removeDir(dir);
    removeDir(out);
  }
});

test("--fix outside a git work tree writes nothing and says why", () => {
  const dir = tempDir("redfix-fix-plain-");
  const out = tempDir();
  try {
    cpSync(join(PACKAGE_ROOT, "examples", "recipes", "gitea"), dir, { recursive: true });
    const before = readFileSync(join(dir, "compose.yml"), "utf8");
    const r = redfix(["analyze", ".", "--out", out, "--fix"], dir);
    assert.is(r.status, 1);
    assert.match(r.stderr, "is not a git work tree");
    assert.is(readFileSync(join(dir, "compose.yml"), "utf8"), before);
  } finally {
    removeDir(dir);
    removeDir(out);
  }
});

test.run();
