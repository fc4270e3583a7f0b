/**
 * `redfix verify`: for each fixed finding, a verification plan — static re-check of the patched copy,
 * real validators on the touched files, and the targeted harness tests replayed before and after the
 * patch, alone (`repeat` times) and under load (`load` concurrent copies) — then a verdict from the
 * counts, written to `verify/<id>/` and into findings.json.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { CheckResult, Finding, RunCounts, SwarmVerification } from "../core/finding.js";
import { analyze } from "../pipeline/analyze.js";
import type { AdaptStore } from "../load/caddy.js";
import type { CaddyAdaptResult } from "../load/configs/index.js";
import { defaultConfig, loadConfig } from "../load/config.js";
import { loadWorkspace } from "../load/workspace.js";
import { RULES } from "../pipeline/registry.js";
import { applyAlone, copyWorkspace } from "./patched-copy.js";
import type { WorkspaceCopy } from "./patched-copy.js";
import { junitCases } from "./junit.js";
import { which } from "../core/process.js";
import { readFileSafe } from "../core/safe-file.js";
import { RunDirWriter, writeFindings } from "../reports/run-dir.js";
import { detectSandbox, runReplayProcess, type Sandbox } from "./sandbox.js";
import { countRuns } from "./record.js";
import type { VerifyRecord, VerifyStages, TestRun } from "./record.js";
import { readRunDir } from "../reports/read-run-dir.js";
import type { RunDir } from "../reports/read-run-dir.js";
import { collectTests, collectedOnly, targetedTests } from "./targeted-tests.js";
import type { Collected } from "./targeted-tests.js";
import { composeChecks, fileChecks, patchedFiles, recipeEnv } from "./validators.js";
import { classificationAfter, verdictOf, verdictWithChecks } from "./verdict.js";
import { DeployPhase } from "./deploy.js";
import type { DeployOptions } from "./deploy.js";
import { SwarmReplays, removeAllOnInterrupt } from "./swarm-replay.js";
import type { ReplayOutcome } from "./swarm-replay.js";

export interface VerifyOptions {
  repeat: number;
  load: number;
  jobs: number;
  timeoutMs: number;
  /** Verify only these (rule ids, recipe names, finding ids or id prefixes); the others keep what an
   * earlier verify run recorded. Empty or absent lists select everything. */
  only?: { rules?: string[]; recipes?: string[]; findings?: string[] };
  /** Called as each finding finishes (progress output). */
  onProgress?: (done: number, total: number, record: VerifyRecord) => void;
  /** Deploy recipe findings on a swarm before and after (verify/deploy.ts); absent: no deploy phase. */
  deploy?: DeployOptions;
  /** Called before each finding starts. */
  onStart?: (finding: Finding) => void;
  /** The config (`--config`); else found from `cwd` upward, else the recipes root's (see loadConfig). */
  config?: string;
  cwd?: string;
  /** true: replays run without the bubblewrap sandbox (`--no-sandbox`). */
  noSandbox?: boolean;
  /** Called once with the sandbox the replays run in (the CLI says loudly when there is none). */
  onSandbox?: (sandbox: Sandbox) => void;
  /**
   * Replays run as jobs on the swarm DOCKER_HOST reaches, in this runner image (`--on swarm
   * --runner-image`); absent: on this machine.
   */
  swarmReplays?: { image: string };
}

/** A filter that selects no fixed finding: a usage mistake, not an empty success. */
export class NothingSelectedError extends Error {}

