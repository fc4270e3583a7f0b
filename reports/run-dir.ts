/** Writes the run directory (docs/run-directory.md): the hand-off between analyze, verify, report and apply. */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Finding } from "../analyzers/finding.js";
import type { RuleMeta } from "../analyzers/rule.js";
import type { PatchSeries } from "../codemods/series.js";
import { VERSION } from "../cli/version.js";
import { findingsDocument, renderJson } from "./json.js";
import { renderSarif } from "./sarif.js";

export interface RunInfo {
  tool: { name: "redfix"; version: string };
  roots: { recipes: string; harness: string | null };
  repos: { name: string; kind: "recipe" | "harness"; path: string }[];
}

export function writeRunDir(
  out: string,
  findings: Finding[],
  rules: RuleMeta[],
  series: PatchSeries,
  run: Omit<RunInfo, "tool">,
): void {
  mkdirSync(out, { recursive: true });
  // Only what analyze owns is replaced; verify records of an earlier run would describe other patches.
  for (const owned of ["patches", "verify"]) rmSync(join(out, owned), { recursive: true, force: true });
  writeFileSync(join(out, "findings.json"), renderJson(findingsDocument(findings)));
  writeFileSync(join(out, "redfix.sarif"), renderSarif(findings, rules));
  const info: RunInfo = { tool: { name: "redfix", version: VERSION }, ...run };
  writeFileSync(join(out, "run.json"), `${JSON.stringify(info, null, 2)}\n`);
  const perRepo = new Map<string, string[]>();
  for (const p of series.patches) {
    const dir = join(out, "patches", p.path.split("/")[1]!);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, p.name), p.content);
    perRepo.set(dir, [...(perRepo.get(dir) ?? []), p.name]);
  }
  for (const [dir, names] of perRepo) writeFileSync(join(dir, "series"), `${names.join("\n")}\n`);
}
