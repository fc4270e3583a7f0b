/**
 * RF203 and RF204 fixes in three harness styles (issue 15), each patch applied to a copy and the
 * replayed test run for real:
 *  - plain pytest fixtures, no lifecycle (`test/fixtures/harness-styles/plain-pytest`): RF203 makes the
 *    test wait for the port itself (a late server: red before, green after); RF204 on release values
 *    that are no literals marks the test `xfail(strict=True)` (red before, xfailed after, red again —
 *    XPASS(strict) — once the change lands);
 *  - a TypeScript node:test harness (`harness-styles/node-test`): RF204 adds `{ todo }` (red before,
 *    green after, run with node --test); the TypeScript lifecycle (`RF20-harness-ts`) keeps RF203's
 *    READY_PROBE;
 *  - the Python lifecycle with probes (`RF20-harness`): RF203 keeps today's READY_PROBE (the replay
 *    against murmurd is test/examples/mumble.test.ts; the RF204 skip, harness-rules.test.ts).
 * The pytest runs happen in a private network namespace (bwrap --unshare-net) so the late server's
 * port cannot meet another process's; without bwrap or pytest the runs are skipped, with the reason.
 */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ts } from "ts-morph";
import { analyze } from "../../pipeline/analyze.js";
import type { AnalyzeResult } from "../../pipeline/analyze.js";
import { PACKAGE_ROOT } from "../../core/package.js";
import { needs } from "../support/tools.js";
import { git, harnessLayout, type HarnessLayout } from "../support/workspace.js";

const FIXTURES = join(PACKAGE_ROOT, "test", "fixtures");
const RECIPES = join(FIXTURES, "rules", "RF20-harness", "recipes");
const PLAIN = join(FIXTURES, "harness-styles", "plain-pytest", "cc-ci");
const TS_HARNESS = join(FIXTURES, "harness-styles", "node-test", "cc-ci");
const TS_LIFECYCLE = join(FIXTURES, "rules", "RF20-harness-ts", "cc-ci");
const PY_LIFECYCLE = join(FIXTURES, "rules", "RF20-harness", "cc-ci");

type Layout = HarnessLayout;

/** The fixture recipes as git repos with their releases tagged, and a copy of the harness. */
const layout = (harnessTree: string): Layout => harnessLayout(harnessTree, RECIPES, { harnessRepo: false });

/** Applies the harness patches of `rule` (each alone, `git apply --check` first). */
function applyHarnessPatches(l: Layout, result: AnalyzeResult, rule: string): string[] {
  const patches = result.series.patches.filter(
    (p) => p.repo.kind === "harness" && p.name.includes(`-${rule}-`),
  );
  for (const p of patches) {
    const file = join(l.harness, "..", p.name);
    writeFileSync(file, p.content);
    git(l.harness, "apply", "--check", file);
    git(l.harness, "apply", file);
  }
  return patches.map((p) => p.content);
}

function run(
  cmd: string,
  args: string[],
  cwd: string,
  env: Record<string, string>,
): { status: number; output: string } {
  try {
    const output = execFileSync(cmd, args, {
      cwd,
      encoding: "utf8",
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env },
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 120_000,
    });
    return { status: 0, output };
  } catch (e) {
    const err = e as { status: number; stdout: string; stderr: string };
    return { status: err.status, output: `${err.stdout}${err.stderr}` };
  }
}

/** pytest in the harness, in a private network namespace. */
function pytest(l: Layout, node: string, env: Record<string, string> = {}) {
  return run(
    "bwrap",
    [
      "--dev-bind",
      "/",
      "/",
      "--unshare-net",
      "--chdir",
      l.harness,
      "python3",
      "-m",
      "pytest",
      "-q",
      "-rxX",
      "--color=no",
      node,
    ],
    l.harness,
    { REDFIX_RECIPES_DIR: l.recipes, PYTHONDONTWRITEBYTECODE: "1", HOME: l.harness, ...env },
  );
}

