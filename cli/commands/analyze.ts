import type { Command } from "commander";
import { Option } from "commander";
import { join, resolve } from "node:path";
import { analyze, failed } from "../../pipeline/analyze.js";
import { analyzeCached, cacheFile, outcomeOf } from "../../pipeline/cache.js";
import { findingsDocument, renderJson } from "../../reports/json.js";
import { REPORT_FILE } from "../../reports/html/render.js";
import { writeRunDir } from "../../reports/run-dir.js";
import { renderSarif } from "../../reports/sarif.js";
import { renderText, terminalSafe, useColor } from "../../reports/text.js";
import { afterRunDirWritten, shown } from "../hooks.js";

export function register(program: Command): void {
  program
    .command("analyze")
    .description("find defects in recipes (and the harness), write findings, patches and the report")
    .argument("<recipes-dir>", "a folder of recipe folders, or one recipe folder")
    .option("--harness <dir>", "the CI harness to analyze with the recipes")
    .option("--out <dir>", "the run directory to write", ".redfix/run")
    .addOption(
      new Option("--format <format>", "what to print").choices(["text", "json", "sarif"]).default("text"),
    )
    .option("--rule <id>", "run only this rule (repeatable)", (v: string, acc: string[]) => [...acc, v], [])
    .option("--profile <name>", "rule profile: default, abra, or one from redfix.config.yaml")
    .option("--config <file>", "config file (default: <recipes-dir>/redfix.config.yaml)")
    .addOption(
      new Option("--fail-on <severity>", "lowest severity that makes the exit status 1").choices([
        "error",
        "warning",
        "info",
        "never",
      ]),
    )
    .addOption(
      new Option(
        "--backup-hooks <style>",
        "style of generated database backup hooks: a mounted hook script, or inline labels",
      ).choices(["script", "inline"]),
    )
    .option("--cache", "reuse the last result when no input, config or redfix itself changed")
    .option("--cache-location <path>", "the cache file, or a folder to hold it (default: ./.redfixcache)")
    .action(async (dir: string, o: Record<string, unknown>) => {
      const opts = {
        recipes: dir,
        ...(o.harness ? { harness: String(o.harness) } : {}),
        ...(o.config ? { config: String(o.config) } : {}),
        ...(o.profile ? { profile: String(o.profile) } : {}),
        rules: o.rule as string[],
        ...(typeof o.backupHooks === "string" ? { options: { backupHooks: o.backupHooks } } : {}),
      };
      // As in ESLint, --cache-location alone does not turn the cache on.
      const cached = o.cache
        ? await analyzeCached(opts, cacheFile(o.cacheLocation as string | undefined))
        : null;
      const result = cached ? cached.outcome : outcomeOf(await analyze(opts));
      if (o.failOn) result.config.failOn = o.failOn as typeof result.config.failOn;
      const out = resolve(String(o.out));
      // A cached result already written to this run directory, untouched since: nothing to write.
      const report = join(out, REPORT_FILE);
      if (!cached?.written(out)) {
        writeRunDir(
          out,
          result.findings,
          result.rules.map((r) => r.meta),
          result.series,
          result.run,
          result.upstream,
        );
        await afterRunDirWritten(out);
        cached?.wrote(out);
      }
      if (o.format === "json") process.stdout.write(renderJson(findingsDocument(result.findings)));
      else if (o.format === "sarif")
        process.stdout.write(
          renderSarif(
            result.findings,
            result.rules.map((r) => r.meta),
          ),
        );
      else {
        process.stdout.write(
          renderText(result.findings, {
            color: useColor(process.stdout),
            folders: {
              kinds: result.run.repos.filter((r) => r.kind !== "harness").map((r) => r.kind),
              skipped: result.run.skipped?.length ?? 0,
            },
          }),
        );
        for (const r of result.series.refused)
          process.stdout.write(`fix refused for ${r.findingId}: ${terminalSafe(r.reason)}\n`);
        process.stdout.write(
          `run directory: ${terminalSafe(shown(out))}  (findings.json, redfix.sarif, patches/)\n`,
        );
        for (const u of result.upstream)
          process.stdout.write(`upstream issue draft: ${terminalSafe(shown(join(out, u.path)))}\n`);
        process.stdout.write(`report: ${terminalSafe(shown(report))}\n`);
      }
      process.exitCode = failed(result.findings, result.config.failOn) ? 1 : 0;
    });
}
