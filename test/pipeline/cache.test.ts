/**
 * The analyze cache: an unchanged workspace reuses the result (and an untouched run directory is not
 * written again); a changed file, git ref, config or option analyzes afresh, with the same result as
 * a run without the cache. On the bundled examples, with real git repos.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { analyze } from "../../pipeline/analyze.js";
import { analyzeCached, cacheFile, DEFAULT_CACHE_FILE } from "../../pipeline/cache.js";
import { git, removeDir, repoFrom, tempDir } from "../support/workspace.js";

const EXAMPLES = join(process.cwd(), "examples", "recipes");
const BIN = join(process.cwd(), "dist", "cli", "main.js");

let ws: string;
let work: string;
test.before(() => {
  ws = repoFrom(EXAMPLES);
  work = tempDir();
});
test.after(() => {
  removeDir(ws);
  removeDir(work);
});

/** Findings and patches as the run directory writes them: what a cached result must reproduce. */
async function fresh(): Promise<string> {
  const r = await analyze({ recipes: ws });
  return JSON.stringify({ findings: r.findings, patches: r.series.patches, upstream: r.upstream });
}
function shape(o: { findings: unknown; series: { patches: unknown }; upstream: unknown }): string {
  return JSON.stringify({ findings: o.findings, patches: o.series.patches, upstream: o.upstream });
}

test("a second run on an unchanged workspace is a hit with the same result as a run without the cache", async () => {
  const file = join(work, "a", DEFAULT_CACHE_FILE);
  const first = await analyzeCached({ recipes: ws }, file);
  assert.is(first.hit, false);
  assert.ok(existsSync(file), "the cache file is written");
  const second = await analyzeCached({ recipes: ws }, file);
  assert.is(second.hit, true);
  const expected = await fresh();
  assert.ok(expected.includes('"findings":[{'), "the examples have findings");
  assert.is(shape(second.outcome), expected);
  assert.is(shape(first.outcome), expected);
  assert.equal(
    second.outcome.rules.map((r) => r.meta.id),
    first.outcome.rules.map((r) => r.meta.id),
  );
});

test("a changed file, a new git tag, a config or an option change each analyze afresh", async () => {
  const file = join(work, "b.json");
  assert.is((await analyzeCached({ recipes: ws }, file)).hit, false);
  assert.is((await analyzeCached({ recipes: ws }, file)).hit, true);

  const compose = join(ws, "discourse", "compose.yml");
  const before = readFileSync(compose, "utf8");
  writeFileSync(compose, `${before}\n# a comment\n`);
  const changed = await analyzeCached({ recipes: ws }, file);
  assert.is(changed.hit, false);
  assert.is(shape(changed.outcome), await fresh());
  // Back to the old bytes: the key is the contents, not the time, so the old result is valid again
  // only after a run of it (one entry per workspace): a miss, then a hit.
  writeFileSync(compose, before);
  assert.is((await analyzeCached({ recipes: ws }, file)).hit, false);
  assert.is((await analyzeCached({ recipes: ws }, file)).hit, true);

  git(join(ws, "discourse"), "tag", "0.1.0+1.0.0");
  const tagged = await analyzeCached({ recipes: ws }, file);
  assert.is(tagged.hit, false, "a new tag is a new input (R006/R014 read tags)");
  assert.is(shape(tagged.outcome), await fresh());

  writeFileSync(join(ws, "redfix.config.yaml"), "failOn: never\n");
  const configured = await analyzeCached({ recipes: ws }, file);
  assert.is(configured.hit, false);
  assert.is(configured.outcome.config.failOn, "never");

  // Another caddy on PATH (installed, upgraded or removed) is another input.
  const bin = join(work, "bin");
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, "caddy"), "#!/bin/sh\nexit 1\n", { mode: 0o755 });
  const path = process.env.PATH;
  process.env.PATH = `${bin}:${path}`;
  try {
    assert.is((await analyzeCached({ recipes: ws }, file)).hit, false);
    assert.is((await analyzeCached({ recipes: ws }, file)).hit, true);
  } finally {
    process.env.PATH = path;
  }
  assert.is((await analyzeCached({ recipes: ws }, file)).hit, false);

  assert.is((await analyzeCached({ recipes: ws, rules: ["RF101"] }, file)).hit, false);
  assert.is((await analyzeCached({ recipes: ws, profile: "abra" }, file)).hit, false);
  // Each workspace and option set keeps its own entry.
  assert.is((await analyzeCached({ recipes: ws, rules: ["RF101"] }, file)).hit, true);
  assert.is((await analyzeCached({ recipes: ws }, file)).hit, true);
});

test("a broken or foreign cache file is ignored and replaced", async () => {
  const file = join(work, "broken");
  writeFileSync(file, "{ not json");
  assert.is((await analyzeCached({ recipes: ws }, file)).hit, false);
  assert.is((await analyzeCached({ recipes: ws }, file)).hit, true);
  writeFileSync(file, JSON.stringify({ format: 999, entries: {} }));
  assert.is((await analyzeCached({ recipes: ws }, file)).hit, false);
});

test("--cache-location names a file or a folder", () => {
  assert.is(cacheFile(join(work, "x.cache")), join(work, "x.cache"));
  assert.is(cacheFile(work), join(work, DEFAULT_CACHE_FILE));
  assert.is(cacheFile(`${join(work, "new-dir")}/`), join(work, "new-dir", DEFAULT_CACHE_FILE));
  assert.is(cacheFile(undefined), join(process.cwd(), DEFAULT_CACHE_FILE));
});

test("the CLI: a cached run prints the same, and leaves an untouched run directory as it is", () => {
  const out = join(work, "run");
  const loc = join(work, "cli-cache");
  const run = (...extra: string[]) =>
    spawnSync(process.execPath, [BIN, "analyze", ws, "--out", out, ...extra], { encoding: "utf8" });
  const plain = run();
  const cold = run("--cache", "--cache-location", `${loc}/`);
  assert.ok(existsSync(join(loc, DEFAULT_CACHE_FILE)));
  const report = join(out, "report.html");
  const written = statSync(report).mtimeMs;
  const html = readFileSync(report, "utf8");
  const warm = run("--cache", "--cache-location", `${loc}/`);
  assert.is(warm.status, plain.status);
  assert.is(warm.stdout, plain.stdout);
  assert.is(cold.stdout, plain.stdout);
  assert.is(statSync(report).mtimeMs, written, "report.html was not rewritten");
  // A run directory changed since (verify rewrites the report) is written again, to the same bytes.
  writeFileSync(report, "changed");
  const again = run("--cache", "--cache-location", `${loc}/`);
  assert.is(again.stdout, plain.stdout);
  assert.is(readFileSync(report, "utf8"), html);
  // A --fail-on of one run is not stored with the result (the workspace's config says never).
  assert.is(plain.status, 0);
  writeFileSync(report, "changed"); // so that this run writes the run directory and saves the cache
  assert.is(run("--cache", "--cache-location", `${loc}/`, "--fail-on", "error").status, 1);
  assert.is(run("--cache", "--cache-location", `${loc}/`).status, 0);
  // Without --cache, --cache-location does nothing.
  const other = join(work, "unused");
  run("--cache-location", other);
  assert.not.ok(existsSync(other));
});

test.run();
