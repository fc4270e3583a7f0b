/**
 * One analyze run in its own process, reporting its own peak memory and CPU time:
 * - `node dist/bench/analyze-once.js <recipes> <out> [<cache file>]`: analyze, the run directory and
 *   report, through the functions `redfix analyze` calls (with a cache file, as `--cache
 *   --cache-location <file>` runs), printing the counts of findings and patches;
 * - `node dist/bench/analyze-once.js --cli <recipes> <out> <cache file>`: the CLI itself,
 *   `redfix analyze <recipes> --out <out> --cache --cache-location <file> --quiet`, its output to
 *   /dev/null: what a warm run costs a user, argument parsing and start-up included. `hit` then says
 *   the cache file was left as it was: the result came from the cache and the run directory was
 *   still what it wrote (a miss, or a run directory written again, saves the cache file).
 */
import { statSync } from "node:fs";
import type { AnalyzeOptions } from "../pipeline/analyze.js";
import { analysisOutcome } from "../pipeline/cache.js";

const args = process.argv.slice(2);
const cli = args[0] === "--cli";
const [recipes, out, cacheFile] = cli ? args.slice(1) : args;

if (cli) {
  const before = identity(cacheFile!);
  process.argv = [
    process.argv[0]!,
    "redfix",
    "analyze",
    recipes!,
    "--out",
    out!,
    "--cache",
    "--cache-location",
    cacheFile!,
    "--quiet",
    "--output-file",
    "/dev/null",
  ];
  // Its module runs the command line when loaded, and finishes when the command has.
  await import("../cli/main.js");
  const exitCode = process.exitCode;
  process.exitCode = 0;
  report({
    hit: before !== null && identity(cacheFile!) === before,
    exitCode,
  });
} else {
  const opts: AnalyzeOptions = {
    recipes: recipes!,
    ...(process.env.BENCH_HARNESS ? { harness: process.env.BENCH_HARNESS } : {}),
  };
  // As the CLI does.
  const { outcome: r, cached } = await analysisOutcome(opts, cacheFile ?? null);
  if (!cached?.written(out!)) {
    const { writeAnalysisOutput } = await import("../cli/hooks.js");
    await writeAnalysisOutput(out!, r);
    cached?.wrote(out!);
  }
  report({
    findings: r.findings.length,
    patches: r.series.patches.length,
    hit: cached?.hit ?? false,
    ...(cached ? { analyzed: cached.stats.analyzed.length } : {}),
  });
}

function report(fields: Record<string, unknown>): void {
  process.stdout.write(
    JSON.stringify({ ...fields, maxRssKiB: process.resourceUsage().maxRSS, cpuMs: cpuMs() }),
  );
}

/** A file's inode, size and mtime: a saved cache file is a new file renamed into place. */
function identity(file: string): string | null {
  const st = statSync(file, { throwIfNoEntry: false });
  return st ? `${st.ino}:${st.size}:${st.mtimeMs}` : null;
}

/** User + system time, start-up included: unlike wall time, it moves far less when other work shares the cores. */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return Math.round((user + system) / 1000);
}
