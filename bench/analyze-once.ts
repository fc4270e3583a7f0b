/** One analyze run in its own process, as the CLI does it, reporting its own peak memory and CPU time. */
import { analyze } from "../pipeline/analyze.js";
import { writeRunDir } from "../reports/run-dir.js";

const [recipes, out] = process.argv.slice(2);
const r = await analyze({
  recipes: recipes!,
  ...(process.env.BENCH_HARNESS ? { harness: process.env.BENCH_HARNESS } : {}),
});
writeRunDir(
  out!,
  r.findings,
  r.rules.map((x) => x.meta),
  r.series,
  r.run,
);
process.stdout.write(
  JSON.stringify({
    findings: r.findings.length,
    patches: r.series.patches.length,
    maxRssKiB: process.resourceUsage().maxRSS,
    cpuMs: cpuMs(),
  }),
);

/** User + system time, start-up included: unlike wall time, it moves far less when other work shares the cores. */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return Math.round((user + system) / 1000);
}
