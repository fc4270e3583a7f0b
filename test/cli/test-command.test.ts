/**
 * `npm test` on a fresh machine: a test whose tool is missing is skipped with the reason, the
 * closing line counts it and says what to install; under REDFIX_REQUIRE_TOOLS=1 it fails instead.
 * Runs scripts/test.mjs on one small suite (test/support/skip-demo.suite.ts) with caddy hidden.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { PACKAGE_ROOT } from "../../core/package.js";
import { needs } from "../support/tools.js";

function run(env: Record<string, string>): { status: number | null; out: string; last: string } {
  const r = spawnSync(process.execPath, [join(PACKAGE_ROOT, "scripts", "test.mjs")], {
    cwd: PACKAGE_ROOT,
    encoding: "utf8",
    timeout: 120_000,
    env: {
      ...process.env,
      REDFIX_REQUIRE_TOOLS: "",
      REDFIX_TEST_HIDE_TOOLS: "",
      REDFIX_TEST_SUITES_ONLY: "1",
      REDFIX_TEST_PATTERN: "support/skip-demo\\.suite\\.js$",
      ...env,
    },
  });
  const out = r.stdout.replace(/\x1b\[[0-9;]*m/g, ""); // eslint-disable-line no-control-regex
  return { status: r.status, out, last: out.trimEnd().split("\n").at(-1) ?? "" };
}

test("a missing tool: the test is skipped with its reason; the closing line counts it and says what to install", () => {
  const r = run({ REDFIX_TEST_HIDE_TOOLS: "caddy" });
  assert.is(
    r.last,
    "1 passed, 0 failed, 1 skipped (to run the skipped tests install: caddy; Debian: apt-get install caddy)",
    r.out,
  );
  assert.is(r.status, 0, r.out);
  assert.match(r.out, "[skip: caddy | install: caddy] needs caddy: caddy prints its version");
  assert.match(r.out, "caddy hidden by REDFIX_TEST_HIDE_TOOLS");
});

test("REDFIX_REQUIRE_TOOLS=1: the same missing tool is a failure, with the reason", () => {
  const r = run({ REDFIX_TEST_HIDE_TOOLS: "caddy", REDFIX_REQUIRE_TOOLS: "1" });
  assert.is(r.last, "1 passed, 1 failed, 0 skipped", r.out);
  assert.is(r.status, 1);
  assert.match(r.out, "REDFIX_REQUIRE_TOOLS=1 forbids skipping");
});

needs("caddy")("with the tool installed, the test runs and passes", () => {
  const r = run({});
  assert.is(r.last, "2 passed, 0 failed, 0 skipped", r.out);
  assert.is(r.status, 0);
});

/** Every test source under test/, as path → text. */
function testSources(dir = join(PACKAGE_ROOT, "test"), out = new Map<string, string>()): Map<string, string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === "fixtures") continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) testSources(p, out);
    else if (e.name.endsWith(".ts")) out.set(p.slice(PACKAGE_ROOT.length + 1), readFileSync(p, "utf8"));
  }
  return out;
}

test("one skip mechanism: no test skips itself or passes early for a missing tool outside test/support/tools.ts", () => {
  const offenders: string[] = [];
  for (const [path, text] of testSources()) {
    if (path === "test/support/tools.ts" || path === "test/cli/test-command.test.ts") continue;
    if (/\btest\.skip\b|\bsuite\.skip\b/.test(text)) offenders.push(`${path}: test.skip`);
    if (/chromiumMissing\(|pytestMissing|postgresBin\(\)\s*\?\?/.test(text))
      offenders.push(`${path}: its own tool probe`);
    for (const m of text.matchAll(/console\.log\([^\n]*skipp(?:ed|ing)[^\n]*\)/g))
      offenders.push(`${path}: ${m[0]}`);
  }
  assert.equal(offenders, [], "route them through needs(...) from test/support/tools.ts");
});

test.run();
