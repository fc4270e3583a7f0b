import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Finding } from "../../core/finding.js";
import { targetedTests } from "../../verify/targeted-tests.js";

const collected = [
  "tests/bluesky-pds/test_health.py::test_health_ok",
  "tests/bluesky-pds/test_routing.py::test_every_upstream_resolves_to_one_service",
  "tests/harness/test_canonical.py::test_canonical_domains_do_not_collide",
  "tests/harness/test_ops.py::test_exec_in",
  "tests/keycloak/test_warm_canonical.py::test_promote",
  "tests/mattermost-lts/test_restore.py::test_restore_returns_state",
  "tests/mattermost-lts/test_smoke.py::test_login",
];

function finding(rule: string, recipe: string, root: Finding["root"], file: string): Finding {
  return {
    id: "x",
    rule,
    severity: "error",
    recipe,
    target: root === "harness" ? "harness" : "recipe",
    root,
    file,
    line: 1,
    column: 1,
    endLine: 1,
    endColumn: 1,
    message: "",
    evidence: [],
    classification: "unknown",
    fix: null,
  };
}

test("a harness finding in a test module replays that module's tests", () => {
  const f = finding("RF202", "bluesky-pds", "harness", "tests/bluesky-pds/test_health.py");
  assert.equal(targetedTests(f, collected, {}), ["tests/bluesky-pds/test_health.py::test_health_ok"]);
});

test("recipe findings: the recipe's tests about the rule's topic only", () => {
  const f = finding("RF110", "mattermost-lts", "recipes", "mattermost-lts/compose.yml");
  assert.equal(targetedTests(f, collected, {}), [
    "tests/mattermost-lts/test_restore.py::test_restore_returns_state",
  ]);
});

test("harness findings outside tests: the recipe's and the harness's own tests about the topic", () => {
  const f = finding("RF201", "keycloak", "harness", "runner/harness/canonical.py");
  assert.equal(targetedTests(f, collected, {}), [
    "tests/harness/test_canonical.py::test_canonical_domains_do_not_collide",
    "tests/keycloak/test_warm_canonical.py::test_promote",
  ]);
});

test("no topic, or nothing about it: no test (unrelated failures are not blamed on the patch)", () => {
  assert.equal(targetedTests(finding("R011", "mattermost-lts", "recipes", "x"), collected, {}), []);
  assert.equal(targetedTests(finding("RF120", "mattermost-lts", "recipes", "x"), collected, {}), []);
});

test("the config's mapping wins, recipe-specific first", () => {
  const f = finding("RF110", "mattermost-lts", "recipes", "x");
  const overrides = { RF110: ["a::b"], "RF110:mattermost-lts": ["c::d"] };
  assert.equal(targetedTests(f, collected, overrides), ["c::d"]);
});

test.run();