export async function verifyRun(runDir: string, opts: VerifyOptions): Promise<Finding[]> {
  const rd = readRunDir(runDir);
  const config = loadConfig(rd.run.roots.recipes, opts.config, [], opts.cwd ? { cwd: opts.cwd } : {});
  const targets = rd.doc.findings.filter((f) => f.fix && !f.suppressed && selected(f, opts.only));
  const filtered = Object.values(opts.only ?? {}).some((l) => l.length > 0);
  if (filtered && targets.length === 0) {
    throw new NothingSelectedError("no fixed finding matches --rule/--recipe/--finding");
  }
  const python = which("python3");
  const sandbox = detectSandbox(opts.noSandbox === true);
  opts.onSandbox?.(sandbox);
  const writer = new RunDirWriter(rd.dir, { create: false });
  const before = copyWorkspace(rd);
  // Collected once for the whole harness, and only when a finding needs it.
  let collected: Promise<Collected> | null = null;
  const collect = () =>
    (collected ??=
      python && before.harness
        ? collectTests(python, before.harness, (file, args, o) =>
            runReplayProcess(sandbox, [before.dir], file, args, o),
          )
        : Promise.resolve({
            nodeIds: [],
            error: python ? "no harness was analyzed" : "python3 is not installed",
          }));
  const baseline = new Set(rd.doc.findings.map((f) => f.id));
  let done = 0;
  let swarmReplays: SwarmReplays | null = null;
  let deploy: DeployPhase | null = null;
  let keep = () => undefined as void;
  try {
    // Opened first: a swarm or image that is not there is a usage error before anything is deployed.
    swarmReplays = opts.swarmReplays
      ? await SwarmReplays.open({
          image: opts.swarmReplays.image,
          jobs: opts.jobs,
          timeoutMs: opts.timeoutMs,
        })
      : null;
    deploy = opts.deploy ? await DeployPhase.open(rd, before, opts.deploy) : null;
    const parts = [
      ...(deploy ? [{ what: "the stacks verify deployed", dispose: () => deploy!.dispose() }] : []),
      ...(swarmReplays ? [{ what: "the replay jobs", dispose: () => swarmReplays!.dispose() }] : []),
    ];
    keep = parts.length > 0 ? removeAllOnInterrupt(parts) : keep;
    await pool(targets, opts.jobs, async (finding) => {
      opts.onStart?.(finding);
      const record = await verifyFinding(
        rd,
        finding,
        before,
        baseline,
        collect,
        python,
        config.verify.tests,
        opts,
        deploy,
        sandbox,
        writer,
        swarmReplays,
      );
      done++;
      opts.onProgress?.(done, targets.length, record);
    });
  } finally {
    await deploy?.dispose();
    await swarmReplays?.dispose();
    keep();
    before.dispose();
    writer.save();
  }
  const rules = RULES.map((r) => r.meta).filter((m) => rd.run.rules.includes(m.id));
  writeFindings(runDir, rd.doc.findings, rules);
  return rd.doc.findings;
}

