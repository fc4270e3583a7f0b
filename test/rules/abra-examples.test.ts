/**
 * `--profile abra` on the bundled examples, laid out as the git repos they model: the only findings are
 * the defect the examples carry on purpose (discourse's image-less `postfix` in compose.smtp.yml, which
 * abra also fails for its healthcheck) — no noise from the other fourteen rules.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { analyze } from "../../pipeline/analyze.js";
import { git } from "../support/workspace.js";
import { workspace } from "../examples/support.js";

test("the examples get only their deliberate abra findings; R011's fix removes both", async () => {
  const ws = await workspace();
  try {
    const { findings, series } = await analyze({ recipes: ws.recipes, profile: "abra" });
    assert.equal(
      findings.map((f) => `${f.rule} ${f.file}`),
      ["R002 discourse/compose.smtp.yml", "R011 discourse/compose.smtp.yml"],
    );
    assert.ok(findings.every((f) => f.message.includes("`postfix`")));
    assert.ok(findings.find((f) => f.rule === "R011")!.fix, "the orphan block has a fix");
    assert.is(series.patches.length, 1);
    const patch = series.patches[0]!;
    const file = join(patch.repo.path, ".redfix.patch");
    writeFileSync(file, patch.content);
    git(patch.repo.path, "apply", file);
    rmSync(file);
    const after = await analyze({ recipes: ws.recipes, profile: "abra" });
    assert.equal(after.findings, []);
  } finally {
    ws.dispose();
  }
});

test("the examples as plain folders add one R014 info per recipe and nothing else", async () => {
  const { findings } = await analyze({ recipes: "examples/recipes", profile: "abra" });
  const infos = findings.filter((f) => f.severity === "info");
  assert.is(infos.length, 6);
  assert.ok(infos.every((f) => f.rule === "R014" && /is not a git repository/.test(f.message)));
  assert.equal(
    findings.filter((f) => f.severity !== "info").map((f) => f.rule),
    ["R002", "R011"],
  );
});

test.run();
