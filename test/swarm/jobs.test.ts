/**
 * `verify --on swarm` on a real single-node swarm (`redfix swarm up`), in the runner image `redfix
 * swarm image` builds from Debian packages (debootstrap, then `docker import`; the root file system is
 * cached under ~/.cache/redfix, so only the first run on a machine pays for debootstrap). On the
 * laid-out examples, the mattermost-lts restore (real PostgreSQL in the task) and the gitea
 * entrypoint replays run as swarm jobs, alone and under load, and give the verdicts, per-run outcomes
 * and per-test outcomes the same replays give on this machine; every run record names the executor,
 * the service and the node. Usage errors say what to do, Ctrl-C removes what verify made, and
 * nothing redfix created is left on the swarm.
 *
 * Skipped, with the reason, where dockerd cannot run here or debootstrap is missing.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { spawn } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { FindingsDocument } from "../../core/finding.js";
import { PACKAGE_ROOT } from "../../core/package.js";
import { runProcess } from "../../core/process.js";
import { docker } from "../../swarm/daemon.js";
import { JOB_LABEL } from "../../swarm/jobs.js";
import { RUNNER_REPO, runnerKey } from "../../swarm/runner-image.js";
import type { VerifyRecord } from "../../verify/record.js";
import { analyzeLaidOut, layout } from "../examples/support.js";
import { needs } from "../support/tools.js";
import { startedSwarm } from "../support/swarm.js";

const CLI = join(PACKAGE_ROOT, "dist", "cli", "main.js");
const it = needs("swarm", "debootstrap", "git", "pytest", "postgres");
const RECIPES = ["mattermost-lts", "gitea"];
const REPLAY = ["--repeat", "1", "--load", "2", "--timeout", "180", "--no-deploy"];

const cli = (args: string[], env: Record<string, string> = {}, timeoutMs = 300_000) =>
  runProcess(process.execPath, [CLI, ...args], { env, timeoutMs });

let host = "";
let swarmDir = "";
let root = "";
let tag = "";
let node = "";

test.after(async () => {
  if (swarmDir && existsSync(swarmDir)) await cli(["swarm", "down", swarmDir]);
  if (root) rmSync(root, { recursive: true, force: true });
});

const records = (run: string): Map<string, VerifyRecord> => {
  const doc = JSON.parse(readFileSync(join(run, "findings.json"), "utf8")) as FindingsDocument;
  const out = new Map<string, VerifyRecord>();
  for (const f of doc.findings.filter((x) => x.verification && RECIPES.includes(x.recipe))) {
    const r = JSON.parse(readFileSync(join(run, "verify", f.id, "result.json"), "utf8")) as VerifyRecord;
    out.set(`${f.rule} ${f.recipe}`, r);
  }
  return out;
};

it("`redfix swarm image` builds the runner image and prints its tag; a second call finds it", async () => {
  const up = await cli(["swarm", "up"]);
  assert.is(up.exitCode, 0, up.output);
  ({ host, dir: swarmDir } = startedSwarm(up.stdout)!);
  const first = await cli(["swarm", "image"], { DOCKER_HOST: host }, 1_800_000);
  assert.is(first.exitCode, 0, first.output);
  tag = first.stdout.trim();
  assert.is(tag, `${RUNNER_REPO}:${runnerKey()}`);
  const second = await cli(["swarm", "image"], { DOCKER_HOST: host });
  assert.is(second.exitCode, 0, second.output);
  assert.is(second.stdout, `${tag}\n`);
  assert.match(second.stderr, /already on the daemon/);
  const label = await docker(host, ["image", "inspect", "--format", "{{.Config.Labels}}", tag], 30_000);
  assert.match(label.stdout, runnerKey());
  node = (await docker(host, ["node", "ls", "--format", "{{.Hostname}}"], 30_000)).stdout.trim();
  assert.ok(node);
});

it("verify --on swarm gives the local verdicts for mattermost-lts and gitea, from swarm jobs", async () => {
  assert.ok(tag, "no runner image");
  root = mkdtempSync(join(tmpdir(), "redfix-jobs-test-"));
  assert.is((await layout(join(root, "ws"))).exitCode, 0);
  const local = join(root, "local");
  const a = await cli(analyzeLaidOut(join(root, "ws"), local));
  assert.is(a.exitCode, 1, a.output);
  const swarm = join(root, "swarm");
  cpSync(local, swarm, { recursive: true });
  const only = RECIPES.flatMap((r) => ["--recipe", r]);
  const l = await cli(["verify", local, ...only, ...REPLAY], {}, 900_000);
  assert.is(l.exitCode, 0, l.output);
  const s = await cli(
    ["verify", swarm, ...only, ...REPLAY, "--on", "swarm", "--runner-image", tag],
    { DOCKER_HOST: host },
    900_000,
  );
  assert.is(s.exitCode, 0, s.output);
  assert.ok(s.stdout.includes(`12 replays ran as swarm jobs in ${tag} on ${node}\n`), s.stdout);
  const here = records(local);
  const there = records(swarm);
  assert.equal([...there.keys()].sort(), ["RF110 mattermost-lts", "RF130 gitea"]);
  for (const [what, r] of there) {
    const mine = here.get(what)!;
    assert.is(r.verdict, "confirmed-fix", `${what}\n${s.output}`);
    assert.is(r.verdict, mine.verdict, what);
    assert.equal(r.counts, mine.counts, what);
    assert.is(r.runs.length, 6, what);
    for (const [k, run] of r.runs.entries()) {
      const twin = mine.runs[k]!;
      assert.is(`${run.phase}-${run.mode}-${run.index}`, `${twin.phase}-${twin.mode}-${twin.index}`);
      assert.is(run.outcome, twin.outcome, `${what} ${run.log}`);
      assert.equal(run.cases, twin.cases, `${what} ${run.log}`);
      assert.is(twin.executor, "local");
      assert.is(run.executor, "swarm");
      assert.match(run.service ?? "", /^rfj[0-9a-f]{6}-\d+-(before|after)-(alone|load)$/);
      assert.is(run.node, node);
      const log = readFileSync(join(swarm, run.log), "utf8");
      assert.match(log, `# on swarm: service ${run.service}, node ${node}, image ${tag}`);
      assert.ok(run.junit && existsSync(join(swarm, run.junit)), run.log);
    }
    // The copies under load ran at once, in one task; each replay alone had a task of its own.
    const load = r.runs.filter((x) => x.mode === "load" && x.phase === "before");
    assert.is(new Set(load.map((x) => x.service)).size, 1);
    assert.is(new Set(r.runs.map((x) => x.service)).size, 4);
  }
  // The restore's real failure, from PostgreSQL in the task.
  const restore = there.get("RF110 mattermost-lts")!.runs.find((x) => x.phase === "before")!;
  assert.match(readFileSync(join(swarm, restore.log), "utf8"), /the restore did not bring back the state/);
});

it("verify --on swarm: a runner image the swarm does not have is a usage error naming `redfix swarm image`", async () => {
  assert.ok(root, "no run directory");
  const r = await cli(
    [
      "verify",
      join(root, "swarm"),
      "--recipe",
      "gitea",
      ...REPLAY,
      "--on",
      "swarm",
      "--runner-image",
      "redfix/runner:absent",
    ],
    { DOCKER_HOST: host },
  );
  assert.is(r.exitCode, 2, r.output);
  assert.match(r.stderr, /runner image redfix\/runner:absent is not on the swarm .*`redfix swarm image`/);
});

it("Ctrl-C during swarm replays removes the services and configs verify made", async () => {
  assert.ok(root, "no run directory");
  const child = spawn(
    process.execPath,
    [
      CLI,
      "verify",
      join(root, "swarm"),
      "--recipe",
      "mattermost-lts",
      "--repeat",
      "3",
      "--load",
      "0",
      "--no-deploy",
      "--on",
      "swarm",
      "--runner-image",
      tag,
    ],
    { env: { ...process.env, DOCKER_HOST: host }, stdio: ["ignore", "pipe", "pipe"] },
  );
  let err = "";
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((res) => child.on("exit", (code) => res(code)));
  const deadline = Date.now() + 120_000;
  let running = false;
  while (Date.now() < deadline && !running) {
    const ls = await docker(host, ["service", "ls", "-q", "--filter", `label=${JOB_LABEL}`], 30_000);
    running = ls.stdout.trim() !== "";
    if (!running) await new Promise((r) => setTimeout(r, 200));
  }
  assert.ok(running, "no replay job came up");
  child.kill("SIGINT");
  assert.is(await exited, 130, err);
  assert.match(err, /SIGINT: removing the replay jobs…/);
});

it("nothing verify made is left on the swarm", async () => {
  assert.ok(host, "no swarm");
  for (const [what, args] of [
    ["services", ["service", "ls", "-q"]],
    ["configs", ["config", "ls", "-q"]],
    ["secrets", ["secret", "ls", "-q"]],
  ] as const) {
    const r = await docker(host, [...args], 30_000);
    assert.is(r.exitCode, 0, r.output);
    assert.is(r.stdout.trim(), "", `${what} left: ${r.stdout}`);
  }
  // A removed service's task containers go shortly after.
  let left = "";
  for (let i = 0; i < 60; i++) {
    left = (await docker(host, ["ps", "-aq"], 30_000)).stdout.trim();
    if (!left) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  assert.is(left, "", "containers left");
  const down = await cli(["swarm", "down", swarmDir]);
  assert.is(down.exitCode, 0, down.output);
  assert.not.ok(existsSync(swarmDir));
});

test.run();
