/**
 * `redfix verify` end to end on the example workspace, the way a maintainer runs it: the CLI lays
 * down a run directory, then replays the targeted tests of the mattermost-lts, gitea and mumble fixes
 * against real PostgreSQL, the gitea entrypoint sandbox and a real murmurd — alone and under load —
 * with `shellcheck` taken off the PATH, so one validator has no tool to run.
 *
 * Red→green: mattermost-lts's restore and gitea's entrypoint fail on the bundled recipes and pass
 * patched, alone and under load. Mumble's handshake passes alone; `LOAD` copies started together
 * starve murmurd's start-up past the test's handshake budget (2 cores here: 3 to 8 of 12 failed in
 * five runs; a run where none fails reads not-reproduced, and the mumble replay is tried again with
 * more copies), and the patched harness's readiness gate makes every copy pass: a load flake.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from "node:fs";
import { delimiter, join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Finding, FindingsDocument } from "../../core/finding.js";
import { PACKAGE_ROOT } from "../../core/package.js";
import { runProcess } from "../../core/process.js";
import type { VerifyRecord } from "../../verify/record.js";
import { workspace } from "./support.js";
import { needs } from "../support/tools.js";
import type { Workspace } from "./support.js";

const CLI = join(PACKAGE_ROOT, "dist", "cli", "main.js");
const REPEAT = 2;
const LOAD = 12;
const ABSENT = "shellcheck";

const it = needs("pytest", "murmurd", "postgres");

/** A PATH with every program of this one but `absent`: symlinks, first match of each name wins. */
function pathWithout(absent: string, dir: string): string {
  mkdirSync(dir, { recursive: true });
  const linked = new Set<string>([absent]);
  for (const from of (process.env.PATH ?? "").split(delimiter)) {
    if (!from || !existsSync(from)) continue;
    for (const name of readdirSync(from)) {
      if (linked.has(name)) continue;
      linked.add(name);
      symlinkSync(join(from, name), join(dir, name));
    }
  }
  return dir;
}

let ws: Workspace;
let run: string;
let findings: Finding[];
let verifyOutput = "";
const MUMBLE_ATTEMPTS = 3;
/** The copies under load of mumble's last verify: more on each attempt that did not reproduce the flake. */
let mumbleLoad = LOAD;
const mumbleVerdicts: string[] = [];
const mumbleVerdict = () =>
  findings.find((f) => f.rule === "RF203" && f.recipe === "mumble")?.verification?.verdict;

test.before(async () => {
  if (it.missing) return;
  ws = await workspace();
  run = join(ws.root, "run");
  const analyzed = await runProcess(
    process.execPath,
    [CLI, "analyze", ws.recipes, "--harness", ws.harness, "--out", run],
    { timeoutMs: 120_000 },
  );
  if (analyzed.exitCode !== 1) throw new Error(`analyze: exit ${analyzed.exitCode}\n${analyzed.output}`);
  const path = pathWithout(ABSENT, join(ws.root, "bin"));
  const verify = async (recipes: string[], load = LOAD) => {
    const verified = await runProcess(
      process.execPath,
      [
        CLI,
        "verify",
        run,
        ...recipes.flatMap((r) => ["--recipe", r]),
        ...["--repeat", String(REPEAT), "--load", String(load), "--timeout", "300"],
      ],
      { timeoutMs: 1_800_000, env: { PATH: path } },
    );
    verifyOutput += verified.output;
    if (verified.exitCode !== 0) throw new Error(`verify: exit ${verified.exitCode}\n${verified.output}`);
    findings = (JSON.parse(readFileSync(join(run, "findings.json"), "utf8")) as FindingsDocument).findings;
  };
  await verify(["mattermost-lts", "gitea", "mumble"]);
  // A load flake is a rate, not a certainty: of 12 copies on 2 cores, 3 to 8 failed in the five runs
  // measured on a busy machine, none on a quiet one (there 6 to 10 of 18 failed). A miss can only
  // read as not-reproduced; the mumble replay is repeated then with 6 more copies each time, and
  // every verdict it gave is checked below.
  for (let attempt = 1; attempt < MUMBLE_ATTEMPTS && mumbleVerdict() === "not-reproduced"; attempt++) {
    mumbleVerdicts.push(mumbleVerdict()!);
    mumbleLoad = LOAD + 6 * attempt;
    await verify(["mumble"], mumbleLoad);
  }
  mumbleVerdicts.push(mumbleVerdict()!);
});

test.after(() => ws?.dispose());

