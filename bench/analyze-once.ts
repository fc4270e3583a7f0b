/** One analyze run in its own process, as the CLI does it, reporting its own peak memory. */
import { analyze } from "../cli/analyze.js";
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
  }),
);
