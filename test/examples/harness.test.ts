/** The example harness's own pytest tests, and its tests that carry the harness defects (RF201, RF204). */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { pytest, workspace } from "./support.js";
import { needs } from "../support/tools.js";
import type { Workspace } from "./support.js";

const it = needs("pytest");

let ws: Workspace;
let patched: Workspace;

test.before(async () => {
  if (it.missing) return;
  ws = await workspace();
  patched = await workspace(["cc-ci"]);
});
test.after(() => {
  ws?.dispose();
  patched?.dispose();
});

it("the harness's unit tests pass", async () => {
  const r = await pytest(ws, ["tests/harness"]);
  assert.is(r.exitCode, 0, r.output);
  const outcomes = [...r.outcomes.values()];
  assert.ok(outcomes.length >= 30, `only ${outcomes.length} tests ran`);
  assert.ok(
    outcomes.every((o) => o === "passed"),
    r.output,
  );
});

it("RF201: keycloak's canonical domain is its live warm domain, so its tests are red", async () => {
  const r = await pytest(ws, ["tests/keycloak/test_warm_canonical.py"]);
  assert.is(r.exitCode, 1, r.output);
  assert.is(r.outcomes.get("test_warm_canonical::test_canonical_domain_differs_from_live_warm_domain"), "failed");
  assert.is(r.outcomes.get("test_warm_canonical::test_promote_keeps_live_warm_keycloak"), "failed");
  assert.match(r.output, "would take over its live warm deployment");
});

it("RF204: discourse's upgrade test asserts a migration no release performs", async () => {
  const r = await pytest(ws, ["tests/discourse/test_upgrade.py"]);
  assert.is(r.outcomes.get("test_upgrade::test_upgrade_moves_to_official_image"), "failed", r.output);
  assert.match(r.output, "bitnamilegacy/discourse");
  // The laid-out repo has release tags: the volume check runs against the last release and passes.
  assert.is(r.outcomes.get("test_upgrade::test_upgrade_keeps_data_volumes"), "passed", r.output);
});

it("RF201 patched: keycloak's canonical domain lives beside its warm one, other recipes keep theirs", async () => {
  const r = await pytest(patched, ["tests/keycloak/test_warm_canonical.py", "tests/harness"]);
  assert.is(r.exitCode, 0, r.output);
  assert.ok(
    [...r.outcomes.values()].every((o) => o === "passed"),
    r.output,
  );
});

it("RF204 patched: the migration assertion is not applicable while no release migrates", async () => {
  const r = await pytest(patched, ["tests/discourse/test_upgrade.py"]);
  assert.is(r.exitCode, 0, r.output);
  assert.is(r.outcomes.get("test_upgrade::test_upgrade_moves_to_official_image"), "skipped", r.output);
  assert.match(r.output, "this upgrade performs no image migration");
  assert.is(r.outcomes.get("test_upgrade::test_upgrade_keeps_data_volumes"), "passed", r.output);
});

it("tests that need a swarm deployment skip here, saying so", async () => {
  const r = await pytest(ws, ["tests/gitea/test_deploy.py", "tests/bluesky-pds/test_health.py"]);
  assert.is(r.exitCode, 0, r.output);
  assert.equal([...r.outcomes.values()], ["skipped", "skipped"]);
  assert.match(r.output, "needs a swarm deployment");
});

it("the harness finds the recipes through REDFIX_RECIPES_DIR", async () => {
  const r = await pytest(ws, ["tests/discourse/test_upgrade.py"], { recipes: "/nonexistent/recipes" });
  assert.equal([...r.outcomes.values()], ["skipped", "skipped"], r.output);
  assert.match(r.output, "/nonexistent/recipes");
});

test.run();
