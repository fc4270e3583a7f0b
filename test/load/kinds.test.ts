import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { analyze } from "../../pipeline/analyze.js";
import { RULES } from "../../pipeline/registry.js";
import { compareExpectations, readExpectations } from "../support/annotations.js";
import { FIXTURES, removeDir, tempDir } from "../support/workspace.js";

const WS = join(FIXTURES, "kinds", "workspace");
const BIN = join(process.cwd(), "dist", "cli", "main.js");

test("each folder gets its kind from its signals, or the config's; skipped folders say why", async () => {
  const { run, workspace } = await analyze({ recipes: WS });
  assert.equal(
    run.repos.map((r) => [r.name, r.kind]),
    [
      ["forced", "swarm-stack"],
      ["monitoring", "swarm-stack"],
      ["recipe", "abra-recipe"],
      ["voting", "swarm-stack"],
      ["webapp", "compose-project"],
    ],
  );
  assert.equal(run.skipped, [
    { path: "docs", reason: "no compose file (compose.yml, docker-compose*.yml or *stack*.yml)" },
    { path: "ignored", reason: "`kinds` in the config says skip" },
  ]);
  const voting = workspace.recipes.find((r) => r.name === "voting")!;
  assert.equal(
    voting.composeFiles.map((f) => f.name),
    ["docker-stack.yml"],
    "the stack file is the stack; the compose project beside it is not read into it",
  );
  assert.ok(
    workspace.recipes.find((r) => r.name === "recipe")!.kindSignals.includes(".env.sample sets TYPE="),
  );
  assert.ok(
    workspace.recipes.find((r) => r.name === "webapp")!.kindSignals.some((s) => s.startsWith("build:")),
  );
});

test("rules judge only their kinds: no abra rule outside abra recipes, annotations hold", async () => {
  const { findings } = await analyze({ recipes: WS });
  const ex = readExpectations(WS);
  for (const rule of ["R002", "R003", "R004", "R005", "RF101", "RF102"]) {
    assert.equal(compareExpectations(ex, findings, rule), { missing: [], unexpected: [] }, rule);
  }
  const abraOnly = new Set(RULES.filter((r) => !r.meta.kinds.includes("swarm-stack")).map((r) => r.meta.id));
  assert.equal(
    findings.filter((f) => abraOnly.has(f.rule) && f.recipe !== "recipe").map((f) => `${f.rule} ${f.file}`),
    [],
  );
  for (const r of RULES) assert.ok(r.meta.kinds.length > 0, `${r.meta.id} declares its kinds`);
});

test("the text summary counts every analyzed folder by kind; nothing to analyze exits 2 and says what it saw", () => {
  const out = tempDir();
  const empty = tempDir();
  try {
    const r = spawnSync(process.execPath, [BIN, "analyze", WS, "--out", out], { encoding: "utf8" });
    assert.match(
      r.stdout,
      /\nanalyzed 5 folders: 1 abra-recipe, 1 compose-project, 3 swarm-stack; skipped 2 \(run\.json lists why\)\n/,
    );
    const run = JSON.parse(readFileSync(join(out, "run.json"), "utf8")) as { skipped: unknown[] };
    assert.is(run.skipped.length, 2);
    mkdirSync(join(empty, "notes"));
    writeFileSync(join(empty, "notes", "README.md"), "hello\n");
    const e = spawnSync(process.execPath, [BIN, "analyze", empty, "--out", join(out, "e")], {
      encoding: "utf8",
    });
    assert.is(e.status, 2);
    assert.match(e.stderr, /nothing to analyze/);
    assert.match(e.stderr, /notes \(no compose file/);
  } finally {
    removeDir(out);
    removeDir(empty);
  }
});

test.run();
