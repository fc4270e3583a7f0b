import type { Command } from "commander";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CliUsageError } from "../errors.js";

export function register(program: Command): void {
  program
    .command("rules")
    .description("list the rules, or document one")
    .argument("[id]", "a rule id, as `redfix rules` lists them")
    .option("--write-docs <dir>", "write one markdown page per rule, and an index, into <dir>")
    .action(async (id: string | undefined, o: { writeDocs?: string }) => {
      const { RULES, findRule } = await import("../../pipeline/registry.js");
      const { ruleDocPage, ruleIndexPage } = await import("../../reports/rule-docs.js");
      if (o.writeDocs) {
        mkdirSync(o.writeDocs, { recursive: true });
        for (const r of RULES) writeFileSync(join(o.writeDocs, `${r.meta.id}.md`), ruleDocPage(r.meta));
        writeFileSync(join(o.writeDocs, "README.md"), ruleIndexPage(RULES.map((r) => r.meta)));
        process.stdout.write(`${RULES.length} rule pages written to ${o.writeDocs}\n`);
        return;
      }
      if (!id) {
        for (const r of RULES) {
          const fix = r.meta.fixable ? "fix" : "   ";
          process.stdout.write(
            `${r.meta.id.padEnd(6)} ${r.meta.severity.padEnd(7)} ${fix}  ${r.meta.description}\n`,
          );
        }
        return;
      }
      const r = findRule(id);
      if (!r) throw new CliUsageError(`unknown rule ${id} (see \`redfix rules\`)`);
      process.stdout.write(ruleDocPage(r.meta));
    });
}
