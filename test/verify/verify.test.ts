import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { FindingsDocument } from "../../core/finding.js";

import { runProcess, which } from "../../core/process.js";
import { verdictOf } from "../../verify/verdict.js";
import { verifyRun } from "../../verify/verify.js";
import { parseVerifyRecord } from "../../reports/html/verify-record.js";
import { removeDir, tempDir } from "../support/workspace.js";
import { needs } from "../support/tools.js";
import { verifyFixture } from "../support/run-dir.js";

const python = which("python3");

test("verdicts come from counts", () => {
  const c = (passed: number, failed: number) => ({ passed, failed });
  assert.is(
    verdictOf({ beforeAlone: c(0, 3), afterAlone: c(3, 0), beforeLoad: c(0, 3), afterLoad: c(3, 0) }),
    "confirmed-fix",
  );
  assert.is(
    verdictOf({ beforeAlone: c(3, 0), afterAlone: c(3, 0), beforeLoad: c(1, 2), afterLoad: c(3, 0) }),
    "load-flake",
  );
  assert.is(verdictOf({ beforeAlone: c(0, 3), afterAlone: c(1, 2) }), "defect");
  assert.is(
    verdictOf({ beforeAlone: c(3, 0), afterAlone: c(3, 0), beforeLoad: c(3, 0), afterLoad: c(3, 0) }),
    "not-reproduced",
  );
  assert.is(
    verdictOf({ beforeAlone: c(2, 1), afterAlone: c(3, 0), beforeLoad: c(3, 0), afterLoad: c(2, 1) }),
    "inconclusive",
  );
  assert.is(verdictOf({ beforeAlone: c(0, 0), afterAlone: c(0, 0) }), "skipped");
});

needs("python3")("a timeout kills the whole process tree", async () => {
  const dir = tempDir();
  try {
    const pidFile = join(dir, "child.pid");
    const script = `import os, subprocess, sys, time
p = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
open(${JSON.stringify(pidFile)}, "w").write(str(p.pid))
time.sleep(60)`;
    const r = await runProcess(python!, ["-c", script], { timeoutMs: 1500 });
    assert.ok(r.timedOut);
    await new Promise((res) => setTimeout(res, 300));
    const pid = Number(readFileSync(pidFile, "utf8"));
    // A killed process whose parent is gone may linger as a zombie until init reaps it: that is dead.
    const stat = existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, "utf8") : "";
    const alive = stat !== "" && !/^\d+ \(.*\) [ZX]/.test(stat);
    assert.not.ok(alive, "the grandchild was killed with its group");
  } finally {
    removeDir(dir);
  }
});

test("a missing program is reported, not run", async () => {
  const r = await runProcess("redfix-no-such-program", [], { timeoutMs: 1000 });
  assert.ok(r.missing);
});

needs("pytest")(
  "verify: red→green replay confirms the fix; a test red only under load is a load flake",
  async () => {
    const fixture = await verifyFixture([
      "tests/sidekiq/test_render.py::test_stack_renders",
      "tests/sidekiq/test_exclusive.py::test_exclusive_port",
    ]);
    const { out } = fixture;
    try {
      const findings = await verifyRun(out, { repeat: 1, load: 2, jobs: 1, timeoutMs: 60_000 });
      const f = findings.find((x) => x.rule === "RF101")!;
      assert.ok(f.verification);
      const record = JSON.parse(readFileSync(join(out, "verify", f.id, "result.json"), "utf8")) as {
        runs: {
          phase: string;
          mode: string;
          outcome: string;
          log: string;
          junit: string;
          cases: { id: string; outcome: string }[];
        }[];
        checks: { name: string; status: string }[];
        stages: Record<string, number>;
      };
      // Each stage's wall time is recorded (npm run bench:verify sums them): the replays took time,
      // and the runner's own stages are there beside them.
      assert.ok(record.stages.replayMs! > 0, "replays took time");
      for (const stage of ["copyMs", "applyMs", "recheckMs", "validatorsMs", "collectMs", "deployMs"])
        assert.type(record.stages[stage], "number", stage);
      assert.ok(record.stages.recheckMs! > 0, "the static re-check took time");
      // Both mapped tests replay in one pytest process per run; its JUnit XML tells them apart.
      const outcomes = (test: string, phase: string, mode: string) =>
        record.runs
          .filter((x) => x.phase === phase && x.mode === mode)
          .flatMap((x) => x.cases.filter((c) => c.id.endsWith(`::${test}`)).map((c) => c.outcome));
      assert.equal(outcomes("test_stack_renders", "before", "alone"), ["failed"]);
      assert.equal(outcomes("test_stack_renders", "after", "alone"), ["passed"]);
      assert.equal(outcomes("test_exclusive_port", "before", "alone"), ["passed"]);
      assert.ok(
        outcomes("test_exclusive_port", "before", "load").includes("failed"),
        "concurrent copies collide",
      );
      assert.ok(
        record.runs.every((x) => existsSync(join(out, x.log)) && existsSync(join(out, x.junit))),
        "every replay has its log and its JUnit XML",
      );
      assert.equal(
        record.runs.filter((x) => x.phase === "before" && x.mode === "alone").map((x) => x.outcome),
        ["failed"],
        "a run fails when one of its tests fails",
      );
      const parsed = parseVerifyRecord(
        JSON.parse(readFileSync(join(out, "verify", f.id, "result.json"), "utf8")),
      );
      assert.ok("record" in parsed, "the HTML report reads the record");
      assert.ok(
        record.checks.some((c) => c.name === "static re-check: finding gone" && c.status === "passed"),
      );
      assert.ok(
        record.checks.some(
          (c) => c.name.startsWith("docker stack config") || c.name.startsWith("docker-compose"),
        ),
      );
      const doc = JSON.parse(readFileSync(join(out, "findings.json"), "utf8")) as FindingsDocument;
      assert.equal(doc.findings.find((x) => x.id === f.id)?.verification, f.verification);
    } finally {
      fixture.dispose();
    }
  },
);

test.run();
