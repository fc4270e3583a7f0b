import { writeFileSync } from "node:fs";
import type { Command } from "commander";

export function register(program: Command): void {
  program
    .command("baseline")
    .description("record the current findings, so that `analyze --baseline <file>` fails only on new ones")
    .argument("<recipes-dir>", "a folder of recipe folders, or one recipe folder")
    .option("--harness <dir>", "the CI harness to analyze with the recipes")
    .option("--config <file>", "config file (default: as for analyze)")
    .option(
      "--rule <id>",
      "record only this rule's findings (repeatable)",
      (v: string, acc: string[] = []) => [...acc, v],
    )
    .option("-o, --output-file <file>", "where to write it", "redfix-baseline.json")
    .action(
      async (dir: string, o: { harness?: string; config?: string; rule?: string[]; outputFile: string }) => {
        const { analyze } = await import("../../pipeline/analyze.js");
        const { renderBaseline } = await import("../../reports/baseline.js");
        const result = await analyze({
          recipes: dir,
          cwd: process.cwd(),
          ...(o.harness ? { harness: o.harness } : {}),
          ...(o.config ? { config: o.config } : {}),
          rules: o.rule ?? [],
        });
        const text = renderBaseline(result.findings);
        writeFileSync(o.outputFile, text);
        const n = result.findings.filter((f) => !f.suppressed).length;
        process.stdout.write(`${n} ${n === 1 ? "finding" : "findings"} recorded in ${o.outputFile}\n`);
      },
    );
}
