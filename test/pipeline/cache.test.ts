/**
 * The analyze cache: an unchanged workspace reuses the result (and an untouched run directory is not
 * written again); a changed file, git ref, config or option analyzes afresh, with the same result as
 * a run without the cache; a hit loads none of the analysis (seen by the modules the CLI resolves).
 * On the bundled examples, with real git repos.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { analyze, type AnalyzeOptions } from "../../pipeline/analyze.js";
import { ConfigError } from "../../load/config-file.js";
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

test("a symlink's target is an input; entries a run does not touch are written back intact", async () => {
  const file = join(work, "link.cache");
  const link = join(ws, "discourse", "notes-link");
  symlinkSync("README.md", link);
  try {
    assert.is((await analyzeCached({ recipes: ws }, file)).hit, false);
    assert.is((await analyzeCached({ recipes: ws }, file)).hit, true);
    rmSync(link);
    symlinkSync("compose.yml", link);
    assert.is((await analyzeCached({ recipes: ws }, file)).hit, false, "a re-pointed symlink is a change");
  } finally {
    rmSync(link, { force: true });
  }
  // Two entries; recording a run directory for one rewrites the file with the other's body as read.
  const all = await analyzeCached({ recipes: ws }, file);
  const one = await analyzeCached({ recipes: ws, rules: ["RF101"] }, file);
  assert.is(one.hit, false);
  const hit = await analyzeCached({ recipes: ws }, file);
  assert.is(hit.hit, true);
  const dir = join(work, "recorded");
  mkdirSync(dir, { recursive: true });
  hit.wrote(dir);
  const again = await analyzeCached({ recipes: ws, rules: ["RF101"] }, file);
  assert.is(again.hit, true);
  assert.is(shape(again.outcome), shape(one.outcome));
  const recorded = await analyzeCached({ recipes: ws }, file);
  assert.is(recorded.hit, true);
  assert.ok(recorded.written(dir), "the recorded run directory is in the rewritten head");
  assert.is(shape(recorded.outcome), shape(all.outcome));
  // The file is ASCII whatever the findings hold: it is read without decoding.
  assert.not.ok(readFileSync(file).some((b) => b > 0x7f));
});

test("a broken or foreign cache file is ignored and replaced", async () => {
  const file = join(work, "broken");
  writeFileSync(file, "{ not json");
  assert.is((await analyzeCached({ recipes: ws }, file)).hit, false);
  assert.is((await analyzeCached({ recipes: ws }, file)).hit, true);
  writeFileSync(file, JSON.stringify({ format: 999, entries: {} }));
  assert.is((await analyzeCached({ recipes: ws }, file)).hit, false);
  // The head intact, the entry's body valid JSON of another shape (a file edited or damaged on disk):
  // a miss with the fresh result, not a crash and not a result read from it.
  assert.is((await analyzeCached({ recipes: ws }, file)).hit, true);
  const bytes = readFileSync(file, "latin1");
  const nl = bytes.indexOf("\n");
  const head = JSON.parse(bytes.slice(0, nl)) as { entries: Record<string, { at: [number, number] }> };
  const [entry] = Object.values(head.entries);
  const body = bytes.slice(nl + 1);
  const [from, to] = entry!.at;
  const other = JSON.stringify({ result: {}, recipes: [], rest: null }).padEnd(to - from, " ");
  writeFileSync(file, `${bytes.slice(0, nl + 1)}${body.slice(0, from)}${other}${body.slice(to)}`, "latin1");
  const damaged = await analyzeCached({ recipes: ws }, file);
  assert.is(damaged.hit, false);
  assert.is(shape(damaged.outcome), await fresh());
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

test("the config file is part of the key: the one found from the working folder, its bytes, its place, --config", async () => {
  const recipes = repoFrom(EXAMPLES);
  const home = join(work, "home");
  mkdirSync(home, { recursive: true });
  const file = join(work, "config.cache");
  const run = (extra: Partial<AnalyzeOptions> = {}) => analyzeCached({ recipes, cwd: home, ...extra }, file);
  try {
    assert.is((await run()).hit, false);
    assert.is((await run()).hit, true);
    // Another working folder that finds no config either gives the same result: a hit.
    assert.is((await run({ cwd: join(work, "elsewhere") })).hit, true);
    const config = join(home, "redfix.config.yaml");
    writeFileSync(config, "failOn: never\n");
    const found = await run();
    assert.is(found.hit, false, "a config found from the working folder is an input");
    assert.is(found.outcome.config.failOn, "never");
    assert.is((await run()).hit, true);
    writeFileSync(config, "failOn: error\n");
    const edited = await run();
    assert.is(edited.hit, false, "its bytes are an input");
    assert.is(edited.outcome.config.failOn, "error");
    // The same bytes, in a folder that has become a recipe's: no longer trusted to raise the threshold.
    writeFileSync(join(home, "compose.yml"), "services: {}\n");
    const untrusted = await run();
    assert.is(untrusted.hit, false, "whether it lies in a recipe folder is an input");
    assert.is(untrusted.outcome.config.failOn, "warning");
    assert.is(untrusted.outcome.config.ignored.length, 1);
    const other = join(work, "other.yaml");
    writeFileSync(other, "failOn: info\n");
    const named = await run({ config: other });
    assert.is(named.hit, false, "--config names another file");
    assert.is(named.outcome.config.failOn, "info");
    assert.is((await run({ config: other })).hit, true);
    // A --config that does not exist fails as it does without the cache.
    let error: unknown = null;
    await run({ config: join(work, "missing.yaml") }).catch((e: unknown) => (error = e));
    assert.instance(error, ConfigError);
  } finally {
    removeDir(recipes);
  }
});

/** What of redfix and its packages a CLI run loads, by path below the package root. */
function cliModules(args: string[]): { status: number | null; stdout: string; modules: string[] } {
  const hooks = join(work, "module-hooks.mjs");
  writeFileSync(
    hooks,
    `import { appendFileSync } from "node:fs";
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(process.env.REDFIX_TEST_MODULES, resolved.url + "\\n");
  return resolved;
}
`,
  );
  const register = join(work, "module-register.mjs");
  writeFileSync(
    register,
    `import { register } from "node:module";\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`,
  );
  const log = join(work, `modules-${Math.random().toString(36).slice(2)}.log`);
  const r = spawnSync(process.execPath, ["--import", pathToFileURL(register).href, BIN, ...args], {
    encoding: "utf8",
    env: { ...process.env, REDFIX_TEST_MODULES: log },
  });
  const modules = readFileSync(log, "utf8")
    .split("\n")
    .filter((url) => url.startsWith("file:"))
    .map((url) => relative(process.cwd(), fileURLToPath(url)));
  return { status: r.status, stdout: r.stdout, modules: [...new Set(modules)].sort() };
}

