/**
 * Issue 13, item 1: a `redfix.config.yaml` that comes with a recipe (inside a recipe folder) is the
 * recipe author's, not the user's. It may not choose what verify runs (its `verify.tests` once ran
 * the recipe's own Python with the forge token in reach) nor lower the exit threshold (`failOn`).
 * The workspace's config and `--config` still may. Real CLI processes and a real pytest replay.
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { PACKAGE_ROOT } from "../../core/package.js";
import { loadConfig } from "../../load/config.js";

import type { VerifyRecord } from "../../verify/record.js";
import { verifyRun } from "../../verify/verify.js";
import { needs } from "../support/tools.js";
import { analyzeInto } from "../support/run-dir.js";
import { FIXTURES, removeDir, repoFrom, tempDir } from "../support/workspace.js";

const BIN = join(PACKAGE_ROOT, "dist", "cli", "main.js");

function redfix(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    encoding: "utf8",
    timeout: 120_000,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", NO_COLOR: "1" },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A workspace folder holding the sidekiq recipe (an RF101 error in it). */
function workspace(): { root: string; recipe: string } {
  const root = tempDir("redfix-trust-");
  const recipe = join(root, "sidekiq");
  cpSync(join(FIXTURES, "verify", "recipes", "sidekiq"), recipe, { recursive: true });
  return { root, recipe };
}

const LENIENT = "failOn: never\n";

test("a recipe's own config cannot lower the exit threshold: exit 1 with its errors, and a warning naming the line", () => {
  const { root, recipe } = workspace();
  try {
    writeFileSync(join(recipe, "redfix.config.yaml"), `# the recipe's\n${LENIENT}`);
    const r = redfix(["analyze", ".", "--out", join(root, "run"), "--rule", "RF101"], recipe);
    assert.is(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stderr, `${join(recipe, "redfix.config.yaml")}:2:1: \`failOn: never\` ignored`);
    // A stricter threshold from the recipe is fine: it only makes more findings count.
    writeFileSync(join(recipe, "redfix.config.yaml"), "failOn: info\n");
    assert.is(loadConfig(recipe).failOn, "info");
  } finally {
    removeDir(root);
  }
});

test("the workspace's config and --config are trusted: failOn: never gives exit 0", () => {
  const { root, recipe } = workspace();
  try {
    writeFileSync(join(root, "redfix.config.yaml"), LENIENT);
    const ws = redfix(["analyze", ".", "--out", join(root, "run"), "--rule", "RF101"], root);
    assert.is(ws.status, 0, ws.stdout + ws.stderr);
    assert.not.match(ws.stderr, "ignored");
    // Found from the current folder upward, when run inside the recipe: the workspace's, not the recipe's.
    writeFileSync(join(recipe, "redfix.config.yaml"), "failOn: info\n");
    const inside = redfix(["analyze", ".", "--out", join(root, "run"), "--rule", "RF101"], recipe);
    assert.is(inside.status, 1, "the recipe's own config is not the one read… (cwd has one)");
    const above = redfix(["analyze", recipe, "--out", join(root, "run"), "--rule", "RF101"], root);
    assert.is(above.status, 0, "…the first one from the current folder upward is");
    // The user naming the file is a decision, not a discovery.
    writeFileSync(join(recipe, "redfix.config.yaml"), LENIENT);
    const explicit = redfix(
      ["analyze", recipe, "--config", join(recipe, "redfix.config.yaml"), "--out", join(root, "run")],
      tempDir(),
    );
    assert.is(explicit.status, 0, explicit.stderr);
  } finally {
    removeDir(root);
  }
});

test("a recipe's own config cannot name what verify runs: loadConfig drops its verify.tests", () => {
  const { root, recipe } = workspace();
  try {
    writeFileSync(
      join(recipe, "redfix.config.yaml"),
      "verify:\n  tests:\n    RF101: [../../recipes/evil/test_evil.py]\n",
    );
    const cfg = loadConfig(recipe);
    assert.equal(cfg.verify.tests, {});
    assert.is(cfg.trusted, false);
    assert.match(cfg.ignored.join("\n"), /redfix\.config\.yaml:1:1: `verify\.tests` ignored/);
    // The same text in the workspace's config is the user's: kept.
    writeFileSync(join(root, "redfix.config.yaml"), readFileSync(join(recipe, "redfix.config.yaml")));
    assert.equal(loadConfig(root).verify.tests, { RF101: ["../../recipes/evil/test_evil.py"] });
  } finally {
    removeDir(root);
  }
});

