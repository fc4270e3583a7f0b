/**
 * What `redfix verify` leaves in `verify/<finding-id>/result.json`: the shape docs/verify-record.md
 * documents (version 1, read by the HTML report), plus a few fields of the verifier's own.
 */
import type { TestCase } from "./junit.js";
import type {
  CheckResult,
  Classification,
  RunCounts,
  SwarmVerification,
  Verification,
} from "../core/finding.js";

export interface TestRun {
  phase: "before" | "after";
  mode: "alone" | "load";
  passed: boolean;
  /** pytest's own outcome: a test that skipped itself neither passed nor failed. */
  outcome: "passed" | "failed" | "skipped";
  durationMs: number;
  /** The replay's output, relative to the run directory. */
  log: string;
  /** The node id, when the run replayed one test (`VerifyRecord.tests` lists them all). */
  test?: string;
  /** pytest's outcome of each test the run replayed (its JUnit XML). */
  cases: TestCase[];
  /** The JUnit XML, relative to the run directory (absent when pytest never wrote it). */
  junit?: string;
  /** argv, run in the harness folder without a shell (temporary paths travel in the environment). */
  command: string[];
  exitCode: number | null;
  timedOut: boolean;
  /** 1-based repetition (alone) or copy (under load). */
  index: number;
  /** Where it ran: this machine, or a job on a swarm (`verify --on swarm`). Absent in older records: local. */
  executor?: "local" | "swarm";
  /** The swarm service that ran it (removed since) and the node its task ran on. */
  service?: string;
  node?: string;
  /** Why it could not run at all (the swarm could not run the task): counted as neither passed nor failed. */
  unavailable?: string;
}

export interface VerifyRecord {
  version: 1;
  finding: string;
  verdict: Verification["verdict"];
  repeat: number;
  load: number;
  runs: TestRun[];
  checks: CheckResult[];
  rule: string;
  recipe: string;
  patch: string | null;
  /** The last patch of the series applied for the "after" tree (the same rule's later fixes in the recipe count). */
  appliedThrough: string | null;
  classification: Classification;
  tests: string[];
  counts: { beforeAlone: RunCounts; afterAlone: RunCounts; beforeLoad?: RunCounts; afterLoad?: RunCounts };
  /** What the deploy phase showed on a swarm (logs: swarm-before.log, swarm-after.log). */
  swarm?: SwarmVerification;
  /** Why no test was replayed, when none was. */
  note?: string;
  /** Where the replays ran: "bwrap" (sandboxed) or "none" (`--no-sandbox`, or no working bwrap). */
  sandbox?: "bwrap" | "none";
  sandboxReason?: string;
  /** Wall time of each stage for this finding (`npm run bench:verify` sums them). */
  stages?: VerifyStages;
}

/**
 * Milliseconds per stage of one finding's verification. The runner's own overhead is `copyMs`
 * (the patched copy), `applyMs` (`git apply`) and `recheckMs` (the static re-check); `validatorsMs`
 * are the real validators, `replayMs` the harness tests (each replay's own time, not the wait for its
 * turn), `collectMs` the wait for pytest's collection (once per run), `deployMs` the swarm phase.
 */
export interface VerifyStages {
  copyMs: number;
  applyMs: number;
  recheckMs: number;
  validatorsMs: number;
  collectMs: number;
  replayMs: number;
  deployMs: number;
}

/**
 * The runs of one phase and mode: passed, failed, those killed at the timeout, and those whose tests
 * all skipped themselves (they need a swarm). A run that timed out has not failed: it says nothing.
 */
export function countRuns(
  runs: TestRun[],
  phase: TestRun["phase"],
  mode: TestRun["mode"],
): RunCounts & { skipped: number; timedOut: number } {
  const group = runs.filter((r) => r.phase === phase && r.mode === mode);
  const passed = group.filter((r) => r.passed).length;
  const timedOut = group.filter((r) => !r.passed && r.timedOut).length;
  const failed = group.filter((r) => r.outcome === "failed" && !r.timedOut).length;
  return { passed, failed, timedOut, skipped: group.length - passed - failed - timedOut };
}
