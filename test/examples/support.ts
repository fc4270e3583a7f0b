/**
 * The example workspace as the tests use it: laid out by `scripts/layout-examples.mjs` into a
 * temporary folder (git repos with release tags), copies with the hand-patched files of
 * `test/fixtures/examples-patched/` laid over them, and pytest runs whose outcome per test comes
 * from pytest's own JUnit XML.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PACKAGE_ROOT } from "../../core/package.js";
import { junitCases } from "../../verify/junit.js";
import { runProcess, which } from "../../core/process.js";
import type { ProcessResult } from "../../core/process.js";

export const LAYOUT_SCRIPT = join(PACKAGE_ROOT, "scripts", "layout-examples.mjs");
export const PATCHED = join(PACKAGE_ROOT, "test", "fixtures", "examples-patched");

export const PYTHON = which("python3");

export async function layout(dest: string): Promise<ProcessResult> {
  return runProcess(process.execPath, [LAYOUT_SCRIPT, dest], { timeoutMs: 60_000 });
}

/** The arguments of `redfix analyze` on a laid-out workspace (`layout`): its recipes with its harness, into `out`. */
export function analyzeLaidOut(ws: string, out: string): string[] {
  return ["analyze", join(ws, "recipes"), "--harness", join(ws, "cc-ci"), "--out", out];
}

export interface Workspace {
  root: string;
  recipes: string;
  harness: string;
  dispose(): void;
}

/** A fresh layout of the examples; `patched` lays the hand-patched files of those repos over it. */
export async function workspace(patched: string[] = []): Promise<Workspace> {
  const root = mkdtempSync(join(tmpdir(), "redfix-examples-"));
  const r = await layout(join(root, "ws"));
  if (r.exitCode !== 0) throw new Error(`layout-examples failed: ${r.output}`);
  const recipes = join(root, "ws", "recipes");
  const harness = join(root, "ws", "cc-ci");
  for (const repo of patched) {
    cpSync(join(PATCHED, repo), repo === "cc-ci" ? harness : join(recipes, repo), { recursive: true });
  }
  return { root, recipes, harness, dispose: () => rmSync(root, { recursive: true, force: true }) };
}

export type Outcome = "passed" | "failed" | "skipped";

export interface PytestRun {
  exitCode: number | null;
  timedOut: boolean;
  output: string;
  outcomes: Map<string, Outcome>;
}

/** `python3 -m pytest <args>` in the harness, against `recipes`; outcomes keyed by `file::name`. */
export async function pytest(
  ws: Workspace,
  args: string[],
  opts: { recipes?: string; timeoutMs?: number } = {},
): Promise<PytestRun> {
  const report = join(mkdtempSync(join(tmpdir(), "redfix-junit-")), "report.xml");
  const r = await runProcess(PYTHON!, ["-m", "pytest", "-q", "-rs", `--junitxml=${report}`, ...args], {
    cwd: ws.harness,
    env: { REDFIX_RECIPES_DIR: opts.recipes ?? ws.recipes, PYTHONDONTWRITEBYTECODE: "1" },
    timeoutMs: opts.timeoutMs ?? 120_000,
  });
  let xml = "";
  try {
    xml = readFileSync(report, "utf8");
  } catch {
    // pytest never got to write it (crashed or killed): no outcomes
  }
  rmSync(join(report, ".."), { recursive: true, force: true });
  return { exitCode: r.exitCode, timedOut: r.timedOut, output: r.output, outcomes: junitOutcomes(xml) };
}

/** Outcomes keyed by `module::name` (`test_restore::test_restore_returns_state`). */
export function junitOutcomes(xml: string): Map<string, Outcome> {
  return new Map(junitCases(xml).map((c) => [c.id.replace(/^(?:.*\/)?([^/]+)\.py::/, "$1::"), c.outcome]));
}
