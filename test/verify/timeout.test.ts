/**
 * verify's conventions for a person reading a log: a replay killed at --timeout makes the verdict
 * inconclusive (never `defect`, which is what a red badge says); without a terminal each finding
 * prints a line when it starts and when it ends; the closing count is of this run's findings only.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { PACKAGE_ROOT } from "../../core/package.js";
import { runProcess } from "../../core/process.js";

import type { VerifyRecord } from "../../verify/record.js";
import { verdictOf, verdictWithChecks } from "../../verify/verdict.js";
import { fileChecks } from "../../verify/validators.js";
import { verifyRun } from "../../verify/verify.js";
import { needs } from "../support/tools.js";
import { verifyFixture } from "../support/run-dir.js";
import { removeDir, tempDir } from "../support/workspace.js";

const CLI = join(PACKAGE_ROOT, "dist", "cli", "main.js");

test("verdicts: runs killed at the timeout make it inconclusive, never a defect", () => {
  const c = (passed: number, failed: number, timedOut = 0) =>
    timedOut ? { passed, failed, timedOut } : { passed, failed };
  assert.is(verdictOf({ beforeAlone: c(0, 0, 3), afterAlone: c(0, 0, 3) }), "inconclusive");
  assert.is(verdictOf({ beforeAlone: c(0, 3), afterAlone: c(2, 0, 1) }), "inconclusive");
  assert.is(verdictOf({ beforeAlone: c(0, 3), afterAlone: c(3, 0), afterLoad: c(10, 0, 2) }), "inconclusive");
  assert.is(verdictOf({ beforeAlone: c(0, 3), afterAlone: c(1, 1, 1) }), "defect", "a real failure still is");
  assert.is(verdictOf({ beforeAlone: c(0, 3), afterAlone: c(3, 0) }), "confirmed-fix");
});

needs("pytest")(
  "a real replay killed at the timeout: inconclusive; the CLI's lines and counts are this run's",
  async () => {
    const fixture = await verifyFixture(
      ["tests/sidekiq/test_render.py::test_stack_renders"],
      ["R008", "RF101"],
    );
    const { out } = fixture;
    try {
      // 1 ms: pytest is killed long before it can report anything.
      const findings = await verifyRun(out, {
        repeat: 1,
        load: 0,
        jobs: 1,
        timeoutMs: 1,
        only: { rules: ["RF101"] },
      });
      const f = findings.find((x) => x.rule === "RF101")!;
      const record = JSON.parse(
        readFileSync(join(out, "verify", f.id, "result.json"), "utf8"),
      ) as VerifyRecord;
      assert.ok(record.runs.length > 0 && record.runs.every((x) => x.timedOut), "every replay timed out");
      assert.is(record.verdict, "inconclusive");
      assert.is(f.verification?.verdict, "inconclusive");
      assert.equal(record.counts.afterAlone, { passed: 0, failed: 0, timedOut: 1 });

      // The CLI, as in a CI log (pipes, no terminal), verifying the other finding only.
      const cli = await runProcess(
        process.execPath,
        [CLI, "verify", out, "--rule", "R008", "--repeat", "1", "--load", "0"],
        {
          timeoutMs: 120_000,
        },
      );
      const other = findings.find((x) => x.rule === "R008")!;
      assert.match(cli.stderr, `verifying R008 sidekiq (${other.id})…\n`);
      assert.match(cli.stdout, /^R008 sidekiq: /m);
      assert.match(cli.stdout, "\n1 finding verified;", "RF101's earlier verdict is not counted");
      assert.not.match(cli.stdout + cli.stderr, /\x1b\[/, "no terminal control sequences in a log"); // eslint-disable-line no-control-regex
    } finally {
      fixture.dispose();
    }
  },
);

test("checks: a failed one decides, one that only timed out makes the verdict inconclusive", () => {
  const failed = { name: "shellcheck hook.sh", status: "failed" as const, reason: "SC2086" };
  const timedOut = {
    name: "shellcheck hook.sh",
    status: "failed" as const,
    reason: "timed out",
    timedOut: true,
  };
  assert.is(verdictWithChecks("skipped", [failed], false), "defect");
  assert.is(verdictWithChecks("confirmed-fix", [failed], true), "inconclusive");
  assert.is(verdictWithChecks("skipped", [timedOut], false), "inconclusive");
  assert.is(verdictWithChecks("confirmed-fix", [timedOut], true), "inconclusive");
  assert.is(verdictWithChecks("confirmed-fix", [{ name: "x", status: "passed" }], true), "confirmed-fix");
  assert.is(verdictWithChecks("defect", [timedOut], true), "defect");
});

needs("shellcheck")(
  "a real validator killed at the timeout is marked timedOut, so it is no defect",
  async () => {
    const dir = tempDir();
    try {
      // shellcheck takes about a minute over these 40,000 lines: it is killed after 200 ms.
      writeFileSync(
        join(dir, "hook.sh"),
        `#!/bin/sh\n${'if [ "$1" = x ]; then echo "$2"; fi\n'.repeat(40_000)}`,
      );
      const checks = await fileChecks(dir, ["hook.sh"], {}, 200);
      assert.equal(checks, [
        { name: "shellcheck hook.sh", status: "failed", reason: "timed out after 200 ms", timedOut: true },
      ]);
      assert.is(verdictWithChecks("skipped", checks, false), "inconclusive");
    } finally {
      removeDir(dir);
    }
  },
);

test("verify --help shows each default once", async () => {
  const r = await runProcess(process.execPath, [CLI, "verify", "--help"], { timeoutMs: 30_000 });
  const help = r.stdout.replace(/\s+/g, " ");
  assert.match(
    help,
    /--load <k> concurrent copies of each test under load \(0: no load runs\) \(default: 6 per CPU core, \d+ here\)/,
  );
  const load = /--load <k>.*?(?= --jobs)/.exec(help)?.[0] ?? "";
  assert.is(load.match(/default/g)?.length, 1, load);
  assert.not.match(help, /default: \[\]/);
});

test.run();
