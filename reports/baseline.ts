/**
 * A baseline: the findings a project already has, recorded by `redfix baseline` so that CI fails only
 * on new ones (`redfix analyze --baseline <file>`). Matched by the finding id, a fingerprint of rule,
 * recipe, file and what the finding is about, not its line: edits elsewhere in the file keep it.
 */
import { readFileSync } from "node:fs";
import type { Finding } from "../core/finding.js";
import { VERSION } from "../core/package.js";

export interface Baseline {
  version: 1;
  tool: { name: "redfix"; version: string };
  /** Sorted by id; rule, recipe and file only for a person reading it. */
  findings: { id: string; rule: string; recipe: string; file: string }[];
}

export function renderBaseline(findings: Finding[]): string {
  const doc: Baseline = {
    version: 1,
    tool: { name: "redfix", version: VERSION },
    findings: findings
      .filter((f) => !f.suppressed)
      .map((f) => ({ id: f.id, rule: f.rule, recipe: f.recipe, file: f.file }))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

export class BaselineError extends Error {}

/** The ids a baseline file holds; a file that is not one is an error, not an empty baseline. */
export function readBaseline(path: string): Set<string> {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new BaselineError(`--baseline ${path}: ${(e as Error).message}`);
  }
  const list = (doc as Partial<Baseline> | null)?.findings;
  if ((doc as Partial<Baseline> | null)?.version !== 1 || !Array.isArray(list))
    throw new BaselineError(`--baseline ${path}: not a redfix baseline (write one with \`redfix baseline\`)`);
  return new Set(list.map((f) => String((f as { id?: unknown }).id)));
}

/** Marks the findings the baseline holds as suppressed (kind "baseline"): they stay in the output. */
export function applyBaseline(findings: Finding[], ids: Set<string>): number {
  let n = 0;
  for (const f of findings) {
    if (f.suppressed || !ids.has(f.id)) continue;
    f.suppressed = { kind: "baseline", reason: "in the baseline" };
    n++;
  }
  return n;
}
