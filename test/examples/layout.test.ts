import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { layout } from "./support.js";

const RECIPES = ["bluesky-pds", "discourse", "gitea", "keycloak", "mattermost-lts", "mumble"];

function git(cwd: string, args: string[]): string {
  return execFileSync("git", args, { cwd, encoding: "utf8", timeout: 30_000 }).trim();
}

/** Every ref of every repo of a layout, with the object it names: equal strings mean equal history. */
function refs(ws: string): string {
  const repos = [...RECIPES.map((r) => join(ws, "recipes", r)), join(ws, "cc-ci")];
  return repos.map((repo) => `${repo.slice(ws.length)}\n${git(repo, ["show-ref", "--head"])}`).join("\n");
}

let root = "";
let ws = "";

test.before(async () => {
  root = mkdtempSync(join(tmpdir(), "redfix-layout-"));
  ws = join(root, "one");
  const r = await layout(ws);
  assert.is(r.exitCode, 0, r.output);
});

test.after(() => rmSync(root, { recursive: true, force: true }));

test("every example recipe becomes a repository with annotated release tags", () => {
  assert.equal(readdirSync(join(ws, "recipes")).sort(), RECIPES);
  for (const recipe of RECIPES) {
    const repo = join(ws, "recipes", recipe);
    assert.is(git(repo, ["status", "--porcelain"]), "", `${recipe} has uncommitted files`);
    const tags = git(repo, ["tag", "--list"]).split("\n").filter(Boolean);
    assert.ok(tags.length >= 1, `${recipe} has no release tag`);
    for (const tag of tags) {
      assert.match(tag, /^\d+\.\d+\.\d+\+\S+$/);
      assert.is(git(repo, ["cat-file", "-t", tag]), "tag", `${recipe} ${tag} is not annotated`);
    }
    // The newest release is the recipe as bundled: the version label names it.
    const newest = git(repo, ["describe", "--tags", "--exact-match", "HEAD"]);
    const compose = git(repo, ["show", "HEAD:compose.yml"]);
    // List-form label (`.version=x`) or map-form (`.version: x`).
    assert.ok([`.version=${newest}`, `.version: ${newest}`].some((l) => compose.includes(l)), recipe);
    assert.is(
      git(repo, ["remote", "get-url", "origin"]),
      `https://git.coopcloud.tech/coop-cloud/${recipe}.git`,
    );
  }
});

test("discourse: two releases, both still on bitnamilegacy (no release moves to the official image)", () => {
  const repo = join(ws, "recipes", "discourse");
  const tags = git(repo, ["tag", "--list"]).split("\n").filter(Boolean);
  assert.ok(tags.length >= 2, `releases: ${tags.join(", ")}`);
  for (const tag of tags) {
    const compose = git(repo, ["show", `${tag}:compose.yml`]);
    assert.match(compose, /image: bitnamilegacy\/discourse:/);
    assert.not.match(compose, /image: discourse\/discourse/);
  }
});

test("an older release carries its own version label, image tag and release notes", () => {
  const repo = join(ws, "recipes", "gitea");
  const compose = git(repo, ["show", "3.5.3+1.23.8-rootless:compose.yml"]);
  assert.match(compose, "image: gitea/gitea:1.23.8-rootless");
  assert.match(compose, "coop-cloud.${STACK_NAME}.version=3.5.3+1.23.8-rootless");
  assert.is(git(repo, ["ls-tree", "--name-only", "3.5.3+1.23.8-rootless", "release/"]), "release/3.5.3+1.23.8-rootless");
});

test("cc-ci becomes a repository holding the harness, without Python caches", () => {
  const harness = join(ws, "cc-ci");
  const files = git(harness, ["ls-files"]).split("\n");
  assert.ok(files.includes("runner/harness/canonical.py"));
  assert.ok(files.includes("tests/mumble/custom/test_protocol_handshake.py"));
  assert.not.ok(files.some((f) => f.includes("__pycache__")));
});

test("two layouts give the same commits and tags, byte for byte", async () => {
  const again = join(root, "two");
  const r = await layout(again);
  assert.is(r.exitCode, 0, r.output);
  assert.is(refs(again), refs(ws));
});

test("refuses to lay out over a folder that already has files", async () => {
  const busy = join(root, "busy");
  mkdirSync(busy);
  writeFileSync(join(busy, "keep.txt"), "mine\n");
  const r = await layout(busy);
  assert.is(r.exitCode, 2);
  assert.match(r.output, "is not empty");
  assert.ok(existsSync(join(busy, "keep.txt")));
  assert.not.ok(existsSync(join(busy, "recipes")));
});

test.run();
