import type { Command } from "commander";
import { relative } from "node:path";
import { RULES } from "../../analyzers/index.js";
import { writeReport, type RuleDocs } from "../../reports/html/render.js";

export function register(program: Command): void {
  program
    .command("report")
    .description("(re)write report.html, the self-contained evidence report of a run directory")
    .argument("<run-dir>", "a run directory written by `redfix analyze` (and `redfix verify`)")
    .action(async (runDir: string) => {
      // The installed rules document themselves; redfix.sarif in the run directory may be older.
      const rules: Record<string, RuleDocs> = {};
      for (const r of RULES)
        rules[r.meta.id] = { name: r.meta.name, description: r.meta.description, docs: r.meta.docs };
      const path = await writeReport(runDir, { rules });
      process.stdout.write(`report: ${relative(process.cwd(), path) || path}\n`);
    });
}
