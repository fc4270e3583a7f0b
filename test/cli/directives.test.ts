/**
 * Inline directives as ESLint's users know them: a rule id no rule has is an error (exit 2, at its
 * file and line) rather than a suppression that silently does nothing; `--report-unused-directives`
 * lists directives that suppress nothing and makes the exit status 1.
 */
import { spawnSync } from "node:child_process";
import { cpSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { PACKAGE_ROOT } from "../../core/package.js";
import { FIXTURES, removeDir, tempDir } from "../support/workspace.js";

const BIN = join(PACKAGE_ROOT, "dist", "cli", "main.js");

function redfix(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: "utf8",
    timeout: 120_000,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", NO_COLOR: "1" },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The sidekiq recipe (RF102 at line 7, RF101 at line 8) with `lines` put above `depends_on`'s items. */
function recipe(directives: { rf102?: string; rf101?: string }): string {
  const dir = tempDir("redfix-directives-");
  cpSync(join(FIXTURES, "verify", "recipes", "sidekiq"), dir, { recursive: true });
  const lines = [
    'version: "3.8"',
    "services:",
    "  app:",
    "    image: nginx:1.25",
    "  sidekiq:",
    "    image: nginx:1.25",
    ...(directives.rf102 ? [`    ${directives.rf102}`] : []),
    "    depends_on:",
    ...(directives.rf101 ? [`      ${directives.rf101}`] : []),
    "      - discourse",
    "      - app",
    "",
  ];
  writeFileSync(join(dir, "compose.yml"), lines.join("\n"));
  return dir;
}

const RULES = ["--rule", "RF101", "--rule", "RF102"];

test("a directive that suppresses its finding is used: not reported, exit 0 once it is suppressed", () => {
  const dir = recipe({ rf101: "# redfix-disable-next-line RF101 -- the entrypoint waits" });
  const out = tempDir();
  try {
    const r = redfix(["analyze", dir, ...RULES, "--out", out, "--report-unused-directives"]);
    assert.is(r.status, 0, r.stdout + r.stderr);
    assert.not.match(r.stderr, "unused");
  } finally {
    removeDir(dir);
    removeDir(out);
  }
});

test("a misspelt rule id in a directive is exit 2 at its file and line", () => {
  const dir = recipe({ rf101: "# redfix-disable-next-line RF1O1 -- typo" });
  const out = tempDir();
  try {
    const r = redfix(["analyze", dir, ...RULES, "--out", out]);
    assert.is(r.status, 2);
    assert.match(
      r.stderr,
      `${join(dir, "compose.yml")}:8: redfix-disable-next-line names \`RF1O1\`, which is no rule id`,
    );
  } finally {
    removeDir(dir);
    removeDir(out);
  }
});

test("--report-unused-directives: a directive with nothing to suppress is listed and the exit status is 1", () => {
  // RF101 above RF102's line: RF102's finding stays, and the RF101 directive suppresses nothing.
  const dir = recipe({ rf102: "# redfix-disable-next-line RF101 -- wrong line" });
  const out = tempDir();
  try {
    const plain = redfix(["analyze", dir, "--rule", "RF101", "--out", out, "--fail-on", "never"]);
    assert.is(plain.status, 0, "without the flag, unused directives are not reported");
    const r = redfix([
      "analyze",
      dir,
      "--rule",
      "RF101",
      "--out",
      out,
      "--fail-on",
      "never",
      "--report-unused-directives",
    ]);
    assert.is(r.status, 1);
    assert.match(
      r.stderr,
      `${join(dir, "compose.yml")}:7: unused redfix-disable-next-line RF101 (no RF101 finding on the next line)`,
    );
    const other = redfix([
      "analyze",
      dir,
      "--rule",
      "RF102",
      "--out",
      out,
      "--fail-on",
      "never",
      "--report-unused-directives",
    ]);
    assert.is(other.status, 0, "RF101 did not run: its directive's use is unknown, not reported");
  } finally {
    removeDir(dir);
    removeDir(out);
  }
});

test.run();
