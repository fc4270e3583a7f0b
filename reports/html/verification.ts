/**
 * The verification part of a finding: the summary from findings.json, every replay from
 * `verify/<id>/result.json` (reports/html/verify-record.ts) and the tail of each log.
 */
import { readTextSafe } from "../../core/safe-file.js";
import type { RunCounts, Verification } from "../../core/finding.js";
import { inside, runDirHref } from "./paths.js";
import { parseVerifyRecord, type VerifyRecord, type VerifyRun } from "./verify-record.js";

/** Enough of a log to see why a run failed; the full file stays one click away. */
export const LOG_TAIL_LINES = 400;
/** A log of a few enormous lines (a minified dump) is cut by size as well. */
export const LOG_TAIL_CHARS = 64 * 1024;

export const VERDICT_LABEL: Record<Verification["verdict"] | "unverified", string> = {
  "confirmed-fix": "confirmed fix",
  "load-flake": "load flake",
  defect: "defect",
  "not-reproduced": "not reproduced",
  inconclusive: "inconclusive",
  skipped: "skipped",
  unverified: "not verified",
};

export interface LogView {
  path: string;
  href: string | null;
  text: string | null;
  /** Why the log is not (fully) shown. */
  note: string | null;
}

export interface RunView {
  phase: VerifyRun["phase"];
  mode: string;
  attempt: number;
  test: string | null;
  /** The test's function name, when the record replays more than one test: "run 1" is ambiguous then. */
  testLabel: string | null;
  /** passed, failed, skipped (the test skipped itself), or unavailable (it could not run at all). */
  status: string;
  /** Where a swarm job ran ("swarm node …, job …"); null on this machine. */
  where: string | null;
  /** Why it could not run at all. */
  unavailable: string | null;
  /** The tests that failed in a run of several (their function names). */
  failedCases: string[];
  duration: string;
  exit: string;
  command: string | null;
  log: LogView;
}

export interface RateRow {
  phase: string;
  mode: string;
  passed: number;
  runs: number;
  /** Runs whose tests all skipped themselves: counted apart, not as failures. */
  skipped: number;
  /** Runs that could not run at all (a swarm that could not run the task): counted apart too. */
  unavailable: number;
  rate: string;
  /** Median and total wall time; null when only counts are known (no result.json). */
  median: string | null;
  total: string | null;
  bad: boolean;
}

export interface CheckView {
  name: string;
  status: string;
  reason: string | null;
  duration: string | null;
  log: LogView | null;
}

export interface VerificationView {
  verdict: string;
  verdictClass: string;
  verdictLabel: string;
  /** One line for the board: "before 0/5 · after 5/5 · after, under load 15/15". */
  counts: string;
  totalRuns: number;
  rates: RateRow[];
  runs: RunView[];
  checks: CheckView[];
  repeat: number | null;
  load: number | null;
  note: string | null;
}

export async function verificationView(
  runDir: string,
  findingId: string,
  summary: Verification | undefined,
  /** False when the run directory has no `verify/` folder: no finding has a record to read. */
  records = true,
): Promise<VerificationView> {
  const loaded = records ? await loadRecord(runDir, findingId) : { problem: null };
  const record = "record" in loaded ? loaded.record : null;
  const verdict = summary?.verdict ?? record?.verdict ?? "unverified";
  const rates = record ? ratesFromRuns(record.runs) : ratesFromCounts(summary);
  const runs = record ? await runViews(runDir, record.runs) : [];
  const checkSource = record?.checks ?? summary?.checks ?? [];
  const checks: CheckView[] = [];
  for (const c of checkSource)
    checks.push({
      name: c.name,
      status: c.status,
      reason: c.reason ?? null,
      duration: "durationMs" in c && typeof c.durationMs === "number" ? formatMs(c.durationMs) : null,
      log: "log" in c && typeof c.log === "string" ? await readLog(runDir, c.log) : null,
    });
  const notes: string[] = [];
  if ("problem" in loaded && loaded.problem) notes.push(loaded.problem);
  if (record?.note) notes.push(record.note);
  if (summary && record && summary.verdict !== record.verdict)
    notes.push(`findings.json says ${summary.verdict} but result.json says ${record.verdict}`);
  return {
    verdict,
    verdictClass: `verdict-${verdict}`,
    // A verdict newer than this report knows is shown as written.
    verdictLabel: VERDICT_LABEL[verdict] ?? verdict,
    counts: rates
      .map(
        (r) =>
          `${r.phase}${r.mode === "alone" ? "" : `, ${r.mode}`} ${r.passed}/${r.runs}` +
          (r.skipped ? ` (${r.skipped} skipped)` : ""),
      )
      .join(" · "),
    totalRuns: rates.reduce((n, r) => n + r.runs, 0),
    rates,
    runs,
    checks,
    repeat: record?.repeat ?? null,
    load: record?.load ?? null,
    note: notes.length ? notes.join("; ") : null,
  };
}

async function loadRecord(
  runDir: string,
  id: string,
): Promise<{ record: VerifyRecord } | { problem: string | null }> {
  const path = inside(runDir, `verify/${id}/result.json`);
  if (!path) return { problem: `finding id ${JSON.stringify(id)} cannot name a verify folder` };
  let text: string;
  try {
    text = readTextSafe(path, runDir, 64 * 1024 * 1024);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { problem: code === "ENOENT" ? null : `verify/${id}/result.json cannot be read (${code})` };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return { problem: `verify/${id}/result.json is not JSON: ${(e as Error).message}` };
  }
  const parsed = parseVerifyRecord(json);
  if ("problem" in parsed)
    return { problem: `verify/${id}/result.json is not a verify record: ${parsed.problem}` };
  if (parsed.record.finding !== id)
    return { problem: `verify/${id}/result.json belongs to finding ${parsed.record.finding}` };
  return parsed;
}

