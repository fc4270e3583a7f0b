import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { analyze } from "../../pipeline/analyze.js";
import { restartPolicy } from "../../analyzers/RF102-key-ignored-by-swarm.js";
import { compareExpectations, readExpectations } from "../support/annotations.js";
import { runCodemodFixture } from "../support/codemod-fixture.js";
import { FIXTURES, removeDir } from "../support/workspace.js";

test("RF102: findings exactly where the fixtures' annotations say, graded by what swarm does", async () => {
  const root = join(FIXTURES, "rules", "RF102", "workspace");
  const { findings } = await analyze({ recipes: root, rules: ["RF102"] });
  assert.equal(compareExpectations(readExpectations(root), findings, "RF102"), {
    missing: [],
    unexpected: [],
  });
  const by = (line: number, file = "app/compose.yml") =>
    findings.find((f) => f.file === file && f.line === line);
  assert.is(
    by(10),
    undefined,
    "short depends_on: not reported (it documents the intent; swarm ignores it silently)",
  );
  assert.is(by(16)?.severity, "error", "long depends_on: rejected");
  assert.is(by(8)?.severity, "warning");
  assert.ok(by(5, "app/compose.dev.yml")?.fix, "the base file gives `api` its image: build can go");
});

test("RF102: what docker/cli's converter does: restart converted unless a policy is set, `no` falls to swarm's default, tmpfs dropped", async () => {
  const root = join(FIXTURES, "rules", "RF102", "workspace");
  const { findings } = await analyze({ recipes: root });
  const at = (line: number) =>
    findings.filter((f) => f.file === "worker/docker-stack.yml" && f.line === line && f.rule === "RF102");
  assert.is(at(6)[0]?.severity, "info", "on-failure without a policy is converted");
  assert.match(at(6)[0]!.message, /converts it/);
  assert.is(at(10)[0]?.severity, "warning", "`no` becomes no policy: swarm's default restarts");
  assert.match(at(10)[0]!.message, /condition: any/);
  assert.is(at(15)[0]?.severity, "error", "tmpfs dropped on a read_only service");
  assert.is(at(22)[0]?.severity, "warning", "restart beside restart_policy is ignored");
  assert.match(at(22)[0]!.message, /is ignored: `deploy\.restart_policy` is set/);
  const undefinedDep = findings.filter((f) => f.file === "worker/docker-stack.yml" && f.line === 18);
  assert.equal(
    undefinedDep.map((f) => f.rule),
    ["RF101"],
    "one finding per fact: an undefined depends_on target is RF101's only",
  );
});

test("RF102: restart → restart_policy", () => {
  assert.equal(restartPolicy("always"), { condition: "any" });
  assert.equal(restartPolicy("unless-stopped"), { condition: "any" });
  assert.equal(restartPolicy("no"), { condition: "none" });
  assert.equal(restartPolicy("on-failure"), { condition: "on-failure" });
  assert.equal(restartPolicy("on-failure:3"), { condition: "on-failure", maxAttempts: 3 });
  assert.is(restartPolicy("sometimes"), null);
});

test("RF102 codemod compose-habits: patches apply, output matches byte for byte, idempotent", async () => {
  const out = await runCodemodFixture(join(FIXTURES, "codemods", "RF102", "compose-habits"), "RF102");
  try {
    // Seven fixes in three patches: each service's keys sit on adjacent lines, and two patches
    // changing adjacent lines would not merge together, so each service's fixes land as one.
    assert.is(out.patches, 3);
    assert.equal(out.differences, []);
    // Left on purpose: cache's aliased link (a network alias would be needed). The short depends_on
    // the long form is rewritten to is not reported.
    assert.is(out.remaining, 1);
    assert.is(out.secondRunPatches, 0);
  } finally {
    removeDir(out.dir);
  }
});

test.run();
