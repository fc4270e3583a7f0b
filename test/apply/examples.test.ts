import { chmodSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { PACKAGE_ROOT } from "../../core/package.js";
import { startGitea } from "./gitea-server.js";
import { GIT_ENV, git, snapshot } from "./support.js";

const BIN = join(PACKAGE_ROOT, "dist", "cli", "main.js");

/** The bundled example recipes, each copied into a git repo with a bare remote, and analyzed. */
async function exampleRun() {
  const root = mkdtempSync(join(tmpdir(), "redfix-apply-examples-"));
  const recipes = join(root, "recipes");
  cpSync(join(PACKAGE_ROOT, "examples", "recipes"), recipes, { recursive: true });
  const names = readdirSync(recipes, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  for (const name of names) {
    const dir = join(recipes, name);
    const bare = join(root, "remotes", `${name}.git`);
    git(root, "init", "-q", "--bare", "-b", "main", bare);
    git(dir, "init", "-q", "-b", "main");
    git(dir, "add", "-A");
    git(dir, "commit", "-q", "-m", "recipe");
    git(dir, "remote", "add", "origin", bare);
    git(dir, "push", "-q", "origin", "main");
  }
  const run = join(root, "run");
  const analyzed = await execa("node", [BIN, "analyze", recipes, "--out", run], {
    reject: false,
    timeout: 300_000,
    env: GIT_ENV,
  });
  assert.ok(analyzed.exitCode === 0 || analyzed.exitCode === 1, String(analyzed.stderr));
  const series = new Map<string, string[]>();
  for (const repo of readdirSync(join(run, "patches"))) {
    series.set(
      repo,
      readFileSync(join(run, "patches", repo, "series"), "utf8")
        .trim()
        .split("\n"),
    );
  }
  return { root, recipes, run, names, series, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

async function redfix(args: string[], env: Record<string, string> = {}) {
  const r = await execa("node", [BIN, ...args], {
    reject: false,
    timeout: 300_000,
    env: { ...GIT_ENV, ...env },
  });
  return { code: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
}

test("the example run: one branch and commit per patch, pushed, a PR each by the API; a dirty tree refused untouched", async () => {
  const ex = await exampleRun();
  const repos = Object.fromEntries(
    [...ex.series.keys()].map((n) => [`coop-cloud/${n}`, join(ex.root, "remotes", `${n}.git`)]),
  );
  const gitea = await startGitea("tok", repos);
  try {
    const patches = [...ex.series.values()].flat();
    assert.ok(patches.length > 0, "the examples have fixable findings");
    const args = [
      "apply",
      ex.run,
      "--push",
      "origin",
      "--pr",
      "api",
      "--forge-url",
      gitea.url,
      "--forge-owner",
      "coop-cloud",
    ];

    // First a dirty tree: refused, nothing touched anywhere.
    const dirty = [...ex.series.keys()][0]!;
    writeFileSync(join(ex.recipes, dirty, "scratch.txt"), "not mine to commit\n");
    const before = ex.names.map((n) => snapshot(join(ex.recipes, n)));
    const refused = await redfix(args, { REDFIX_GITEA_TOKEN: "tok" });
    assert.is(refused.code, 2);
    assert.match(refused.stderr, `redfix apply: refused: ${dirty} (`);
    assert.equal(
      ex.names.map((n) => snapshot(join(ex.recipes, n))),
      before,
    );
    assert.is(gitea.requests.length, 0);
    rmSync(join(ex.recipes, dirty, "scratch.txt"));

    const r = await redfix(args, { REDFIX_GITEA_TOKEN: "tok" });
    assert.is(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.is(gitea.pulls.length, patches.length, "one PR per patch");
    for (const [repo, names] of ex.series) {
      const dir = join(ex.recipes, repo);
      const branches = git(dir, "for-each-ref", "--format=%(refname:short)", "refs/heads/redfix/").split(
        "\n",
      );
      assert.is(branches.length, names.length, `${repo}: one branch per patch`);
      for (const b of branches) {
        assert.is(git(dir, "rev-list", "--count", `main..${b}`), "1", `${b}: one commit`);
        assert.is(
          git(join(ex.root, "remotes", `${repo}.git`), "rev-parse", b),
          git(dir, "rev-parse", b),
          `${b} pushed`,
        );
        assert.ok(
          gitea.pulls.some((p) => p.repo === repo && p.head === b && p.base === "main"),
          `${b}: a PR`,
        );
      }
      assert.is(git(dir, "symbolic-ref", "--short", "HEAD"), "main");
      assert.is(git(dir, "status", "--porcelain"), "");
    }
  } finally {
    await gitea.close();
    ex.cleanup();
  }
});

test("the example run by AGit, one branch per recipe: refs/for/main with the push options, no token", async () => {
  const ex = await exampleRun();
  try {
    for (const repo of ex.series.keys()) {
      const bare = join(ex.root, "remotes", `${repo}.git`);
      git(bare, "config", "receive.advertisePushOptions", "true");
      const hook = join(bare, "hooks", "pre-receive");
      writeFileSync(
        hook,
        `#!/bin/sh\nlog='${bare}/options.log'\ni=0\nwhile [ "$i" -lt "\${GIT_PUSH_OPTION_COUNT:-0}" ]; do eval "printf '%s\\\\n' \\"\\$GIT_PUSH_OPTION_$i\\"" >> "$log"; i=$((i + 1)); done\n`,
      );
      chmodSync(hook, 0o755);
    }
    const r = await redfix(["apply", ex.run, "--push", "origin", "--pr", "agit", "--group", "recipe"]);
    assert.is(r.code, 0, `${r.stdout}\n${r.stderr}`);
    for (const repo of ex.series.keys()) {
      const bare = join(ex.root, "remotes", `${repo}.git`);
      const options = readFileSync(join(bare, "options.log"), "utf8").trim().split("\n");
      assert.is(options[0], `topic=redfix/${repo}`);
      assert.match(options[1]!, new RegExp(`^title=${repo}: `));
      assert.match(options[2]!, /^description=\{base64\}/);
      assert.is(
        git(bare, "rev-parse", "refs/for/main"),
        git(join(ex.recipes, repo), "rev-parse", `redfix/${repo}`),
      );
    }
  } finally {
    ex.cleanup();
  }
});

test.run();
