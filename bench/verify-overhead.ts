/**
 * `npm run bench:verify`: `redfix analyze` then `redfix verify` (its defaults: --repeat, --load,
 * --jobs, the sandbox; no deploy phase) on a copy of the bundled examples and their harness, each
 * as a user runs it, then the time of each verify stage summed over the findings from verify's own
 * records (`verify/<id>/result.json` `stages`). The target: the runner's overhead — the patched
 * copy, `git apply`, the static re-check — under 5 % of the replay time. Validators are shown
 * beside it (real checks, not overhead). Needs python3 and pytest; without them nothing replays
 * and the bench says so.
 */
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PACKAGE_ROOT } from "../core/package.js";
import type { VerifyRecord, VerifyStages } from "../verify/record.js";

const work = mkdtempSync(join(tmpdir(), "redfix-bench-verify-"));
try {
  const recipes = join(work, "recipes");
  const harness = join(work, "cc-ci");
  cpSync(join(PACKAGE_ROOT, "examples", "recipes"), recipes, { recursive: true });
  cpSync(join(PACKAGE_ROOT, "examples", "cc-ci"), harness, { recursive: true });
  const run = join(work, "run");
  const cli = (...args: string[]): number => {
    const t0 = process.hrtime.bigint();
    try {
      execFileSync(process.execPath, [join(PACKAGE_ROOT, "dist", "cli", "main.js"), ...args], {
        stdio: ["ignore", "ignore", "inherit"],
      });
    } catch (e) {
      // analyze exits 1 when it finds something: that is the point here.
      if ((e as { status?: number }).status !== 1) throw e;
    }
    return Number(process.hrtime.bigint() - t0) / 1e6;
  };
  cli("analyze", recipes, "--harness", harness, "--out", run, "--quiet");
  const wall = cli("verify", run, "--no-deploy");
  const records = readdirSync(join(run, "verify"), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => JSON.parse(readFileSync(join(run, "verify", d.name, "result.json"), "utf8")) as VerifyRecord);
  const total: VerifyStages = {
    copyMs: 0,
    applyMs: 0,
    recheckMs: 0,
    validatorsMs: 0,
    collectMs: 0,
    replayMs: 0,
    deployMs: 0,
  };
  for (const r of records)
    for (const k of Object.keys(total) as (keyof VerifyStages)[]) total[k] += r.stages?.[k] ?? 0;
  const overhead = total.copyMs + total.applyMs + total.recheckMs;
  const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
  const pct = (ms: number): string =>
    total.replayMs > 0 ? `${((ms / total.replayMs) * 100).toFixed(1)} % of replay` : "-";
  const replays = records.reduce((n, r) => n + r.runs.length, 0);
  const rows: [string, string][] = [
    ["findings verified / replays", `${records.length} / ${replays}`],
    ["verify wall time (whole command)", s(wall)],
    ["replays (sum of each finding's)", s(total.replayMs)],
    ["patched copy", `${s(total.copyMs)}  ${pct(total.copyMs)}`],
    ["git apply", `${s(total.applyMs)}  ${pct(total.applyMs)}`],
    ["static re-check", `${s(total.recheckMs)}  ${pct(total.recheckMs)}`],
    ["runner overhead (the three above)", `${s(overhead)}  ${pct(overhead)}`],
    ["validators", `${s(total.validatorsMs)}  ${pct(total.validatorsMs)}`],
    ["waiting for pytest's collection", `${s(total.collectMs)}  ${pct(total.collectMs)}`],
  ];
  const width = Math.max(...rows.map((r) => r[0].length));
  console.log("redfix verify bench (the bundled examples and harness; verify's defaults, no deploy phase)");
  for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
  console.log("target:");
  if (total.replayMs === 0) console.log("skipped  nothing was replayed (python3 and pytest are needed)");
  else
    console.log(
      `${overhead <= 0.05 * total.replayMs ? "met    " : "NOT MET"}  runner overhead under 5 % of replay time (${((overhead / total.replayMs) * 100).toFixed(1)} %)`,
    );
} finally {
  rmSync(work, { recursive: true, force: true });
}
