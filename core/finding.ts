/**
 * The findings contract (DESIGN.md): what `--format json`, findings.json and SARIF are made of.
 * Field order here is the order in the JSON document.
 */
export type Severity = "error" | "warning" | "info";
export type Target = "recipe" | "harness" | "upstream";
export type Classification =
  "recipe-defect" | "harness-defect" | "upstream-defect" | "load-flake" | "test-scope" | "unknown";

export const SEVERITY_RANK: Record<Severity, number> = { error: 3, warning: 2, info: 1 };

/** Which root a path is relative to: the analyzed recipes folder or the harness (`--harness`). */
export type RootName = "recipes" | "harness";

export interface EvidenceItem {
  root: RootName;
  file: string;
  line: number;
  endLine?: number;
  note: string;
}

export interface FixRef {
  /** Path of the patch, relative to the run directory. */
  patch: string;
  summary: string;
  /** The repo the patch applies to (a recipe name, or the harness repo's name). */
  repo: string;
}

export interface Suppression {
  kind: "inline" | "config" | "baseline";
  reason: string;
}

export interface CheckResult {
  name: string;
  status: "passed" | "failed" | "skipped";
  reason?: string;
  /** Killed at verify's --timeout: counted as failed, but it proves nothing either way. */
  timedOut?: boolean;
}

export interface RunCounts {
  passed: number;
  failed: number;
  /** Runs killed at verify's --timeout: neither passed nor failed (absent when none). */
  timedOut?: number;
}

export type VerdictName =
  "confirmed-fix" | "load-flake" | "defect" | "not-reproduced" | "inconclusive" | "skipped";

/** What a real swarm showed of a recipe finding, unpatched and patched (`verify`'s deploy phase). */
export interface SwarmVerification {
  verdict: VerdictName;
  before?: { ok: boolean; evidence: string };
  after?: { ok: boolean; evidence: string };
  /** Why the deploy phase could not run or decide. */
  reason?: string;
  /** The daemon it used and where that came from (`DOCKER_HOST`, `context <name>`, `the default socket`). */
  endpoint?: { host: string; source: string };
}

export interface Verification {
  verdict: VerdictName;
  before?: RunCounts;
  after?: RunCounts;
  underLoad?: { before?: RunCounts; after?: RunCounts };
  checks: CheckResult[];
  swarm?: SwarmVerification;
}

export interface Finding {
  id: string;
  rule: string;
  severity: Severity;
  recipe: string;
  target: Target;
  root: RootName;
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  message: string;
  evidence: EvidenceItem[];
  classification: Classification;
  fix: FixRef | null;
  /** Why a finding has no patch (absent when it has one, or is suppressed). */
  fixUnavailable?: string;
  /** Ids of findings whose fixes must land together with this one (a recipe and a harness patch). */
  related?: string[];
  suppressed?: Suppression;
  verification?: Verification;
}

export interface FindingsDocument {
  tool: { name: "redfix"; version: string };
  findings: Finding[];
}

/**
 * The order of findings in every output: by recipe, root, file, position, rule, id. Here rather than
 * with the rules' runner, so that a cached result is put in order without loading the rules.
 */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    cmp(a.recipe, b.recipe) ||
    cmp(a.root, b.root) ||
    cmp(a.file, b.file) ||
    a.line - b.line ||
    a.column - b.column ||
    cmp(a.rule, b.rule) ||
    cmp(a.id, b.id)
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Exit status 1 of a run: an unsuppressed finding at or above the threshold. */
export function failsAt(findings: readonly Finding[], failOn: Severity | "never"): boolean {
  if (failOn === "never") return false;
  return findings.some((f) => !f.suppressed && SEVERITY_RANK[f.severity] >= SEVERITY_RANK[failOn]);
}
