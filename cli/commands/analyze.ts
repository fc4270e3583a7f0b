import type { Command } from "commander";
import { Option } from "../commander.js";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { failsAt } from "../../core/finding.js";
import { analysisOutcome, cacheFile } from "../../pipeline/cache.js";
import { REPORT_FILE } from "../../reports/html/report-file.js";
import { renderText, terminalSafe, useColor } from "../../reports/text.js";
import { shown } from "../paths.js";

/**
 * What this module imports above is what a cache hit with an untouched run directory needs; the
 * analysis, the run-directory writer and report renderer, and each output format are loaded when used.
 */
export function register(program: Command): void {
  program
    .command("analyze")
    .description("find defects in recipes (and the harness), write findings, patches and the report")
    .argument("<recipes-dir>", "a folder of recipe folders, or one recipe folder")
    .option("--harness <dir>", "the CI harness to analyze with the recipes")
    .option("--out <dir>", "the run directory to write", ".redfix/run")
    .addOption(
      new Option("-f, --format <format>", "what to print")
        .choices(["text", "json", "sarif", "junit", "gitlab"])
        .default("text"),
    )
    .option("-o, --output-file <file>", "write what --format prints to this file instead of stdout")
    .option(
      "--sarif-per-repo <dir>",
      "also write one SARIF log per repository into <dir> (for code scanning)",
    )
    .option(
      "--fix",
      "write the patches into the working trees (git repositories only; a file with uncommitted changes is left alone)",
    )
    .option("--quiet", "print errors only (the run directory still has every finding)")
    .option("--baseline <file>", "findings recorded by `redfix baseline` are suppressed: only new ones count")
    .option("--rule <id>", "run only this rule (repeatable)", (v: string, acc: string[] = []) => [...acc, v])
    .option("--profile <name>", "rule profile: default, abra, or one from redfix.config.yaml")
    .option(
      "--config <file>",
      "config file (default: the first redfix.config.yaml in the current folder or above, else <recipes-dir>'s)",
    )
    .addOption(
      new Option("--fail-on <severity>", "lowest severity that makes the exit status 1").choices([
        "error",
        "warning",
        "info",
        "never",
      ]),
    )
    .option(
      "--report-unused-directives",
      "report redfix-disable-next-line comments that suppress nothing (exit status 1)",
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
        cwd: process.cwd(),
        ...(o.harness ? { harness: String(o.harness) } : {}),
        ...(o.config ? { config: String(o.config) } : {}),
        ...(o.profile ? { profile: String(o.profile) } : {}),
        rules: (o.rule as string[] | undefined) ?? [],
        ...(typeof o.backupHooks === "string" ? { options: { backupHooks: o.backupHooks } } : {}),
      };
      // As in ESLint, --cache-location alone does not turn the cache on.
      const { outcome: result, cached } = await analysisOutcome(
        opts,
        o.cache ? cacheFile(o.cacheLocation as string | undefined) : null,
      );
      // (?? []: a cache entry written before the field existed.)
      for (const line of result.config.ignored ?? []) process.stderr.write(`warning: ${line}\n`);
      const baselined = typeof o.baseline === "string";
      if (baselined) {
        const { applyBaseline, readBaseline } = await import("../../reports/baseline.js");
        applyBaseline(result.findings, readBaseline(o.baseline as string));
      }
      if (o.failOn) result.config.failOn = o.failOn as typeof result.config.failOn;
      const out = resolve(String(o.out));
      // A cached result already written to this run directory, untouched since: nothing to write
      // (unless a baseline marks some of its findings).
      const report = join(out, REPORT_FILE);
      if (baselined || !cached?.written(out)) {
        const { writeAnalysisOutput } = await import("../hooks.js");
        await writeAnalysisOutput(out, result);
        if (!baselined) cached?.wrote(out);
      }
      const file = typeof o.outputFile === "string" ? o.outputFile : null;
      const shownFindings = o.quiet ? result.findings.filter((f) => f.severity === "error") : result.findings;
      const metas = result.rules.map((r) => r.meta);
      let text: string;
      if (o.format === "json") {
        const { findingsDocument, renderJson } = await import("../../reports/json.js");
        text = renderJson(findingsDocument(shownFindings));
      } else if (o.format === "sarif") {
        const { renderSarif } = await import("../../reports/sarif.js");
        text = renderSarif(shownFindings, metas, result.run.roots);
      } else if (o.format === "junit") {
        const { renderJunit } = await import("../../reports/junit.js");
        text = renderJunit(shownFindings, result.config.failOn);
      } else if (o.format === "gitlab") {
        const { renderGitlab } = await import("../../reports/gitlab.js");
        text = renderGitlab(shownFindings, result.run.roots, process.cwd());
      } else {
        text = renderText(shownFindings, {
          color: !file && useColor(process.stdout),
          folders: {
            kinds: result.run.repos.filter((r) => r.kind !== "harness").map((r) => r.kind),
            skipped: result.run.skipped?.length ?? 0,
          },
        });
        for (const r of result.series.refused)
          text += `fix refused for ${r.findingId}: ${terminalSafe(r.reason)}\n`;
        text += `run directory: ${terminalSafe(shown(out))}  (findings.json, redfix.sarif, patches/)\n`;
        for (const u of result.upstream)
          text += `upstream issue draft: ${terminalSafe(shown(join(out, u.path)))}\n`;
        text += `report: ${terminalSafe(shown(report))}\n`;
      }
      if (typeof o.sarifPerRepo === "string") {
        const { sarifPerRepo } = await import("../../reports/sarif.js");
        mkdirSync(o.sarifPerRepo, { recursive: true });
        const logs = sarifPerRepo(result.findings, metas, result.run.roots, result.run.repos);
        for (const [name, log] of logs) writeFileSync(join(o.sarifPerRepo, name), log);
      }
      if (file) writeFileSync(file, text);
      else process.stdout.write(text);
      const unused = o.reportUnusedDirectives ? result.unusedDirectives : [];
      for (const line of unused) process.stderr.write(`${terminalSafe(line)}\n`);
      // With --fix, the findings whose patch was written no longer count (as after ESLint's --fix).
      const fixed = new Set<string>();
      if (o.fix) {
        const { fixWorkingTrees } = await import("../../apply/fix-worktree.js");
        for (const r of await fixWorkingTrees(result.series.patches)) {
          if (r.written) r.findingIds.forEach((id) => fixed.add(id));
          process.stderr.write(
            terminalSafe(r.written ? `fixed: ${r.patch}` : `not fixed: ${r.patch}: ${r.reason}`) + "\n",
          );
        }
      }
      const remaining = result.findings.filter((f) => !fixed.has(f.id));
      process.exitCode = failsAt(remaining, result.config.failOn) || unused.length > 0 ? 1 : 0;
    });
}
