/** Steps that follow the writing of a run directory: the HTML report is rewritten after analyze and verify. */
import { relative } from "node:path";
import { RULES } from "../pipeline/registry.js";
import { writeReport } from "../reports/html/render.js";
import type { RuleDocs, WrittenRun } from "../reports/html/render.js";

export function ruleDocs(): Record<string, RuleDocs> {
  const rules: Record<string, RuleDocs> = {};
  for (const r of RULES)
    rules[r.meta.id] = { name: r.meta.name, description: r.meta.description, docs: r.meta.docs };
  return rules;
}

/** A path relative to the working directory when it is below it, absolute otherwise. */
export function shown(p: string): string {
  const r = relative(process.cwd(), p);
  return r === "" ? "." : r.startsWith("..") ? p : r;
}

/** `written`: what this process just wrote there (analyze), so the report need not read it back. */
export async function afterRunDirWritten(runDir: string, written?: WrittenRun): Promise<string> {
  return writeReport(runDir, { rules: ruleDocs(), ...(written ? { written } : {}) });
}