needs("pytest", "bwrap")(
  "plain pytest, no lifecycle: RF203 makes the test wait for the port itself; the replayed test goes green",
  async () => {
    const l = layout(PLAIN);
    try {
      const node = "tests/mumble/test_voice.py::test_voice_port_says_hello";
      const red = pytest(l, node);
      assert.is(red.status, 1, red.output);
      assert.match(red.output, "ConnectionRefusedError");
      const before = await analyze({ recipes: l.recipes, harness: l.harness, rules: ["RF203"] });
      const [finding, ...more] = before.findings.filter((f) => f.rule === "RF203");
      assert.ok(finding, "RF203 fires");
      assert.is(more.length, 0);
      assert.ok(finding.fix, finding.fixUnavailable);
      assert.match(finding.fix.summary, "waits for port 64738 itself: its `hello` is retried within 10 s");
      const [patch] = applyHarnessPatches(l, before, "RF203");
      assert.match(patch!, "+import time\n");
      assert.match(
        patch!,
        '+    assert wait_for_port(lambda: hello("127.0.0.1", VOICE_PORT), 10) == b"MUMB"',
      );
      const green = pytest(l, node);
      assert.is(green.status, 0, green.output);
      assert.match(green.output, /1 passed/);
      // Bounded: a port that never answers fails after the budget, with the connection's own error.
      const never = pytest(l, node, { VOICE_SERVER_DELAY: "60" });
      assert.is(never.status, 1, never.output);
      assert.match(never.output, "ConnectionRefusedError");
      const after = await analyze({ recipes: l.recipes, harness: l.harness, rules: ["RF203"] });
      assert.equal(
        after.findings.filter((f) => f.rule === "RF203").map((f) => f.message),
        [],
        "fixpoint",
      );
      assert.is(after.series.patches.length, 0, "idempotence");
    } finally {
      l.dispose();
    }
  },
);

needs("pytest", "bwrap")(
  "plain pytest: RF204 on release values that are no literals marks the test xfail(strict=True); red again once the change lands",
  async () => {
    const l = layout(PLAIN);
    try {
      const node = "tests/discourse/test_upgrade.py::test_upgrade_moves_data_to_the_official_path";
      const red = pytest(l, node);
      assert.is(red.status, 1, red.output);
      const before = await analyze({ recipes: l.recipes, harness: l.harness, rules: ["RF204"] });
      const [finding] = before.findings.filter((f) => f.rule === "RF204");
      assert.ok(finding?.fix, finding?.fixUnavailable ?? "RF204 fires");
      const [patch] = applyHarnessPatches(l, before, "RF204");
      assert.match(patch!, "+import pytest\n");
      assert.match(patch!, "+@pytest.mark.xfail(strict=True, reason=");
      const green = pytest(l, node);
      assert.is(green.status, 0, green.output);
      assert.match(green.output, /1 xfailed/);
      const after = await analyze({ recipes: l.recipes, harness: l.harness, rules: ["RF204"] });
      assert.equal(
        after.findings.filter((f) => f.rule === "RF204").map((f) => f.message),
        [],
        "fixpoint",
      );
      assert.is(after.series.patches.length, 0, "idempotence");
      const compose = join(l.recipes, "discourse", "compose.yml");
      writeFileSync(
        compose,
        readFileSync(compose, "utf8").replace("discourse_data:/bitnami/discourse", "discourse_data:/shared"),
      );
      const landed = pytest(l, node);
      assert.is(landed.status, 1, landed.output);
      assert.match(landed.output, /XPASS\(strict\)/);
    } finally {
      l.dispose();
    }
  },
);

