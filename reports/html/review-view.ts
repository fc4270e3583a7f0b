/**
 * The per-patch review decision in the HTML report: the decision review.json holds for the patch (if
 * it still holds for these patch bytes), and what the report's script needs to export a new
 * review.json client-side (templates/report/decision.hbs, review.js).
 */
import { patchDigest, readReview } from "../review.js";
import type { Review } from "../review.js";

export interface DecisionView {
  patch: string;
  /** sha256 of the patch file, written into exported decisions; empty when it cannot be read. */
  sha256: string;
  current: "accept" | "reject" | "defer" | "";
  accept: boolean;
  reject: boolean;
  defer: boolean;
  undecided: boolean;
  by: string;
  note: string;
  /** The radio group's name: one per finding (the script keeps groups of one patch in step). */
  name: string;
}

/** The run's review, or null when it has none or it cannot be read (the report then shows no decision). */
export function reviewOf(runDir: string): Review | null {
  try {
    return readReview(runDir);
  } catch {
    return null;
  }
}

export function decisionView(
  review: Review | null,
  patch: string,
  path: string | null,
  findingId: string,
  /** The patch's digest when the caller has just read it. */
  digest?: string,
): DecisionView {
  let sha256 = digest ?? "";
  try {
    if (path && digest === undefined) sha256 = patchDigest(path);
  } catch {
    sha256 = "";
  }
  const d = review?.decisions[patch];
  const holds = d && (!d.sha256 || d.sha256 === sha256) ? d : null;
  const current = holds?.decision ?? "";
  return {
    patch,
    sha256,
    current,
    accept: current === "accept",
    reject: current === "reject",
    defer: current === "defer",
    undecided: current === "",
    by: holds?.by ?? "",
    note: holds?.note ?? "",
    name: `decision-${findingId.replace(/[^A-Za-z0-9_-]/g, "_")}`,
  };
}
