/**
 * The incremental cache: after one recipe changes, `--cache` re-runs the `recipe`-scope rules on that
 * recipe only (counted by the cache's own stats, not timed), runs the `workspace`-scope rules on all,
 * and writes a run directory byte-identical to a cold run's on the changed workspace; a change in one
 * recipe that changes another's RF120 findings re-analyzes that one too. And each `recipe`-scope
 * rule finds the same per recipe alone as in the whole workspace (what makes the reuse sound).
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { afterRunDirWritten } from "../../cli/hooks.js";
import { analyze } from "../../pipeline/analyze.js";
import { analyzeCached, type Cached } from "../../pipeline/cache.js";
import { runRules, toFindings } from "../../pipeline/check.js";
import { RULES } from "../../pipeline/registry.js";
import { analysisConfig } from "../../pipeline/analyze.js";
import { loadWorkspace } from "../../load/workspace.js";
import { adaptCaddyfiles } from "../../load/caddy.js";
import { writeRunDir } from "../../reports/run-dir.js";
import { FIXTURES, removeDir, repoFrom, tempDir, treeFiles } from "../support/workspace.js";
import { needs } from "../support/tools.js";

const EXAMPLES = join(process.cwd(), "examples", "recipes");
const RF120_WS = join(FIXTURES, "rules", "RF120", "workspace");

let work: string;
test.before(() => {
  work = tempDir();
});
test.after(() => removeDir(work));

/** The run directory as the CLI writes it (findings.json, SARIF, patches, drafts, report.html). */
async function runDir(out: string, o: Cached["outcome"]): Promise<Map<string, Buffer>> {
  writeRunDir(
    out,
    o.findings,
    o.rules.map((r) => r.meta),
    o.series,
    o.run,
    o.upstream,
  );
  await afterRunDirWritten(out);
  return treeFiles(out);
}

async function coldDir(recipes: string, out: string): Promise<Map<string, Buffer>> {
  const r = await analyze({ recipes });
  return runDir(out, {
    findings: r.findings,
    rules: r.rules,
    series: r.series,
    run: r.run,
    upstream: r.upstream,
    config: r.config,
    unusedDirectives: r.unusedDirectives,
  });
}

function sameTree(actual: Map<string, Buffer>, expected: Map<string, Buffer>): void {
  assert.equal([...actual.keys()], [...expected.keys()], "the same files");
  for (const [path, bytes] of expected)
    assert.ok(actual.get(path)!.equals(bytes), `${path} is byte-identical`);
}

/** Adds service text before the line `before` matches (`services:`'s next line by default). */
const addService = (compose: string, yaml: string, before = /^(?<=services:\n)/m): void => {
  const text = readFileSync(compose, "utf8");
  assert.match(text, before);
  writeFileSync(compose, text.replace(before, yaml));
};

test("one changed recipe: only it gets the per-recipe rules, and the run directory is a cold run's, byte for byte", async () => {
  const ws = repoFrom(EXAMPLES);
  try {
    const file = join(work, "a.cache");
    const first = await analyzeCached({ recipes: ws }, file);
    assert.is(first.stats.mode, "full");
    assert.is(first.stats.analyzed.length, first.stats.recipes, "a first run analyzes every recipe");
    assert.ok(first.stats.recipes >= 5);

    // A new service with a key swarm ignores and a dangling depends_on: new findings and a new patch.
    const changed = join(ws, "gitea");
    // After the services others cite (RF120's evidence names lines of gitea's `app`), so that
    // only gitea's own findings move.
    addService(
      join(changed, "compose.yml"),
      "  sidecar:\n    image: busybox:1.36\n    container_name: sidecar\n    depends_on:\n      - nowhere\n\n",
      /^(?=volumes:\n)/m,
    );
    const second = await analyzeCached({ recipes: ws }, file);
    assert.is(second.hit, false);
    assert.is(second.stats.mode, "incremental");
    assert.equal(second.stats.analyzed, [changed], "the per-recipe rules ran on the changed recipe only");
    assert.is(
      second.stats.loaded,
      1,
      "no other recipe was even parsed: no cross-recipe fact it reads changed",
    );

    const cold = await coldDir(ws, join(work, "cold-a"));
    const warm = await runDir(join(work, "warm-a"), second.outcome);
    assert.ok(
      [...cold.keys()].some((p) => p.startsWith("patches/gitea/")),
      "the changed recipe has patches",
    );
    assert.ok(cold.get("findings.json")!.toString().includes("nowhere"), "the new finding is there");
    sameTree(warm, cold);

    // Unchanged since: a hit, nothing analyzed.
    const third = await analyzeCached({ recipes: ws }, file);
    assert.is(third.hit, true);
    assert.equal(third.stats.analyzed, []);
  } finally {
    removeDir(ws);
  }
});

