import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { analyze } from "../../pipeline/analyze.js";
import { runCodemodFixture } from "../support/codemod-fixture.js";
import { FIXTURES, removeDir } from "../support/workspace.js";

for (const [rule, name] of [
  ["R001", "quote-styles"],
  ["R008", "skeleton"],
  ["R012", "append-exports"],
  ["R012", "create-abra-sh"],
] as const) {
  test(`${rule} codemod ${name}: patches apply, output matches byte for byte, fixpoint, idempotent`, async () => {
    const out = await runCodemodFixture(join(FIXTURES, "codemods", rule, name), rule);
    try {
      assert.ok(out.patches > 0, "at least one patch");
      assert.equal(out.differences, []);
      assert.is(out.remaining, 0, "fixpoint: no finding of the rule after the patches");
      assert.is(out.secondRunPatches, 0, "idempotence: a second run gives no patch");
    } finally {
      removeDir(out.dir);
    }
  });
}

test("R012: several missing exports of one recipe share one patch, and every finding points at it", async () => {
  const { findings, series } = await analyze({
    recipes: join(FIXTURES, "codemods", "R012", "append-exports", "input"),
    rules: ["R012"],
  });
  assert.is(findings.length, 2);
  assert.is(series.patches.length, 1);
  assert.is(series.refused.length, 0);
  for (const f of findings) assert.is(f.fix?.patch, series.patches[0]!.path);
});

test("R012: a config with no version variable gets no fix (RF140 versions names)", async () => {
  const { findings } = await analyze({
    recipes: join(FIXTURES, "rules", "R012", "workspace"),
    rules: ["R012"],
  });
  const unversioned = findings.find((f) => f.recipe === "unversioned");
  assert.ok(unversioned);
  assert.is(unversioned.fix, null);
  assert.ok(findings.filter((f) => f.recipe !== "unversioned").every((f) => f.fix !== null));
});

test.run();