test("TypeScript node:test harness: RF204 adds { todo } and the replayed test goes green", async () => {
  const l = layout(TS_HARNESS);
  try {
    const file = "tests/discourse/test_upgrade.ts";
    const nodeTest = () => {
      const out = join(l.harness, "..", "test_upgrade.mjs");
      const js = ts.transpileModule(readFileSync(join(l.harness, file), "utf8"), {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      }).outputText;
      writeFileSync(out, js);
      return run(process.execPath, ["--test", out], l.harness, {
        HOME: l.harness,
        REDFIX_RECIPES_DIR: l.recipes,
      });
    };
    const red = nodeTest();
    assert.is(red.status, 1, red.output);
    const before = await analyze({ recipes: l.recipes, harness: l.harness, rules: ["RF204"] });
    const rf204 = before.findings.find((f) => f.rule === "RF204");
    assert.ok(rf204?.fix, rf204?.fixUnavailable ?? "RF204 fires");
    const [patch] = applyHarnessPatches(l, before, "RF204");
    assert.match(
      patch!,
      '+test("upgrade moves to the official image", { todo: "discourse has not made this change',
    );
    const green = nodeTest();
    assert.is(green.status, 0, green.output);
    assert.match(green.output, /# todo 1/);
    const after = await analyze({ recipes: l.recipes, harness: l.harness, rules: ["RF204"] });
    assert.equal(
      after.findings.filter((f) => f.rule === "RF204").map((f) => f.message),
      [],
      "fixpoint",
    );
    assert.is(after.series.patches.length, 0, "idempotence");
  } finally {
    l.dispose();
  }
});

/** A TypeScript test file of the harness, transpiled (Node 20 runs no TypeScript) and run by node --test. */
function nodeTest(l: Layout, file: string, env: Record<string, string> = {}) {
  const out = join(l.harness, "..", file.replace(/[/.]/g, "_") + ".mjs");
  const js = ts.transpileModule(readFileSync(join(l.harness, file), "utf8"), {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  writeFileSync(out, js);
  return run(
    "bwrap",
    ["--dev-bind", "/", "/", "--unshare-net", "--chdir", l.harness, process.execPath, "--test", out],
    l.harness,
    { HOME: l.harness, REDFIX_RECIPES_DIR: l.recipes, ...env },
  );
}

needs("bwrap")(
  "TypeScript node:test, no lifecycle: RF203 makes the test wait for the port itself; the replayed test goes green",
  async () => {
    const l = layout(TS_HARNESS);
    try {
      const file = "tests/mumble/test_voice.ts";
      const red = nodeTest(l, file);
      assert.is(red.status, 1, red.output);
      assert.match(red.output, "ECONNREFUSED");
      const before = await analyze({ recipes: l.recipes, harness: l.harness, rules: ["RF203"] });
      const [finding] = before.findings.filter((f) => f.rule === "RF203");
      assert.ok(finding?.fix, finding?.fixUnavailable ?? "RF203 fires");
      const [patch] = applyHarnessPatches(l, before, "RF203");
      assert.match(
        patch!,
        '+  assert.equal(await waitForPort(() => hello("127.0.0.1", VOICE_PORT), 10_000), "MUMB");',
      );
      const green = nodeTest(l, file);
      assert.is(green.status, 0, green.output);
      assert.match(green.output, /# pass 1/);
      const never = nodeTest(l, file, { VOICE_SERVER_DELAY: "60000" });
      assert.is(never.status, 1, never.output);
      assert.match(never.output, "ECONNREFUSED");
      const after = await analyze({ recipes: l.recipes, harness: l.harness, rules: ["RF203"] });
      assert.equal(
        after.findings.filter((f) => f.rule === "RF203").map((f) => f.message),
        [],
        "fixpoint",
      );
      assert.is(after.series.patches.length, 0, "idempotence");
    } finally {
      l.dispose();
    }
  },
);

for (const [style, tree] of [
  ["Python", PY_LIFECYCLE],
  ["TypeScript", TS_LIFECYCLE],
] as const)
  test(`${style} lifecycle with probes: RF203 keeps today's READY_PROBE fix`, async () => {
    const l = layout(tree);
    try {
      const r = await analyze({ recipes: l.recipes, harness: l.harness, rules: ["RF203"] });
      const mumble = r.findings.filter((f) => f.rule === "RF203" && f.recipe === "mumble");
      assert.ok(mumble.length > 0);
      for (const f of mumble) assert.match(f.fix?.summary ?? "", "READY_PROBE on port 64738");
      assert.not.ok(
        r.series.patches.some((p) => p.content.includes("wait_for_port")),
        "no wait in a harness whose lifecycle reads READY_PROBE",
      );
    } finally {
      l.dispose();
    }
  });

test.run();
