/**
 * One analyze run in its own process, as the CLI does it (analyze, run directory, report), reporting
 * its own peak memory and CPU time: `node dist/bench/analyze-once.js <recipes> <out> [<cache file>]`.
 * With a cache file it runs as `analyze --cache --cache-location <file>` does.
 */
import { writeAnalysisOutput } from "../cli/hooks.js";
import { analyze, outcomeOf, releaseAnalysis, type AnalyzeOptions } from "../pipeline/analyze.js";
import { analyzeCached } from "../pipeline/cache.js";

const [recipes, out, cacheFile] = process.argv.slice(2);
const opts: AnalyzeOptions = {
  recipes: recipes!,
  ...(process.env.BENCH_HARNESS ? { harness: process.env.BENCH_HARNESS } : {}),
};
const cached = cacheFile ? await analyzeCached(opts, cacheFile) : null;
const r = cached ? cached.outcome : outcomeOf(await analyze(opts));
// As the CLI does: the workspace model is collected before the run directory and report are built.
if (!cached?.hit) await releaseAnalysis();
if (!cached?.written(out!)) {
  await writeAnalysisOutput(out!, r);
  cached?.wrote(out!);
}
process.stdout.write(
  JSON.stringify({
    findings: r.findings.length,
    patches: r.series.patches.length,
    hit: cached?.hit ?? false,
    ...(cached ? { analyzed: cached.stats.analyzed.length } : {}),
    maxRssKiB: process.resourceUsage().maxRSS,
    cpuMs: cpuMs(),
  }),
);

/** User + system time, start-up included: unlike wall time, it moves far less when other work shares the cores. */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return Math.round((user + system) / 1000);
}
