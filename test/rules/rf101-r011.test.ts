import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { analyze } from "../../pipeline/analyze.js";
import { compareExpectations, readExpectations } from "../support/annotations.js";
import { runCodemodFixture } from "../support/codemod-fixture.js";
import { FIXTURES, removeDir } from "../support/workspace.js";

test("RF101: findings exactly where the fixtures' annotations say", async () => {
  const root = join(FIXTURES, "rules", "RF101", "workspace");
  const { findings } = await analyze({ recipes: root, rules: ["RF101"] });
  const diff = compareExpectations(readExpectations(root), findings, "RF101");
  assert.equal(diff, { missing: [], unexpected: [] });
});

test("RF101: an entry undefined only in some combinations names them and has no fix", async () => {
  const root = join(FIXTURES, "rules", "RF101", "workspace");
  const { findings } = await analyze({ recipes: root, rules: ["RF101"] });
  const sso = findings.find((f) => f.file === "overlays/compose.sso.yml");
  assert.ok(sso);
  assert.match(sso.message, /no stack combination that includes compose\.sso\.yml/);
  const worker = findings.find((f) => f.file === "overlays/compose.worker.yml");
  assert.ok(worker, "cache is defined only with compose.cache.yml");
  assert.match(worker.message, /undefined when deploying compose\.yml:compose\.worker\.yml/);
  assert.is(worker.fix, null);
});

for (const [rule, name] of [
  ["RF101", "bitnami-sidekiq"],
  ["RF101", "comments-anchors-flow"],
  ["R011", "orphan-overlay"],
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

test.run();