const PHASES = ["before", "after"] as const;
const MODES = ["alone", "load"] as const;
const MODE_LABEL = { alone: "alone", load: "under load" } as const;

function ratesFromRuns(runs: VerifyRun[]): RateRow[] {
  const rows: RateRow[] = [];
  for (const phase of PHASES)
    for (const mode of MODES) {
      const group = runs.filter((r) => r.phase === phase && r.mode === mode);
      if (group.length === 0) continue;
      const passed = group.filter((r) => r.passed).length;
      // A run whose tests all skipped themselves (they need a swarm), or that could not run at all,
      // neither passed nor failed.
      const skipped = group.filter((r) => r.outcome === "skipped" && !r.unavailable).length;
      const unavailable = group.filter((r) => r.unavailable).length;
      const ms = group.map((r) => r.durationMs).sort((a, b) => a - b);
      const mid = Math.floor(ms.length / 2);
      const median = ms.length % 2 ? ms[mid]! : (ms[mid - 1]! + ms[mid]!) / 2;
      rows.push(
        rate(
          phase,
          MODE_LABEL[mode],
          passed,
          group.length - skipped - unavailable,
          formatMs(median),
          formatMs(sum(ms)),
          skipped,
          unavailable,
        ),
      );
    }
  return rows;
}

function ratesFromCounts(v: Verification | undefined): RateRow[] {
  if (!v) return [];
  const rows: RateRow[] = [];
  const add = (phase: string, mode: string, c: RunCounts | undefined): void => {
    if (c && c.passed + c.failed > 0) rows.push(rate(phase, mode, c.passed, c.passed + c.failed, null, null));
  };
  add("before", MODE_LABEL.alone, v.before);
  add("before", MODE_LABEL.load, v.underLoad?.before);
  add("after", MODE_LABEL.alone, v.after);
  add("after", MODE_LABEL.load, v.underLoad?.after);
  return rows;
}

function rate(
  phase: string,
  mode: string,
  passed: number,
  runs: number,
  median: string | null,
  total: string | null,
  skipped = 0,
  unavailable = 0,
): RateRow {
  return {
    phase,
    mode,
    passed,
    runs,
    skipped,
    unavailable,
    rate: runs > 0 ? `${Math.round((100 * passed) / runs)}%` : "–",
    median,
    total,
    bad: passed < runs,
  };
}

async function runViews(runDir: string, runs: VerifyRun[]): Promise<RunView[]> {
  const seen = new Map<string, number>();
  const views: RunView[] = [];
  const several = new Set(runs.map((r) => r.test ?? "")).size > 1;
  for (const r of runs) {
    const key = `${r.test ?? ""}/${r.phase}/${r.mode}`;
    const attempt = r.index ?? (seen.get(key) ?? 0) + 1;
    seen.set(key, attempt);
    views.push({
      phase: r.phase,
      mode: MODE_LABEL[r.mode],
      attempt,
      test: r.test ?? null,
      testLabel: several && r.test ? (r.test.split("::").pop() ?? r.test) : null,
      status: r.unavailable ? "unavailable" : (r.outcome ?? (r.passed ? "passed" : "failed")),
      where:
        r.executor === "swarm"
          ? `swarm node ${r.node ?? "unknown"}${r.service ? `, job ${r.service}` : ""}`
          : null,
      unavailable: r.unavailable ?? null,
      failedCases: (r.cases ?? [])
        .filter((c) => c.outcome === "failed" && (r.cases?.length ?? 0) > 1)
        .map((c) => c.id.split("::").pop() ?? c.id),
      duration: formatMs(r.durationMs),
      exit: r.timedOut
        ? "timed out"
        : r.exitCode === undefined
          ? ""
          : r.exitCode === null
            ? "killed"
            : `exit ${r.exitCode}`,
      command: r.command ? r.command.join(" ") : null,
      log: await readLog(runDir, r.log),
    });
  }
  return views;
}

async function readLog(runDir: string, rel: string): Promise<LogView> {
  const href = runDirHref(rel);
  const path = inside(runDir, rel);
  if (!path || !href)
    return { path: rel, href: null, text: null, note: "the log path leaves the run directory; not read" };
  let text: string;
  try {
    text = readTextSafe(path, runDir, 64 * 1024 * 1024);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return {
      path: rel,
      href: null,
      text: null,
      note: code === "ENOENT" ? "the log file is missing" : `the log cannot be read (${code})`,
    };
  }
  const lines = text.replace(ANSI, "").replace(/\r\n?/g, "\n").replace(/\n$/, "").split("\n");
  let shown = (lines.length > LOG_TAIL_LINES ? lines.slice(-LOG_TAIL_LINES) : lines).join("\n");
  let note =
    lines.length > LOG_TAIL_LINES ? `showing the last ${LOG_TAIL_LINES} of ${lines.length} lines` : null;
  if (shown.length > LOG_TAIL_CHARS) {
    shown = shown.slice(-LOG_TAIL_CHARS);
    note = `showing the last ${LOG_TAIL_CHARS / 1024} KiB of ${lines.length} lines`;
  }
  return { path: rel, href, text: shown, note };
}

// pytest and friends colour their output; escape sequences are noise in HTML.
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

function sum(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${s % 60} s`;
}
