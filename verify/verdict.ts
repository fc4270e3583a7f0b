/**
 * Verdicts from counts, never from one run (the harness maintainers' own method): red in isolation
 * is a defect; green in isolation and red under load is a load flake; red before and green after,
 * every time, alone and under load, confirms the fix. A run killed at the timeout proves nothing: it
 * makes the verdict inconclusive, never a defect.
 */
import type { CheckResult, Classification, RunCounts, Verification } from "../core/finding.js";

export interface ReplayCounts {
  beforeAlone: RunCounts;
  afterAlone: RunCounts;
  beforeLoad?: RunCounts;
  afterLoad?: RunCounts;
}

const red = (c?: RunCounts) => !!c && c.failed > 0;
const green = (c?: RunCounts) => !!c && c.passed > 0 && c.failed === 0;

/** Runs killed at the timeout, over all phases and modes. */
export function timeouts(c: ReplayCounts): number {
  return [c.beforeAlone, c.afterAlone, c.beforeLoad, c.afterLoad].reduce((n, x) => n + (x?.timedOut ?? 0), 0);
}

export function verdictOf(c: ReplayCounts): Verification["verdict"] {
  const total = c.beforeAlone.passed + c.beforeAlone.failed + c.afterAlone.passed + c.afterAlone.failed;
  if (total === 0) return timeouts(c) > 0 ? "inconclusive" : "skipped";
  if (red(c.afterAlone)) return "defect";
  if (timeouts(c) > 0) return "inconclusive";
  const afterOk = green(c.afterAlone) && (c.afterLoad === undefined || green(c.afterLoad));
  if (red(c.beforeAlone) && afterOk) return "confirmed-fix";
  if (green(c.beforeAlone) && red(c.beforeLoad) && afterOk) return "load-flake";
  if (green(c.beforeAlone) && (c.beforeLoad === undefined || green(c.beforeLoad)) && afterOk)
    return "not-reproduced";
  return "inconclusive";
}

/**
 * The verdict once the validators' checks are in: a failed check makes a verdict that the runs did not
 * already call a defect inconclusive when tests were replayed, a defect when none were; a check that
 * only timed out proves nothing, so it makes it inconclusive, never a defect.
 */
export function verdictWithChecks(
  verdict: Verification["verdict"],
  checks: CheckResult[],
  replayed: boolean,
): Verification["verdict"] {
  if (verdict === "defect") return verdict;
  const failed = checks.filter((c) => c.status === "failed");
  if (failed.some((c) => !c.timedOut)) return replayed ? "inconclusive" : "defect";
  return failed.length > 0 ? "inconclusive" : verdict;
}

/** The classification a verdict implies; other verdicts keep what the analysis said. */
export function classificationAfter(
  verdict: Verification["verdict"],
  before: Classification,
): Classification {
  return verdict === "load-flake" ? "load-flake" : before;
}
