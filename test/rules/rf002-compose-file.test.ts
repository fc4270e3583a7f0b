import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { analyze } from "../../pipeline/analyze.js";
import { compareExpectations, readExpectations } from "../support/annotations.js";
import { FIXTURES } from "../support/workspace.js";

test("RF002 resolves COMPOSE_FILE like abra: commented lines are examples, overlays may live in sub-folders", async () => {
  const root = join(FIXTURES, "rules", "RF002", "workspace");
  const { findings, workspace } = await analyze({ recipes: root });
  assert.equal(compareExpectations(readExpectations(root), findings, "RF002"), {
    missing: [],
    unexpected: [],
  });
  const tuned = workspace.recipes.find((r) => r.name === "tuned")!;
  assert.equal(
    tuned.combinations.map((c) => c.id),
    ["compose.yml", "compose.yml:postgres/compose.postgres.tune.yml"],
    "the sub-folder overlay is read and judged in its combination",
  );
});

test.run();
