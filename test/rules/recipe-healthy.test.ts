import { cpSync, mkdirSync, renameSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { analyze } from "../../pipeline/analyze.js";
import { FIXTURES, git, removeDir, repoFrom, tempDir } from "../support/workspace.js";

const RECIPE_RULES = ["RF102", "RF110", "RF111", "RF120", "RF130", "RF140"];

/**
 * A healthy recipe — stack-qualified names, dump/restore hooks, a config changed since the last
 * release with its version bumped — analyzed next to the RF120 workspace (so `app`, `db` and friends
 * are on `proxy` elsewhere): no RF1xx finding for it.
 */
test("a healthy recipe produces no RF1xx finding", async () => {
  const root = tempDir();
  try {
    const dir = repoFrom(join(FIXTURES, "rules", "RF100-healthy", "release"));
    git(dir, "tag", "-a", "-m", "release", "1.0.0+3.2.0");
    cpSync(join(FIXTURES, "rules", "RF100-healthy", "current"), dir, { recursive: true });
    git(dir, "commit", "-q", "-am", "gzip responses");
    mkdirSync(join(root, "recipes"));
    renameSync(dir, join(root, "recipes", "notes"));
    cpSync(join(FIXTURES, "rules", "RF120", "workspace", "social"), join(root, "recipes", "social"), {
      recursive: true,
    });
    const { findings } = await analyze({ recipes: join(root, "recipes"), rules: RECIPE_RULES });
    assert.equal(
      findings.filter((f) => f.recipe === "notes").map((f) => `${f.rule} ${f.file}:${f.line} ${f.message}`),
      [],
    );
    assert.ok(
      findings.some((f) => f.recipe === "social"),
      "the neighbour recipe is analyzed (and has findings)",
    );
  } finally {
    removeDir(root);
  }
});

test("the same recipe with the version bump undone is caught by RF140", async () => {
  const root = tempDir();
  try {
    const dir = repoFrom(join(FIXTURES, "rules", "RF100-healthy", "release"));
    git(dir, "tag", "-a", "-m", "release", "1.0.0+3.2.0");
    cpSync(
      join(FIXTURES, "rules", "RF100-healthy", "current", "Caddyfile.tmpl"),
      join(dir, "Caddyfile.tmpl"),
    );
    const { findings } = await analyze({ recipes: dir, rules: RECIPE_RULES });
    assert.equal(
      findings.map((f) => f.rule),
      ["RF140"],
    );
  } finally {
    removeDir(root);
  }
});

test.run();
