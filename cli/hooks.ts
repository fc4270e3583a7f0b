/**
 * Steps that follow the writing of a run directory: the HTML report is rewritten after analyze and
 * verify. This module brings the rule registry and the report renderer: commands load it only when
 * they write (a cached `analyze` whose run directory is untouched does not).
 */
import { RULES } from "../pipeline/registry.js";
import { writeReport, writeReportWith } from "../reports/html/render.js";
import { patchTexts, writeRunDirAlongside } from "../reports/run-dir.js";
import type { CachedOutcome } from "../pipeline/cache.js";
import type { RuleDocs } from "../reports/html/render.js";

export function ruleDocs(): Record<string, RuleDocs> {
  const rules: Record<string, RuleDocs> = {};
  for (const r of RULES)
    rules[r.meta.id] = { name: r.meta.name, description: r.meta.description, docs: r.meta.docs };
  return rules;
}

export async function afterRunDirWritten(runDir: string): Promise<string> {
  return writeReport(runDir, { rules: ruleDocs() });
}

/**
 * The run directory and report.html of an analysis, as `analyze` writes them: the report is rendered
 * from the findings and patch texts in memory while the patch files are written.
 */
export async function writeAnalysisOutput(
  out: string,
  r: Pick<CachedOutcome, "findings" | "rules" | "series" | "run" | "upstream">,
): Promise<void> {
  const written = { findings: r.findings, patches: patchTexts(r.series) };
  await writeRunDirAlongside(
    out,
    r.findings,
    r.rules.map((x) => x.meta),
    r.series,
    r.run,
    r.upstream,
    (w) => writeReportWith(w, { rules: ruleDocs(), written }),
  );
}
