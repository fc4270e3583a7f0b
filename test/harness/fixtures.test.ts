import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { loadHarness } from "../../harness/load.js";
import { pythonFixture, typescriptFixture } from "./support.js";
import { needs } from "../support/tools.js";

// The fixtures stand for real harnesses: CPython and tsc must agree with the adapters about
// which files are broken, and the fixtures' own unit tests must pass.

const tsc = fileURLToPath(new URL("../../../node_modules/typescript/bin/tsc", import.meta.url));
const noBytecode = { ...process.env, PYTHONDONTWRITEBYTECODE: "1" };

needs("python3")(
  "CPython compiles exactly the Python files the adapter parses without problems",
  async () => {
    const model = await loadHarness(pythonFixture);
    const broken = new Set(model.problems.map((p) => p.file));
    for (const m of model.modules) {
      const r = await execa(
        "python3",
        [
          "-c",
          "import sys; compile(open(sys.argv[1]).read(), sys.argv[1], 'exec')",
          join(pythonFixture, m.source.path),
        ],
        {
          reject: false,
          timeout: 30_000,
          env: noBytecode,
        },
      );
      assert.is(r.exitCode === 0, !broken.has(m.source.path), m.source.path);
    }
    assert.equal([...broken], ["tests/broken/test_syntax_error.py"]);
  },
);

needs("pytest")("the Python fixture's own pytest unit tests pass", async () => {
  const r = await execa("python3", ["-m", "pytest", "-q", "-p", "no:cacheprovider"], {
    cwd: pythonFixture,
    reject: false,
    timeout: 120_000,
    env: noBytecode,
  });
  assert.is(r.exitCode, 0, r.stdout);
  assert.match(r.stdout, /2 passed/);
});

test("tsc type-checks the TypeScript fixture apart from the broken file the adapter reports", async () => {
  const model = await loadHarness(typescriptFixture);
  assert.equal([...new Set(model.problems.map((p) => p.file))], ["tests/broken/test_syntax_error.ts"]);
  const r = await execa("node", [tsc, "-p", typescriptFixture], { reject: false, timeout: 120_000 });
  assert.is(r.exitCode, 0, r.stdout);
  // Only syntax matters for the broken file: no lib or types to load.
  const brokenFile = join(typescriptFixture, "tests/broken/test_syntax_error.ts");
  const broken = await execa("node", [tsc, "--noEmit", "--noLib", "--noResolve", brokenFile], {
    reject: false,
    timeout: 120_000,
  });
  assert.is.not(broken.exitCode, 0);
  // TS1xxx are the syntax diagnostics; the adapter must report the same positions.
  const reported = [...broken.stdout.matchAll(/test_syntax_error\.ts\((\d+),(\d+)\): error TS1\d{3}/g)];
  assert.ok(reported.length > 0, broken.stdout);
  assert.equal(
    model.problems.map((p) => `${p.position.line}:${p.position.column}`),
    reported.map((m) => `${m[1]}:${m[2]}`),
  );
});

test.run();
