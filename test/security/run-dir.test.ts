/** Case 2: the run directory never follows links, deletes only what redfix wrote, refuses a foreign --out. */
import { existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { removeDir, tempDir } from "../support/workspace.js";
import { caddyRecipe, redfix, writeTree } from "./support.js";

const recipe = caddyRecipe("{$DOMAIN} {\n\treverse_proxy app:3000\n}\n");

test("a committed .redfix/run/patches -> victim link: analyze . refuses (exit 2), the victim is untouched", () => {
  const root = tempDir();
  try {
    const victim = join(root, "victim");
    writeTree(victim, { "keep.txt": "precious\n", "sub/also.txt": "precious too\n" });
    const repo = join(root, "recipe");
    writeTree(repo, recipe);
    mkdirSync(join(repo, ".redfix", "run"), { recursive: true });
    symlinkSync(join("..", "..", "..", "victim"), join(repo, ".redfix", "run", "patches"));
    const r = redfix(["analyze", "."], { cwd: repo });
    assert.is(r.status, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /symlink/);
    assert.equal(readdirSync(victim).sort(), ["keep.txt", "sub"]);
    assert.is(readFileSync(join(victim, "keep.txt"), "utf8"), "precious\n");
    assert.is(readFileSync(join(victim, "sub", "also.txt"), "utf8"), "precious too\n");
  } finally {
    removeDir(root);
  }
});

test("run.json and report.html.tmp links to other files: nothing is written through them", () => {
  const root = tempDir();
  try {
    const target = join(root, "bashrc");
    writeFileSync(target, "original\n");
    const repo = join(root, "recipe");
    writeTree(repo, recipe);
    for (const name of ["run.json", "report.html.tmp"]) {
      const out = join(root, `out-${name}`);
      mkdirSync(out);
      symlinkSync(target, join(out, name));
      const r = redfix(["analyze", repo, "--out", out]);
      assert.is(r.status, 2, `${name}: ${r.stdout}${r.stderr}`);
      assert.is(readFileSync(target, "utf8"), "original\n", name);
    }
  } finally {
    removeDir(root);
  }
});

test("an existing folder that is not a run directory is refused as --out (exit 2) and left as it was", () => {
  const root = tempDir();
  try {
    const repo = join(root, "recipe");
    writeTree(repo, recipe);
    const home = join(root, "home");
    writeTree(home, { ".ssh/id_ed25519": "KEY\n", "notes.txt": "mine\n", "patches/mine.patch": "x\n" });
    const r = redfix(["analyze", repo, "--out", home]);
    assert.is(r.status, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /not a run directory/);
    assert.is(readFileSync(join(home, "notes.txt"), "utf8"), "mine\n");
    assert.is(readFileSync(join(home, "patches", "mine.patch"), "utf8"), "x\n");
    assert.not.ok(existsSync(join(home, "findings.json")));
  } finally {
    removeDir(root);
  }
});

test("a run directory is rewritten in place; only files in the manifest are removed", () => {
  const root = tempDir();
  try {
    const repo = join(root, "recipe");
    writeTree(repo, recipe);
    const out = join(root, "run");
    assert.is(redfix(["analyze", repo, "--out", out]).status !== 2, true);
    const manifest = readFileSync(join(out, ".redfix-manifest"), "utf8");
    assert.match(manifest, /^findings\.json$/m);
    assert.match(manifest, /^report\.html$/m);
    // A file someone put in the run directory is not redfix's: it stays.
    writeFileSync(join(out, "patches-notes.txt"), "mine\n");
    mkdirSync(join(out, "verify", "x"), { recursive: true });
    writeFileSync(join(out, "verify", "x", "mine.txt"), "mine\n");
    // A tampered manifest naming a file outside is ignored.
    const outside = join(root, "outside.txt");
    writeFileSync(outside, "keep\n");
    writeFileSync(join(out, ".redfix-manifest"), `${manifest}../outside.txt\nverify/../../outside.txt\n`);
    const again = redfix(["analyze", repo, "--out", out]);
    assert.is.not(again.status, 2, again.stderr);
    assert.is(readFileSync(join(out, "patches-notes.txt"), "utf8"), "mine\n");
    assert.is(readFileSync(join(out, "verify", "x", "mine.txt"), "utf8"), "mine\n");
    assert.is(readFileSync(outside, "utf8"), "keep\n");
  } finally {
    removeDir(root);
  }
});

test.run();
