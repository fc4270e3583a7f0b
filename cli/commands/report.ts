import type { Command } from "commander";
import { relative } from "node:path";
import { writeReport } from "../../reports/html/render.js";
import { ruleDocs } from "../hooks.js";

export function register(program: Command): void {
  program
    .command("report")
    .description("(re)write report.html, the self-contained evidence report of a run directory")
    .argument("<run-dir>", "a run directory written by `redfix analyze` (and `redfix verify`)")
    .action(async (runDir: string) => {
      // The installed rules document themselves; redfix.sarif in the run directory may be older.
      const path = await writeReport(runDir, { rules: ruleDocs() });
      process.stdout.write(`report: ${relative(process.cwd(), path) || path}\n`);
    });
}
