/**
 * Which patches of a run `redfix apply` (and `redfix review`) work on: a selection by finding, patch,
 * recipe and rule (as `redfix verify` selects), then, when the run directory has a `review.json`, only
 * the accepted ones.
 */
import { decisionFor, readReview, REVIEW_FILE } from "../reports/review.js";
import type { Decision } from "../reports/review.js";
import type { SeriesPatch } from "./run-dir.js";

export interface Selection {
  /** Finding ids or id prefixes. */
  findings?: string[];
  /** `<repo>/<file>` or `patches/<repo>/<file>`. */
  patches?: string[];
  recipes?: string[];
  rules?: string[];
}

/** A selection value that matches no patch: a usage error (exit 2), never an empty success. */
export class SelectionError extends Error {}

const KINDS = [
  ["findings", "--finding", (p: SeriesPatch, v: string) => p.findings.some((f) => f.id.startsWith(v))],
  ["patches", "--patch", (p: SeriesPatch, v: string) => v === p.relPath || v === `${p.repo.name}/${p.name}`],
  [
    "recipes",
    "--recipe",
    (p: SeriesPatch, v: string) => p.recipe === v || p.findings.some((f) => f.recipe === v),
  ],
  ["rules", "--rule", (p: SeriesPatch, v: string) => p.rule === v || p.findings.some((f) => f.rule === v)],
] as const;

/**
 * The patches every given kind selects (values of one kind are alternatives, kinds narrow each
 * other). Each value must match some patch of the run, and the whole must leave one.
 */
export function selectPatches(patches: SeriesPatch[], only: Selection = {}): SeriesPatch[] {
  const unmatched: string[] = [];
  let out = patches;
  for (const [key, flag, matches] of KINDS) {
    const values = only[key] ?? [];
    if (values.length === 0) continue;
    for (const v of values) {
      if (v === "" || !patches.some((p) => matches(p, v))) unmatched.push(`${flag} ${JSON.stringify(v)}`);
    }
    out = out.filter((p) => values.some((v) => v !== "" && matches(p, v)));
  }
  if (unmatched.length > 0) throw new SelectionError(`no patch of the run matches ${unmatched.join(", ")}`);
  const filtered = KINDS.some(([key]) => (only[key] ?? []).length > 0);
  if (filtered && out.length === 0)
    throw new SelectionError("no patch matches all of --finding/--patch/--recipe/--rule together");
  return out;
}

export interface ReviewSummary {
  file: string;
  counts: Record<Decision | "undecided", number>;
  /** Patches whose decision was made on other bytes (analyze ran again since). */
  changed: string[];
}

/**
 * The accepted patches when the run has a review, else all of them. The summary (null without a
 * review) says how many of each decision there were, for the line apply prints.
 */
export function acceptedByReview(
  runDir: string,
  patches: SeriesPatch[],
): { patches: SeriesPatch[]; review: ReviewSummary | null } {
  const review = readReview(runDir);
  if (!review) return { patches, review: null };
  const counts = { accept: 0, reject: 0, defer: 0, undecided: 0 };
  const changed: string[] = [];
  const kept: SeriesPatch[] = [];
  for (const p of patches) {
    const d = decisionFor(review, p.relPath, p.absPath);
    if (!d && review.decisions[p.relPath]) changed.push(p.relPath);
    counts[d?.decision ?? "undecided"]++;
    if (d?.decision === "accept") kept.push(p);
  }
  return { patches: kept, review: { file: `${runDir}/${REVIEW_FILE}`, counts, changed } };
}

/** `review.json: 2 accepted, 1 rejected, 0 deferred, 1 undecided; applying the 2 accepted`. */
export function describeReview(r: ReviewSummary): string[] {
  const c = r.counts;
  const lines = [
    `${r.file}: ${c.accept} accepted, ${c.reject} rejected, ${c.defer} deferred, ${c.undecided} undecided; ` +
      `applying only the ${c.accept} accepted`,
  ];
  for (const p of r.changed) lines.push(`  ${p} changed since it was reviewed: counted as undecided`);
  return lines;
}