test("a change in one recipe that changes another's RF120 findings re-analyzes both, as a cold run finds", async () => {
  const ws = repoFrom(RF120_WS);
  try {
    const file = join(work, "b.cache");
    const before = await analyzeCached({ recipes: ws }, file);
    const lonely = (o: Cached["outcome"]) =>
      JSON.stringify(o.findings.filter((f) => f.recipe === "lonely" && f.rule === "RF120"));
    // pg-other now also puts `quillnote-internal` on `proxy`: lonely's bare name answers two stacks.
    const other = join(ws, "pg-other");
    addService(
      join(other, "compose.yml"),
      "  quill:\n    image: nginx:1.27\n    networks:\n      proxy:\n        aliases:\n          - quillnote-internal\n",
    );
    const after = await analyzeCached({ recipes: ws }, file);
    assert.is(after.stats.mode, "incremental");
    assert.ok(after.stats.analyzed.includes(other), "the changed recipe is analyzed");
    assert.ok(
      after.stats.analyzed.includes(join(ws, "lonely")),
      "the recipe whose RF120 findings changed is too",
    );
    assert.ok(after.stats.analyzed.length < after.stats.recipes, "not every recipe is");
    assert.is.not(lonely(after.outcome), lonely(before.outcome), "lonely's RF120 findings changed");
    const cold = await coldDir(ws, join(work, "cold-b"));
    sameTree(await runDir(join(work, "warm-b"), after.outcome), cold);
  } finally {
    removeDir(ws);
  }
});

test("with a harness: a recipe a harness finding names is re-analyzed with the harness, as a cold run finds", async () => {
  const ws = repoFrom(EXAMPLES);
  const harness = join(process.cwd(), "examples", "cc-ci");
  try {
    const file = join(work, "h.cache");
    const first = await analyzeCached({ recipes: ws, harness }, file);
    assert.ok(
      first.outcome.findings.some((f) => f.root === "harness"),
      "the harness has findings",
    );
    addService(
      join(ws, "gitea", "compose.yml"),
      "  extra:\n    image: nginx:1.27\n    restart: always\n\n",
      /^(?=volumes:\n)/m,
    );
    const second = await analyzeCached({ recipes: ws, harness }, file);
    assert.is(second.stats.mode, "incremental");
    assert.ok(second.stats.analyzed.includes(join(ws, "gitea")));
    assert.ok(
      second.stats.analyzed.length < second.stats.recipes,
      `${second.stats.analyzed.length} analyzed`,
    );
    const r = await analyze({ recipes: ws, harness });
    const cold = await runDir(join(work, "cold-h"), { ...r, rules: r.rules });
    sameTree(await runDir(join(work, "warm-h"), second.outcome), cold);
  } finally {
    removeDir(ws);
  }
});

needs("caddy")(
  "caddy adapt runs once per Caddyfile: never again while its text, imports and env stay",
  async () => {
    const ws = repoFrom(RF120_WS);
    try {
      const file = join(work, "c.cache");
      const first = await analyzeCached({ recipes: ws }, file);
      assert.ok(first.stats.adaptRuns > 0, "the fixtures have Caddyfiles with bare names");
      // Another recipe changes, and so does a file beside the Caddyfile, but not the Caddyfile.
      writeFileSync(join(ws, "lonely", "README.md"), "# lonely\n");
      addService(join(ws, "portal", "compose.yml"), "  extra:\n    image: nginx:1.27\n");
      const second = await analyzeCached({ recipes: ws }, file);
      assert.is(second.hit, false);
      assert.is(second.stats.adaptRuns, 0, "no caddy process");
      // Only the loaded recipes' Caddyfiles are looked at at all: the others are not parsed.
      assert.ok(second.stats.loaded < second.stats.recipes, `${second.stats.loaded} recipes loaded`);
      assert.ok(second.stats.adaptReused > 0, "the loaded recipes' Caddyfiles come from the cache");
      // Its text changes: that one is adapted again.
      const caddyfile = join(ws, "lonely", "Caddyfile");
      writeFileSync(caddyfile, `${readFileSync(caddyfile, "utf8")}\n:81 {\n\trespond "ok"\n}\n`);
      const third = await analyzeCached({ recipes: ws }, file);
      assert.ok(third.stats.adaptRuns > 0 && third.stats.adaptRuns <= 2, `${third.stats.adaptRuns} runs`);
      const cold = await coldDir(ws, join(work, "cold-c"));
      sameTree(await runDir(join(work, "warm-c"), third.outcome), cold);
    } finally {
      removeDir(ws);
    }
  },
);

/** Every workspace the tests have: the examples and each rule's fixture workspace. */
function workspaces(): string[] {
  const rules = join(FIXTURES, "rules");
  return [EXAMPLES, ...RULES.map((r) => join(rules, r.meta.id, "workspace")).filter((d) => existsSync(d))];
}

test("each recipe-scope rule finds the same in a recipe alone as in the whole workspace", async () => {
  const recipeRules = RULES.filter((r) => r.meta.scope === "recipe");
  assert.ok(recipeRules.length > 10);
  let compared = 0;
  for (const root of workspaces()) {
    const ws = loadWorkspace(root, analysisConfig({ recipes: root }));
    await adaptCaddyfiles(ws);
    const whole = toFindings(runRules(ws, recipeRules, [], { scope: "recipe" }), ws.config);
    const alone = ws.recipes.flatMap((r) =>
      runRules(ws, recipeRules, [], { scope: "recipe", recipes: new Set([r.dir]) }),
    );
    const json = (xs: ReturnType<typeof toFindings>) => JSON.stringify(xs.map((x) => x.finding));
    assert.is(json(toFindings(alone, ws.config)), json(whole), root);
    compared += whole.length;
  }
  assert.ok(compared > 50, `${compared} findings compared`);
});

test.run();