needs("pytest")(
  "verify on a recipe whose config maps its own Python test: the recipe's code never runs",
  async () => {
    const recipe = repoFrom(join(FIXTURES, "verify", "recipes", "sidekiq"));
    const harness = repoFrom(join(FIXTURES, "verify", "harness"));
    const out = tempDir();
    const marker = join(tempDir("redfix-marker-"), "ran");
    try {
      mkdirSync(join(recipe, "tests"));
      writeFileSync(
        join(recipe, "tests", "test_evil.py"),
        `def test_evil():\n    open(${JSON.stringify(marker)}, "w").write("recipe code ran")\n`,
      );
      writeFileSync(
        join(recipe, "redfix.config.yaml"),
        `verify:\n  tests:\n    RF101: [${JSON.stringify(join(recipe, "tests", "test_evil.py"))}]\n`,
      );
      await analyzeInto(out, { recipes: recipe, harness, rules: ["RF101"] });
      const findings = await verifyRun(out, { repeat: 1, load: 0, jobs: 1, timeoutMs: 60_000 });
      const f = findings.find((x) => x.rule === "RF101")!;
      assert.ok(f, "the recipe's RF101 finding was verified");
      const record = JSON.parse(
        readFileSync(join(out, "verify", f.id, "result.json"), "utf8"),
      ) as VerifyRecord;
      assert.not.ok(existsSync(marker), "the recipe's test_evil.py ran");
      assert.not.ok(
        record.tests.some((t) => t.includes("test_evil")),
        `replayed: ${record.tests.join(", ")}`,
      );
    } finally {
      removeDir(recipe);
      removeDir(harness);
      removeDir(out);
      removeDir(join(marker, ".."));
    }
  },
);

needs("pytest")(
  "the same single-recipe run verifies with the user's own --config: its test is replayed",
  async () => {
    const recipe = repoFrom(join(FIXTURES, "verify", "recipes", "sidekiq"));
    const harness = repoFrom(join(FIXTURES, "verify", "harness"));
    const out = tempDir();
    const mine = join(tempDir("redfix-own-config-"), "redfix.config.yaml");
    try {
      writeFileSync(
        mine,
        "verify:\n  tests:\n    RF101: [tests/sidekiq/test_render.py::test_stack_renders]\n",
      );
      await analyzeInto(out, { recipes: recipe, harness, rules: ["RF101"] });
      const findings = await verifyRun(out, { repeat: 1, load: 0, jobs: 1, timeoutMs: 60_000, config: mine });
      const f = findings.find((x) => x.rule === "RF101")!;
      const record = JSON.parse(
        readFileSync(join(out, "verify", f.id, "result.json"), "utf8"),
      ) as VerifyRecord;
      assert.equal(record.tests, ["tests/sidekiq/test_render.py::test_stack_renders"]);
      // (Its verdict is not the point: this harness looks for `<recipes>/sidekiq`, a folder above the recipe.)
      assert.ok(record.runs.length > 0, "the mapped test was replayed");
    } finally {
      removeDir(recipe);
      removeDir(harness);
      removeDir(out);
      removeDir(join(mine, ".."));
    }
  },
);

test("unknown rule ids in the config are exit 2, at their file and line, with the nearest id", () => {
  const { root } = workspace();
  try {
    writeFileSync(join(root, "redfix.config.yaml"), "# levels\nrules:\n  RF12O: off\n");
    const r = redfix(["analyze", ".", "--out", join(root, "run")], root);
    assert.is(r.status, 2);
    assert.match(
      r.stderr,
      `${join(root, "redfix.config.yaml")}:3:3: unknown rule id \`RF12O\` (did you mean RF120?)`,
    );
    for (const text of [
      "suppress:\n  - rule: RF1O1\n    reason: typo\n",
      "profiles:\n  mine:\n    only: [RX*]\n",
      "verify:\n  tests:\n    RF999:sidekiq: [tests/x.py]\n",
    ]) {
      writeFileSync(join(root, "redfix.config.yaml"), text);
      const bad = redfix(["analyze", ".", "--out", join(root, "run")], root);
      assert.is(bad.status, 2, text);
      assert.match(bad.stderr, /redfix\.config\.yaml:\d+:\d+: unknown rule id/, text);
    }
    writeFileSync(join(root, "redfix.config.yaml"), "profiles:\n  mine:\n    only: [R0*, RF101]\n");
    assert.is(
      redfix(["analyze", ".", "--out", join(root, "run")], root).status,
      1,
      "patterns that match are fine",
    );
  } finally {
    removeDir(root);
  }
});

test("a YAML error in the config is shown whole: file, line, column, the line itself", () => {
  const { root } = workspace();
  try {
    writeFileSync(join(root, "redfix.config.yaml"), "failOn: error\nrules:\n  RF101: [warning\n");
    const r = redfix(["analyze", ".", "--out", join(root, "run")], root);
    assert.is(r.status, 2);
    assert.match(r.stderr, `${join(root, "redfix.config.yaml")}:`);
    assert.match(r.stderr, /redfix\.config\.yaml:\d+:\d+: Flow sequence/);
    assert.match(r.stderr, "  RF101: [warning", "the offending line is quoted");
  } finally {
    removeDir(root);
  }
});

test.run();