const finding = (rule: string, recipe: string): Finding => {
  const f = findings.find((x) => x.rule === rule && x.recipe === recipe && x.verification);
  assert.ok(f, `${rule} ${recipe} was verified\n${verifyOutput}`);
  return f!;
};
const record = (f: Finding): VerifyRecord =>
  JSON.parse(readFileSync(join(run, "verify", f.id, "result.json"), "utf8")) as VerifyRecord;
const detail = (f: Finding) => `${JSON.stringify(f.verification, null, 1)}\n${verifyOutput}`;

for (const [rule, recipe] of [
  ["RF110", "mattermost-lts"],
  ["RF130", "gitea"],
] as const) {
  it(`${rule} ${recipe}: red before, green after — alone and under load — confirms the fix`, () => {
    const f = finding(rule, recipe);
    const v = f.verification!;
    assert.is(v.verdict, "confirmed-fix", detail(f));
    assert.equal(v.before, { passed: 0, failed: REPEAT }, detail(f));
    assert.equal(v.after, { passed: REPEAT, failed: 0 }, detail(f));
    assert.equal(v.underLoad?.before, { passed: 0, failed: LOAD }, detail(f));
    assert.equal(v.underLoad?.after, { passed: LOAD, failed: 0 }, detail(f));
    assert.is(f.classification, "recipe-defect");
  });
}

it("RF203 mumble: green alone, red under load, green under load once patched — a load flake", () => {
  const f = finding("RF203", "mumble");
  const v = f.verification!;
  assert.is(v.verdict, "load-flake", `verdicts of ${mumbleVerdicts.length} attempts: ${mumbleVerdicts.join(", ")}\n${detail(f)}`);
  assert.ok(
    mumbleVerdicts.slice(0, -1).every((x) => x === "not-reproduced"),
    `a miss is only ever not-reproduced: ${mumbleVerdicts.join(", ")}`,
  );
  if (mumbleVerdicts.length > 1) console.log(`  mumble load flake shown on attempt ${mumbleVerdicts.length}`);
  assert.equal(v.before, { passed: REPEAT, failed: 0 }, detail(f));
  assert.equal(v.after, { passed: REPEAT, failed: 0 }, detail(f));
  assert.ok((v.underLoad?.before?.failed ?? 0) > 0, detail(f));
  assert.equal(v.underLoad?.after, { passed: mumbleLoad, failed: 0 }, detail(f));
  assert.is(f.classification, "load-flake");
  const failedLog = record(f).runs.find((r) => r.phase === "before" && r.mode === "load" && !r.passed)!;
  assert.match(
    readFileSync(join(run, failedLog.log), "utf8"),
    /no Mumble handshake on 127\.0\.0\.1:\d+ within [\d.]+s/,
    "the failures under load are the handshake budget running out",
  );
});

it(`a validator whose tool is absent (${ABSENT}) is skipped with its reason, never passed`, () => {
  const f = finding("RF110", "mattermost-lts");
  const check = f.verification!.checks.find((c) => c.name.startsWith(ABSENT));
  assert.ok(check, `a ${ABSENT} check on the generated backup script: ${detail(f)}`);
  assert.is(check!.status, "skipped");
  assert.is(check!.reason, `${ABSENT} is not installed`);
  const ran = f.verification!.checks.filter((c) => c.status === "passed").map((c) => c.name);
  assert.ok(ran.includes("git apply") && ran.includes("static re-check: finding gone"), ran.join(", "));
});

it("evidence: each replay's command, exit code, duration, output and JUnit XML under verify/<id>/", () => {
  for (const f of findings.filter((x) => x.verification)) {
    const r = record(f);
    assert.is(r.finding, f.id);
    const load = f.recipe === "mumble" ? mumbleLoad : LOAD;
    assert.is(r.runs.length, 2 * (REPEAT + load), `${f.rule} ${f.recipe}`);
    for (const x of r.runs) {
      assert.is(x.command[0], "python3");
      assert.ok(x.command.includes("pytest"));
      // A replay killed at --timeout has no exit status.
      if (x.timedOut) assert.is(x.exitCode, null);
      else assert.type(x.exitCode, "number");
      assert.ok(x.durationMs > 0);
      const log = readFileSync(join(run, x.log), "utf8");
      assert.match(log, `$ python3 -m pytest`);
      assert.match(log, `# exit ${x.exitCode}`);
      assert.ok(x.junit && existsSync(join(run, x.junit)), x.log);
      assert.ok(x.cases.length > 0, x.log);
    }
  }
  const unselected = findings.filter((x) => x.fix && !["mattermost-lts", "gitea", "mumble"].includes(x.recipe));
  assert.ok(unselected.length > 0 && unselected.every((x) => !x.verification), "--recipe selects");
  assert.ok(existsSync(join(run, "report.html")));
  assert.match(readFileSync(join(run, "report.html"), "utf8"), "load-flake");
});

test.run();