async function verifyFinding(
  rd: RunDir,
  finding: Finding,
  before: WorkspaceCopy,
  baseline: Set<string>,
  collect: () => Promise<Collected>,
  python: string | null,
  overrides: Record<string, string[]>,
  opts: VerifyOptions,
  deploy: DeployPhase | null,
  sandbox: Sandbox,
  writer: RunDirWriter,
  swarmReplays: SwarmReplays | null,
): Promise<VerifyRecord> {
  const fix = finding.fix!;
  // Finding ids were checked by readRunDir: one plain path component each.
  const dir = `verify/${finding.id}`;
  const checks: CheckResult[] = [];
  const stages: VerifyStages = {
    copyMs: 0,
    applyMs: 0,
    recheckMs: 0,
    validatorsMs: 0,
    collectMs: 0,
    replayMs: 0,
    deployMs: 0,
  };
  const timed = async <T>(stage: keyof VerifyStages, work: () => Promise<T> | T): Promise<T> => {
    const t0 = performance.now();
    try {
      return await work();
    } finally {
      stages[stage] += performance.now() - t0;
    }
  };
  const after = await timed("copyMs", () => copyWorkspace(rd));
  const runs: TestRun[] = [];
  let tests: string[] = [];
  let note: string | undefined;
  let swarm: SwarmVerification | undefined;
  try {
    const applyError = await timed("applyMs", () => applyAlone(rd, after, fix.repo, fix.patch, sandbox));
    checks.push(
      applyError
        ? { name: "git apply", status: "failed", reason: applyError }
        : { name: "git apply", status: "passed" },
    );
    if (!applyError) {
      checks.push(...(await timed("recheckMs", () => staticRecheck(after, finding, baseline, rd.run.rules))));
      checks.push(...(await timed("validatorsMs", () => validators(rd, after, finding, opts.timeoutMs))));
      const c = await timed("collectMs", collect);
      const targeted = collectedOnly(targetedTests(finding, c.nodeIds, overrides), c.nodeIds);
      tests = targeted.tests;
      if (targeted.refused.length > 0) {
        note = `verify.tests names ${targeted.refused.map((t) => JSON.stringify(t).slice(0, 120)).join(", ")}, which pytest did not collect under the harness: not run`;
      }
      if (tests.length === 0 && !note) {
        note =
          c.error ??
          `no harness test targets ${finding.rule} in ${finding.recipe} (map one in redfix.config.yaml verify.tests)`;
      }
      if (python && before.harness && after.harness && tests.length > 0) {
        for (const [phase, copy] of [
          ["before", before],
          ["after", after],
        ] as const) {
          const where: Executor = swarmReplays
            ? { kind: "swarm", replays: swarmReplays }
            : { kind: "local", python, sandbox, runDir: rd.dir };
          const replayAs = (mode: TestRun["mode"], first: number, copies: number) =>
            timed("replayMs", () =>
              replay(where, copy, tests, phase, mode, first, copies, dir, opts.timeoutMs, writer),
            );
          // Alone means alone: on this machine no other finding's replays run meanwhile, even with
          // --jobs > 1; on a swarm each replay alone has a CPU reserved, and a run under load a node.
          const gate = swarmReplays ? <T>(work: () => Promise<T>) => work() : exclusive;
          for (let i = 1; i <= opts.repeat; i++) runs.push(...(await gate(() => replayAs("alone", i, 1))));
          if (opts.load > 0) runs.push(...(await gate(() => replayAs("load", 1, opts.load))));
        }
      }
      if (deploy) {
        // The deploy phase writes its logs itself: their folder made and checked (no link) by the
        // run directory's writer, the files recorded in its manifest.
        for (const p of ["before", "after"]) writer.claim(`${dir}/swarm-${p}.log`);
        swarm = await timed("deployMs", () => deploy.verify(finding, after, join(rd.dir, dir)));
      }
    }
  } finally {
    await swarmReplays?.forget(after);
    await timed("copyMs", () => after.dispose());
  }
  const count = (phase: TestRun["phase"], mode: TestRun["mode"]): RunCounts => {
    const { passed, failed, timedOut } = countRuns(runs, phase, mode);
    return timedOut > 0 ? { passed, failed, timedOut } : { passed, failed };
  };
  const counts: VerifyRecord["counts"] = {
    beforeAlone: count("before", "alone"),
    afterAlone: count("after", "alone"),
  };
  if (opts.load > 0 && runs.length > 0) {
    counts.beforeLoad = count("before", "load");
    counts.afterLoad = count("after", "load");
  }
  let verdict = verdictOf(counts);
  // What the swarm showed decides when no test was replayed, and a patched stack that fails is a defect.
  if (swarm && ((runs.length === 0 && swarm.verdict !== "skipped") || swarm.verdict === "defect")) {
    verdict = swarm.verdict;
  }
  verdict = verdictWithChecks(verdict, checks, runs.length > 0);
  const classification = classificationAfter(verdict, finding.classification);
  finding.classification = classification;
  finding.verification = {
    verdict,
    before: counts.beforeAlone,
    after: counts.afterAlone,
    ...(counts.beforeLoad ? { underLoad: { before: counts.beforeLoad, after: counts.afterLoad! } } : {}),
    checks,
    ...(swarm ? { swarm } : {}),
  };
  const record: VerifyRecord = {
    version: 1,
    finding: finding.id,
    verdict,
    repeat: opts.repeat,
    load: opts.load,
    rule: finding.rule,
    recipe: finding.recipe,
    patch: fix.patch,
    appliedThrough: fix.patch,
    classification,
    tests,
    checks,
    counts,
    runs,
    ...(swarm ? { swarm } : {}),
    ...(note ? { note } : {}),
    sandbox: sandbox.kind,
    ...(sandbox.reason ? { sandboxReason: sandbox.reason } : {}),
    stages: rounded(stages),
  };
  writer.write(`${dir}/result.json`, () => [`${JSON.stringify(record, null, 2)}\n`]);
  return record;
}

const PYTEST_ARGS = ["-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs"];

