import type { Command } from "commander";
import { RULES, findRule } from "../../analyzers/index.js";
import { UsageError } from "../analyze.js";

export function register(program: Command): void {
  program
    .command("rules")
    .description("list the rules, or document one")
    .argument("[id]", "a rule id, e.g. RF101")
    .action((id?: string) => {
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
      if (!r) throw new UsageError(`unknown rule ${id} (see \`redfix rules\`)`);
      const m = r.meta;
      process.stdout.write(
        `${m.id} ${m.name}\n\n${m.description}\n\nseverity: ${m.severity}   target: ${m.target}   ` +
          `classification: ${m.classification}   fixable: ${m.fixable ? "yes" : "no"}\n\n${m.docs}\n`,
      );
    });
}
