import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { analyze } from "../../pipeline/analyze.js";
import { RULES } from "../../pipeline/registry.js";

const ABRA_RULES = RULES.filter((r) => /^R\d/.test(r.meta.id));
import { FIXTURES, removeDir, tempDir } from "../support/workspace.js";

const ABRA_IDS = Array.from({ length: 15 }, (_, i) => `R${String(i + 1).padStart(3, "0")}`);
/** A workspace where RF rules and abra rules both find something. */
const MIXED = join(FIXTURES, "rules", "RF101", "workspace");

test("the abra family is exactly R001–R015, each with docs naming its source", () => {
  assert.equal(
    ABRA_RULES.map((r) => r.meta.id),
    ABRA_IDS,
  );
  for (const r of ABRA_RULES) {
    assert.match(r.meta.docs, /abra recipe lint R0\d\d/, r.meta.id);
    assert.match(r.meta.docs, /Source:/, r.meta.id);
    assert.match(r.meta.docs, /confirmed|inferred/, r.meta.id);
  }
});

test("--profile abra runs exactly the fifteen abra rules (CLI, JSON and run.json)", () => {
  const out = tempDir();
  try {
    const r = spawnSync(
      process.execPath,
      ["dist/cli/main.js", "analyze", MIXED, "--profile", "abra", "--format", "json", "--out", out],
      { encoding: "utf8", timeout: 60_000 },
    );
    assert.is(r.status, 1, r.stderr);
    const doc = JSON.parse(r.stdout) as { findings: { rule: string }[] };
    assert.ok(doc.findings.length > 0);
    assert.ok(
      doc.findings.every((f) => ABRA_IDS.includes(f.rule)),
      "only R001–R015 findings",
    );
    const run = JSON.parse(readFileSync(join(out, "run.json"), "utf8")) as { rules: string[] };
    assert.equal(run.rules, ABRA_IDS);
  } finally {
    removeDir(out);
  }
});

test("the default profile runs every rule, abra's among them", async () => {
  const { run, findings } = await analyze({ recipes: MIXED });
  assert.equal(
    run.rules,
    RULES.map((r) => r.meta.id),
  );
  assert.ok(findings.some((f) => f.rule === "RF101"));
  assert.ok(findings.some((f) => ABRA_IDS.includes(f.rule)));
});

test.run();