/** The analysis and everything only writing or other commands need. */
const HEAVY =
  /^dist\/(analyzers|codemods|harness|swarm|verify|apply)\/|^dist\/pipeline\/(registry|analyze|cache-miss|check)\.js$|^dist\/load\/(config|workspace)\.js$|^dist\/reports\/(html\/render|run-dir)\.js$|^node_modules\/(yaml|handlebars|execa|picomatch|diff)\//;

test("a hit loads none of the analysis (rules, codemods, yaml, the report renderer), nor does --help", () => {
  const args = [
    "analyze",
    ws,
    "--out",
    join(work, "lean-run"),
    "--cache",
    "--cache-location",
    join(work, "lean"),
  ];
  const miss = cliModules(args);
  // The probe sees what a run loads: a miss loads the registry and yaml.
  assert.ok(miss.modules.includes("dist/pipeline/registry.js"), miss.modules.join(" "));
  assert.ok(miss.modules.some((m) => m.startsWith("node_modules/yaml/")));
  const hit = cliModules(args);
  assert.is(hit.stdout, miss.stdout);
  assert.is(hit.status, miss.status);
  assert.ok(hit.modules.includes("dist/pipeline/cache.js"));
  assert.equal(
    hit.modules.filter((m) => HEAVY.test(m)),
    [],
  );
  const help = cliModules(["--help"]);
  assert.is(help.status, 0);
  assert.match(help.stdout, /analyze/);
  assert.equal(
    help.modules.filter((m) => HEAVY.test(m)),
    [],
  );
});

test.run();