/** Where replays run: this machine (sandboxed), or jobs on a swarm. */
type Executor =
  | { kind: "local"; python: string; sandbox: Sandbox; runDir: string }
  | { kind: "swarm"; replays: SwarmReplays };

/**
 * One pytest process over all the finding's targeted tests (one start-up, one fixture set-up per
 * copy under load), `copies` of them at once; pytest's JUnit XML, kept beside the log, says which of
 * them failed. A run passes when every test passed or skipped itself and at least one passed. Where
 * the process ran (this machine, a swarm job) changes nothing from the JUnit on.
 */
async function replay(
  where: Executor,
  copy: WorkspaceCopy,
  tests: string[],
  phase: TestRun["phase"],
  mode: TestRun["mode"],
  first: number,
  copies: number,
  dir: string,
  timeoutMs: number,
  writer: RunDirWriter,
): Promise<TestRun[]> {
  // Test ids go after `--`: an id can never be read as an option (`--basetemp=…`, `-p plugin`).
  const args = [...PYTEST_ARGS, "--", ...tests];
  const outcomes =
    where.kind === "swarm"
      ? await where.replays.run(copy, args.slice(2), copies, `${phase}-${mode}`, timeoutMs)
      : await Promise.all(Array.from({ length: copies }, () => replayHere(where, copy, tests, timeoutMs)));
  return outcomes.map((r, k) => {
    const index = first + k;
    const base = `${phase}-${mode}-${index}`;
    const cases = r.junit !== null ? junitCases(r.junit) : [];
    if (r.junit !== null) writer.write(`${dir}/${base}.junit.xml`, () => [r.junit!]);
    const outcome: TestRun["outcome"] = r.unavailable
      ? "skipped"
      : r.exitCode === 0 &&
          cases.some((c) => c.outcome === "passed") &&
          cases.every((c) => c.outcome !== "failed")
        ? "passed"
        : r.exitCode === 0 && cases.length > 0 && cases.every((c) => c.outcome === "skipped")
          ? "skipped"
          : "failed";
    const header =
      where.kind === "swarm"
        ? `# on swarm: service ${r.swarm?.service ?? "?"}, node ${r.swarm?.node || "?"}, image ${where.replays.image}${copies > 1 ? `, copy ${k + 1} of ${copies} in one task` : ""}; the task started ${r.swarm?.startMs ?? 0} ms after it was created\n`
        : where.sandbox.kind === "none"
          ? `# NOT SANDBOXED: ${where.sandbox.reason ?? ""}\n`
          : "";
    const unavailable = r.unavailable ? `# NOT RUN: ${r.unavailable}\n` : "";
    writer.write(`${dir}/${base}.log`, () => [
      `$ python3 ${args.join(" ")}\n${header}${unavailable}# exit ${r.exitCode ?? "killed"}${r.timedOut ? " (timed out)" : ""}, ${r.durationMs} ms\n${r.output}`,
    ]);
    const rel = (name: string) => `${dir}/${name}`;
    return {
      phase,
      mode,
      passed: outcome === "passed",
      outcome,
      ...(tests.length === 1 ? { test: tests[0]! } : {}),
      cases,
      command: ["python3", ...args],
      index,
      exitCode: r.exitCode,
      timedOut: r.timedOut,
      durationMs: r.durationMs,
      log: rel(`${base}.log`),
      ...(r.junit !== null ? { junit: rel(`${base}.junit.xml`) } : {}),
      executor: where.kind,
      ...(r.swarm ? { service: r.swarm.service, node: r.swarm.node } : {}),
      ...(r.unavailable ? { unavailable: r.unavailable } : {}),
    };
  });
}

/** One copy on this machine, in the sandbox; pytest writes its XML inside the copy (the only place it may write). */
async function replayHere(
  where: Extract<Executor, { kind: "local" }>,
  copy: WorkspaceCopy,
  tests: string[],
  timeoutMs: number,
): Promise<ReplayOutcome> {
  const scratch = mkdtempSync(join(copy.dir, ".redfix-junit-"));
  const junit = join(scratch, "junit.xml");
  const r = await runReplayProcess(
    where.sandbox,
    [copy.dir],
    where.python,
    [...PYTEST_ARGS, `--junitxml=${junit}`, "--", ...tests],
    {
      cwd: copy.harness!,
      env: { REDFIX_RECIPES_DIR: copy.recipes, PYTHONDONTWRITEBYTECODE: "1" },
      timeoutMs,
      readable: [where.runDir],
    },
  );
  const xml = readFileSafe(junit, { root: scratch, maxBytes: 16 * 1024 * 1024 });
  return {
    exitCode: r.exitCode,
    timedOut: r.timedOut,
    durationMs: r.durationMs,
    output: r.output,
    junit: xml.ok ? xml.bytes.toString("utf8") : null,
  };
}

