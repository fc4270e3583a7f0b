import type { Command } from "commander";
import { relative } from "node:path";

export function register(program: Command): void {
  program
    .command("report")
    .description("(re)write report.html, the self-contained evidence report of a run directory")
    .argument("<run-dir>", "a run directory written by `redfix analyze` (and `redfix verify`)")
    .option(
      "--date",
      "show today's date (UTC) in the run details; without it the same run gives the same bytes",
    )
    .action(async (runDir: string, o: { date?: boolean }) => {
      const { writeReport } = await import("../../reports/html/render.js");
      const { ruleDocs } = await import("../hooks.js");
      // The installed rules document themselves; redfix.sarif in the run directory may be older.
      const path = await writeReport(runDir, {
        rules: ruleDocs(),
        ...(o.date ? { date: new Date().toISOString().slice(0, 10) } : {}),
      });
      process.stdout.write(`report: ${relative(process.cwd(), path) || path}\n`);
    });
}
