/** What `redfix verify` leaves in `verify/<finding-id>/result.json` (docs/verify-record.md). */
import type { CheckResult, Classification, RunCounts, Verification } from "../analyzers/finding.js";

export interface TestRun {
  test: string;
  phase: "before" | "after";
  mode: "alone" | "load";
  /** 1-based repetition (alone) or copy (under load). */
  index: number;
  outcome: "passed" | "failed" | "skipped";
  exitCode: number | null;
  timedOut: boolean;
  durationMs: number;
  /** The replay's output, relative to the run directory. */
  log: string;
}

export interface VerifyRecord {
  findingId: string;
  rule: string;
  recipe: string;
  patch: string | null;
  verdict: Verification["verdict"];
  classification: Classification;
  /** The command each replay ran, in the harness folder (paths of the temporary copies left out). */
  command: string[];
  tests: string[];
  checks: CheckResult[];
  counts: { beforeAlone: RunCounts; afterAlone: RunCounts; beforeLoad?: RunCounts; afterLoad?: RunCounts };
  runs: TestRun[];
  /** Why no test was replayed, when none was. */
  note?: string;
}
