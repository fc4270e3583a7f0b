/** Writes the run directory (docs/run-directory.md): the hand-off between analyze, verify, report and apply. */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { isInside } from "../load/workspace.js";
import type { Finding } from "../analyzers/finding.js";
import type { RuleMeta } from "../analyzers/rule.js";
import type { PatchSeries } from "../codemods/series.js";
import { VERSION } from "../cli/version.js";
import { findingsDocument, renderJson } from "./json.js";
import { renderSarif } from "./sarif.js";

export interface RunInfo {
  tool: { name: "redfix"; version: string };
  roots: { recipes: string; harness: string | null };
  /** The rules that ran (after profile, config and --rule), so later steps re-check with the same set. */
  rules: string[];
  repos: { name: string; kind: "recipe" | "harness"; path: string }[];
}

export function writeRunDir(
  out: string,
  findings: Finding[],
  rules: RuleMeta[],
  series: PatchSeries,
  run: Omit<RunInfo, "tool">,
  upstream: { path: string; text: string }[] = [],
): void {
  mkdirSync(out, { recursive: true });
  // Verify records and issue drafts of an earlier run would describe other findings.
  rmSync(join(out, "verify"), { recursive: true, force: true });
  rmSync(join(out, "upstream"), { recursive: true, force: true });
  for (const u of upstream) {
    const file = join(out, u.path);
    if (!isInside(out, file)) continue;
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, u.text);
  }
  writeIfChanged(join(out, "findings.json"), renderJson(findingsDocument(findings)));
  writeIfChanged(join(out, "redfix.sarif"), renderSarif(findings, rules));
  const info: RunInfo = { tool: { name: "redfix", version: VERSION }, ...run };
  writeIfChanged(join(out, "run.json"), `${JSON.stringify(info, null, 2)}\n`);
  writePatches(join(out, "patches"), series);
}

/**
 * Writes `patches/<repo>/` and removes what an earlier run left there; removing only stale files is
 * much cheaper than deleting and recreating thousands of patches on every run.
 */
function writePatches(dir: string, series: PatchSeries): void {
  const wanted = new Map<string, string[]>();
  for (const p of series.patches) {
    const repoDir = p.path.split("/")[1]!;
    wanted.set(repoDir, [...(wanted.get(repoDir) ?? []), p.name]);
  }
  for (const stale of listDir(dir)) {
    if (!wanted.has(stale)) rmSync(join(dir, stale), { recursive: true, force: true });
  }
  for (const [repoDir, names] of wanted) {
    const d = join(dir, repoDir);
    mkdirSync(d, { recursive: true });
    const keep = new Set([...names, "series"]);
    for (const f of listDir(d)) if (!keep.has(f)) rmSync(join(d, f), { recursive: true, force: true });
    writeIfChanged(join(d, "series"), `${names.join("\n")}\n`);
  }
  for (const p of series.patches) writeIfChanged(join(dir, p.path.split("/")[1]!, p.name), p.content);
}

/**
 * Re-running analyze into the same run directory mostly produces the same bytes. Truncating and
 * rewriting a file costs far more than reading it (ext4 forces the new blocks out on close: about a
 * millisecond a file, seconds for thousands of patches), so unchanged files are left alone.
 */
function writeIfChanged(file: string, text: string): void {
  let old: string | null = null;
  try {
    old = readFileSync(file, "utf8");
  } catch {
    old = null;
  }
  if (old !== text) writeFileSync(file, text);
}

function listDir(d: string): string[] {
  try {
    return readdirSync(d);
  } catch {
    return [];
  }
}
