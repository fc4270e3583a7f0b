/**
 * `review.json` in a run directory: a reviewer's decision on each patch, keyed by the patch path as
 * findings.json names it (`patches/<repo>/<file>`). Written by `redfix review` or exported from the
 * HTML report; read by `redfix apply`, which then takes only the accepted patches.
 *
 * A decision may carry the sha256 of the patch it was made on: when `redfix analyze` later writes a
 * different patch under the same name, that decision no longer counts (the patch is undecided).
 */
import { createHash } from "node:crypto";
import { readFileSync, renameSync } from "node:fs";
import { RunDirWriter } from "./run-dir.js";
import { join } from "node:path";
import { RunDirError } from "./read-run-dir.js";

export const REVIEW_FILE = "review.json";
export const DECISIONS = ["accept", "reject", "defer"] as const;
export type Decision = (typeof DECISIONS)[number];

export interface PatchDecision {
  decision: Decision;
  by: string;
  note: string;
  /** sha256 (hex) of the patch file the decision was made on. */
  sha256?: string;
}

export interface Review {
  decisions: Record<string, PatchDecision>;
}

/** The review of a run directory, or null when it has none. A malformed file is a usage error. */
export function readReview(runDir: string): Review | null {
  const file = join(runDir, REVIEW_FILE);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new RunDirError(`${file}: ${(e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new RunDirError(`${file} is not valid JSON: ${(e as Error).message}`);
  }
  const problems = validateReview(json);
  if (problems.length > 0) throw new RunDirError(`${file}: ${problems.join("; ")}`);
  return json as Review;
}

/** What is wrong with a parsed review.json; empty when it is valid. */
export function validateReview(json: unknown): string[] {
  if (!isObject(json) || !isObject(json.decisions)) return ['expected { "decisions": { … } }'];
  const problems: string[] = [];
  for (const [path, d] of Object.entries(json.decisions)) {
    if (!/^patches\/[^/]+\/[^/]+\.patch$/.test(path)) {
      problems.push(`${JSON.stringify(path)} is not a patch path (patches/<repo>/<file>.patch)`);
      continue;
    }
    if (!isObject(d) || !DECISIONS.includes(d.decision as Decision)) {
      problems.push(`${path}: decision must be one of ${DECISIONS.join(", ")}`);
      continue;
    }
    if (typeof d.by !== "string" || typeof d.note !== "string")
      problems.push(`${path}: "by" and "note" must be strings`);
    if (d.sha256 !== undefined && (typeof d.sha256 !== "string" || !/^[0-9a-f]{64}$/.test(d.sha256)))
      problems.push(`${path}: sha256 must be 64 lowercase hex digits`);
  }
  return problems;
}

/** Keys sorted, two-space indent, final newline: the same decisions give the same bytes. */
export function writeReview(runDir: string, review: Review): string {
  const file = join(runDir, REVIEW_FILE);
  const decisions: Record<string, PatchDecision> = {};
  for (const key of Object.keys(review.decisions).sort()) {
    const d = review.decisions[key]!;
    decisions[key] = {
      decision: d.decision,
      by: d.by,
      note: d.note,
      ...(d.sha256 ? { sha256: d.sha256 } : {}),
    };
  }
  // Through the run directory's writer: no link is followed, and the file goes into the manifest.
  const w = new RunDirWriter(runDir, { create: false });
  const tmp = w.write(`${REVIEW_FILE}.tmp`, () => [`${JSON.stringify({ decisions }, null, 2)}\n`]);
  renameSync(tmp, w.claim(REVIEW_FILE));
  w.remove(`${REVIEW_FILE}.tmp`);
  w.save();
  return file;
}

export function patchDigest(absPath: string): string {
  return createHash("sha256").update(readFileSync(absPath)).digest("hex");
}

/** The decision that holds for a patch now: none when absent or made on other patch bytes. */
export function decisionFor(review: Review, relPath: string, absPath: string): PatchDecision | null {
  const d = review.decisions[relPath];
  if (!d) return null;
  if (d.sha256 && d.sha256 !== patchDigest(absPath)) return null;
  return d;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
