/**
 * `verify/<finding-id>/result.json`: what `redfix verify` records for one finding, and what the HTML
 * report reads to show each replay (docs/verify-record.md). findings.json keeps only the summary
 * (`Finding.verification`); this file keeps every run, so the report can show durations and logs.
 */
import type { CheckResult, Verification } from "../../core/finding.js";

export const VERIFY_RECORD_VERSION = 1;

/** One replay of the targeted tests. */
export interface VerifyRun {
  /** `before`: against the unpatched tree; `after`: against a patched copy. */
  phase: "before" | "after";
  /** `alone`: nothing else running; `load`: one of `--load K` concurrent copies. */
  mode: "alone" | "load";
  passed: boolean;
  /** pytest's own outcome, when known: a test that skipped itself neither passed nor failed. */
  outcome?: "passed" | "failed" | "skipped";
  durationMs: number;
  /** Captured stdout and stderr, relative to the run directory (`verify/<id>/<name>.log`). */
  log: string;
  /** The pytest node id (or other test name) replayed. */
  test?: string;
  /** pytest's outcome of each test the run replayed, when it replayed several in one process. */
  cases?: { id: string; outcome: "passed" | "failed" | "skipped" }[];
  /** argv of the process, without a shell. */
  command?: string[];
  /** null when the process was killed (timeout) before it exited. */
  exitCode?: number | null;
  timedOut?: boolean;
  /** 1-based repetition (alone) or copy (under load); counted in file order when absent. */
  index?: number;
  /** Where it ran: this machine, or a job on a swarm (`verify --on swarm`); absent: local. */
  executor?: "local" | "swarm";
  /** For a swarm job: its service (removed since) and the node its task ran on. */
  service?: string;
  node?: string;
  /** Why it could not run at all: counted as neither passed nor failed. */
  unavailable?: string;
}

/** A static re-check or a validator run (`caddy adapt`, `docker-compose config`, `shellcheck`, ...). */
export interface VerifyCheck extends CheckResult {
  durationMs?: number;
  /** Relative to the run directory, like `VerifyRun.log`. */
  log?: string;
}

export interface VerifyRecord {
  version: typeof VERIFY_RECORD_VERSION;
  /** The finding's id; equals the folder name. */
  finding: string;
  verdict: Verification["verdict"];
  /** `--repeat N` and `--load K` of the verify run that wrote the record. */
  repeat: number;
  load: number;
  runs: VerifyRun[];
  checks: VerifyCheck[];
  /** The pytest node ids replayed. */
  tests?: string[];
  /** Why no test was replayed, when none was. */
  note?: string;
}

const VERDICTS: readonly string[] = [
  "confirmed-fix",
  "load-flake",
  "defect",
  "not-reproduced",
  "inconclusive",
  "skipped",
];
const STATUSES: readonly string[] = ["passed", "failed", "skipped"];

/**
 * Checks parsed JSON against the shape above. The report shows the returned problem instead of the
 * record, so a half-written or foreign file never breaks the page.
 */
export function parseVerifyRecord(value: unknown): { record: VerifyRecord } | { problem: string } {
  if (!isObject(value)) return { problem: "not a JSON object" };
  if (typeof value.finding !== "string") return { problem: "`finding` is not a string" };
  if (typeof value.verdict !== "string" || !VERDICTS.includes(value.verdict))
    return { problem: `unknown verdict ${JSON.stringify(value.verdict)}` };
  if (!Array.isArray(value.runs)) return { problem: "`runs` is not a list" };
  if (!Array.isArray(value.checks)) return { problem: "`checks` is not a list" };
  if (value.note !== undefined && typeof value.note !== "string")
    return { problem: "`note` is not a string" };
  for (const [i, r] of value.runs.entries()) {
    const problem = runProblem(r);
    if (problem) return { problem: `runs[${i}]: ${problem}` };
  }
  for (const [i, c] of value.checks.entries()) {
    const problem = checkProblem(c);
    if (problem) return { problem: `checks[${i}]: ${problem}` };
  }
  return { record: value as unknown as VerifyRecord };
}

function runProblem(r: unknown): string | null {
  if (!isObject(r)) return "not an object";
  if (r.phase !== "before" && r.phase !== "after") return "`phase` is not before|after";
  if (r.mode !== "alone" && r.mode !== "load") return "`mode` is not alone|load";
  if (typeof r.passed !== "boolean") return "`passed` is not a boolean";
  if (!isDuration(r.durationMs)) return "`durationMs` is not a non-negative number";
  if (typeof r.log !== "string") return "`log` is not a string";
  if (r.outcome !== undefined && !STATUSES.includes(r.outcome as string))
    return "`outcome` is not passed|failed|skipped";
  if (r.index !== undefined && !(Number.isInteger(r.index) && (r.index as number) >= 1))
    return "`index` is not a positive integer";
  if (
    r.cases !== undefined &&
    !(
      Array.isArray(r.cases) &&
      r.cases.every((c) => isObject(c) && typeof c.id === "string" && STATUSES.includes(c.outcome as string))
    )
  )
    return "`cases` is not a list of {id, outcome}";
  if (r.command !== undefined && !(Array.isArray(r.command) && r.command.every((a) => typeof a === "string")))
    return "`command` is not a list of strings";
  if (r.executor !== undefined && r.executor !== "local" && r.executor !== "swarm")
    return "`executor` is not local|swarm";
  for (const k of ["service", "node", "unavailable"] as const)
    if (r[k] !== undefined && typeof r[k] !== "string") return `\`${k}\` is not a string`;
  return null;
}

function checkProblem(c: unknown): string | null {
  if (!isObject(c)) return "not an object";
  if (typeof c.name !== "string") return "`name` is not a string";
  if (typeof c.status !== "string" || !STATUSES.includes(c.status))
    return "`status` is not passed|failed|skipped";
  if (c.reason !== undefined && typeof c.reason !== "string") return "`reason` is not a string";
  if (c.durationMs !== undefined && !isDuration(c.durationMs))
    return "`durationMs` is not a non-negative number";
  if (c.log !== undefined && typeof c.log !== "string") return "`log` is not a string";
  return null;
}

function isDuration(v: unknown): boolean {
  return typeof v === "number" && Number.isFinite(v) && v >= 0;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
