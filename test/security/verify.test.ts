/**
 * Cases 1 (test ids), 11 (a hand-edited run directory) and the loud --no-sandbox: verify runs only
 * tests pytest collected under the harness, after `--`, and trusts nothing a run directory says.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readRunDir, RunDirError } from "../../reports/read-run-dir.js";
import { collectedOnly } from "../../verify/targeted-tests.js";
import { verifyRun } from "../../verify/verify.js";
import { removeDir, tempDir } from "../support/workspace.js";
import { redfix, TOKEN, writeTree } from "./support.js";
import { needs } from "../support/tools.js";
import { verifyFixture } from "../support/run-dir.js";

test("only collected ids pass: a path elsewhere or an option is refused", () => {
  const collected = ["tests/a/test_x.py::test_1", "../../recipes/evil/test_evil.py::test_e"];
  const r = collectedOnly(
    ["tests/a/test_x.py::test_1", "../../recipes/evil/test_evil.py::test_e", "--basetemp=/", "-p", "evil"],
    collected,
  );
  assert.equal(r.tests, ["tests/a/test_x.py::test_1"]);
  assert.equal(r.refused, ["../../recipes/evil/test_evil.py::test_e", "--basetemp=/", "-p", "evil"]);
});

/** The verify fixture with `tests` as sidekiq RF101's targeted tests, analyzed into a run directory. */
const setup = (tests: string[]) => verifyFixture(tests);

needs("python3")(
  "verify.tests naming the recipe's own test file and --basetemp: neither runs, nothing is wiped",
  async () => {
    const guard = tempDir();
    writeFileSync(join(guard, "keep.txt"), "keep\n");
    const fixture = await setup(["../../recipes/sidekiq/test_evil.py::test_evil", `--basetemp=${guard}`]);
    const { recipes, out } = fixture;
    const marker = join(guard, "ran");
    writeTree(join(recipes, "sidekiq"), {
      "test_evil.py": `import os\ndef test_evil():\n    open(${JSON.stringify(marker)}, "w").write(os.environ.get("FORGE_TOKEN", ""))\n`,
    });
    try {
      process.env.FORGE_TOKEN = TOKEN;
      const findings = await verifyRun(out, { repeat: 1, load: 0, jobs: 1, timeoutMs: 60_000 });
      delete process.env.FORGE_TOKEN;
      const f = findings.find((x) => x.rule === "RF101")!;
      const record = JSON.parse(readFileSync(join(out, "verify", f.id, "result.json"), "utf8")) as {
        tests: string[];
        note?: string;
        runs: unknown[];
        sandbox?: string;
      };
      assert.equal(record.tests, []);
      assert.equal(record.runs, []);
      assert.match(record.note ?? "", /did not collect/);
      assert.not.ok(existsSync(marker), "the recipe's test ran");
      assert.is(readFileSync(join(guard, "keep.txt"), "utf8"), "keep\n");
    } finally {
      delete process.env.FORGE_TOKEN;
      fixture.dispose();
      removeDir(guard);
    }
  },
);

test("a hand-edited run directory: a finding id ../.. or a series entry ../../../x.patch is refused (exit 2)", async () => {
  const fixture = await setup(["tests/sidekiq/test_render.py::test_stack_renders"]);
  const { out } = fixture;
  try {
    const doc = readFileSync(join(out, "findings.json"), "utf8");
    const parsed = JSON.parse(doc) as { findings: { id: string }[] };
    assert.ok(parsed.findings.length > 0);
    const id = parsed.findings[0]!.id;
    writeFileSync(join(out, "findings.json"), doc.split(`"${id}"`).join('"../.."'));
    assert.throws(
      () => readRunDir(out),
      (e: unknown) => e instanceof RunDirError && /not a plain id/.test(String(e)),
    );
    const r = redfix(["verify", out, "--repeat", "1", "--load", "0"]);
    assert.is(r.status, 2, r.stdout + r.stderr);
    writeFileSync(join(out, "findings.json"), doc);
    const series = join(out, "patches", "sidekiq", "series");
    writeFileSync(series, `${readFileSync(series, "utf8")}../../../x.patch\n`);
    assert.throws(
      () => readRunDir(out),
      (e: unknown) => e instanceof RunDirError && /x\.patch/.test(String(e)),
    );
  } finally {
    fixture.dispose();
  }
});

needs("python3")("--no-sandbox is said loudly, on stdout and in the record", async () => {
  const fixture = await setup(["tests/sidekiq/test_render.py::test_stack_renders"]);
  const { out } = fixture;
  try {
    const r = redfix(["verify", out, "--repeat", "1", "--load", "0", "--no-sandbox"], { timeoutMs: 300_000 });
    assert.ok(r.status === 0 || r.status === 1, r.stderr);
    assert.match(r.stdout, /WARNING: replays are NOT sandboxed \(--no-sandbox was given\)/);
    const doc = JSON.parse(readFileSync(join(out, "findings.json"), "utf8")) as {
      findings: { id: string; fix: unknown }[];
    };
    const f = doc.findings.find((x) => x.fix)!;
    const record = JSON.parse(readFileSync(join(out, "verify", f.id, "result.json"), "utf8")) as {
      sandbox?: string;
    };
    assert.is(record.sandbox, "none");
  } finally {
    fixture.dispose();
  }
});

test.run();
