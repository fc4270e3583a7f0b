/**
 * Test support for verify: an analysis written as a run directory, as `redfix analyze --out` does,
 * and the verify fixture (a recipe whose RF101 has targeted harness tests) laid out as git repos.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { analyze, type AnalyzeOptions, type AnalyzeResult } from "../../pipeline/analyze.js";
import { writeRunDir } from "../../reports/run-dir.js";
import { FIXTURES, removeDir, repoFrom, tempDir } from "./workspace.js";

/** Analyzes and writes the run directory `out`, as the CLI does; returns the analysis. */
export async function analyzeInto(out: string, opts: AnalyzeOptions): Promise<AnalyzeResult> {
  const r = await analyze(opts);
  writeRunDir(
    out,
    r.findings,
    r.rules.map((x) => x.meta),
    r.series,
    r.run,
  );
  return r;
}

export interface VerifyFixture {
  recipes: string;
  harness: string;
  /** The run directory, written. */
  out: string;
  result: AnalyzeResult;
  dispose(): void;
}

/**
 * The verify fixture's recipes and harness as git repos, `verify.tests` mapping sidekiq's RF101 to
 * `tests` (written into the recipes folder's config), analyzed with `rules` into a run directory.
 */
export async function verifyFixture(tests: string[], rules = ["RF101"]): Promise<VerifyFixture> {
  const recipes = repoFrom(join(FIXTURES, "verify", "recipes"));
  const harness = repoFrom(join(FIXTURES, "verify", "harness"));
  const out = tempDir();
  writeFileSync(
    join(recipes, "redfix.config.yaml"),
    [
      "verify:",
      "  tests:",
      "    RF101:sidekiq:",
      ...tests.map((t) => `      - ${JSON.stringify(t)}`),
      "",
    ].join("\n"),
  );
  const result = await analyzeInto(out, { recipes, harness, rules });
  return {
    recipes,
    harness,
    out,
    result,
    dispose: () => [recipes, harness, out].forEach(removeDir),
  };
}