/**
 * `caddy adapt` results of this process's re-checks: every copy holds the same Caddyfiles but the
 * one a patch changes (the key is the text, imports and env, never the copy's path), so each
 * distinct Caddyfile is adapted once per verify run, not once per finding.
 */
const ADAPTED: AdaptStore = (() => {
  const results = new Map<string, CaddyAdaptResult>();
  return { get: (key) => results.get(key), set: (key, r) => void results.set(key, r) };
})();

/** The finding is gone from the patched copy, and nothing new appeared. */
async function staticRecheck(
  copy: WorkspaceCopy,
  finding: Finding,
  baseline: Set<string>,
  rules: string[],
): Promise<CheckResult[]> {
  const r = await analyze({
    recipes: copy.recipes,
    rules,
    ...(copy.harness ? { harness: copy.harness } : {}),
    adaptStore: ADAPTED,
  });
  const ids = new Set(r.findings.map((f) => f.id));
  const out: CheckResult[] = [];
  out.push(
    ids.has(finding.id)
      ? {
          name: "static re-check: finding gone",
          status: "failed",
          reason: "the patched copy still has the finding",
        }
      : { name: "static re-check: finding gone", status: "passed" },
  );
  const fresh = r.findings.filter((f) => !baseline.has(f.id) && !f.suppressed);
  out.push(
    fresh.length > 0
      ? {
          name: "static re-check: no new finding",
          status: "failed",
          reason: fresh.map((f) => `${f.rule} ${f.file}:${f.line} ${f.message}`).join("; "),
        }
      : { name: "static re-check: no new finding", status: "passed" },
  );
  return out;
}

async function validators(rd: RunDir, copy: WorkspaceCopy, finding: Finding, timeoutMs: number) {
  const fix = finding.fix!;
  // fix.patch was checked by readRunDir: a patch file of the series, inside patches/.
  const patch = readFileSync(join(rd.dir, fix.patch), "utf8");
  const touched = patchedFiles(patch);
  const repoDir = copy.repoPath(fix.repo);
  const out: CheckResult[] = [];
  const repo = rd.run.repos.find((r) => r.name === fix.repo);
  let env: Record<string, string> = {};
  if (repo && repo.kind !== "harness") {
    const recipe = loadWorkspace(repoDir, defaultConfig()).recipes[0];
    if (recipe) {
      env = recipeEnv(recipe);
      out.push(...(await composeChecks(recipe, touched, timeoutMs)));
    }
  }
  out.push(...(await fileChecks(repoDir, touched, env, timeoutMs)));
  return out;
}

async function pool<T>(items: T[], jobs: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(jobs, items.length)) }, async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await work(item);
    }
  });
  await Promise.all(workers);
}

function selected(f: Finding, only: VerifyOptions["only"]): boolean {
  const pick = (list: string[] | undefined, ok: (x: string) => boolean) =>
    !list || list.length === 0 || list.some(ok);
  return (
    pick(only?.rules, (r) => r === f.rule) &&
    pick(only?.recipes, (r) => r === f.recipe) &&
    pick(only?.findings, (id) => f.id.startsWith(id))
  );
}

function rounded(stages: VerifyStages): VerifyStages {
  const out = { ...stages };
  for (const k of Object.keys(out) as (keyof VerifyStages)[]) out[k] = Math.round(out[k]);
  return out;
}

/** Runs `work` with no other replay in flight; replays queue in call order. */
let replayQueue: Promise<unknown> = Promise.resolve();
function exclusive<T>(work: () => Promise<T>): Promise<T> {
  const turn = replayQueue.then(work, work);
  replayQueue = turn.catch(() => undefined);
  return turn;
}
