/**
 * `redfix swarm up`, then `redfix verify` with its deploy phase on the laid-out example workspace,
 * on that real single-node swarm, then `redfix swarm down`. Red before, green after, from the swarm
 * itself: R011 (discourse's image-less `postfix` overlay: the deploy is rejected, then accepted),
 * RF130 (a write to gitea's /etc/gitea/app.ini from the task fails read-only, then succeeds), RF120
 * (from bluesky-pds's caddy task, the bare `app` of its rendered Caddyfile resolves to every stack's
 * `app` on `proxy`, then the qualified name to its own only). RF101 is deployed too: `docker stack
 * deploy` accepts a `depends_on` on an undefined service (measured with the docker 20.10 and 28.2
 * clients), so the swarm does not reproduce it, and verify says so. Afterwards nothing verify made
 * is left on the swarm, and `swarm down` removes the daemon and its folder.
 *
 * Skipped, with the reason, where dockerd cannot run (not root, no dockerd, no cgroups) or busybox
 * is missing; where it can, a failing `swarm up` fails this suite.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { spawn } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Finding, FindingsDocument } from "../../core/finding.js";
import { PACKAGE_ROOT } from "../../core/package.js";
import { runProcess } from "../../core/process.js";
import { docker } from "../../swarm/daemon.js";
import { analyzeLaidOut, layout } from "../examples/support.js";
import { startedSwarm, swarmLeftovers } from "../support/swarm.js";
import { needs } from "../support/tools.js";
import { FIXTURES, git } from "../support/workspace.js";

const CLI = join(PACKAGE_ROOT, "dist", "cli", "main.js");
const it = needs("swarm", "busybox", "git", "pytest");

const cli = (args: string[], env: Record<string, string> = {}, timeoutMs = 120_000) =>
  runProcess(process.execPath, [CLI, ...args], { env, timeoutMs });

let host = "";
let swarmDir = "";
let root = "";
let findings: Finding[] = [];
let verifyOutput = "";

test.after(async () => {
  if (swarmDir && existsSync(swarmDir)) await cli(["swarm", "down", swarmDir]);
  if (root) rmSync(root, { recursive: true, force: true });
});

it("`redfix swarm up` starts a swarm and prints DOCKER_HOST on a line of its own", async () => {
  const r = await cli(["swarm", "up"]);
  assert.is(r.exitCode, 0, r.output);
  const started = startedSwarm(r.stdout);
  assert.ok(started, r.stdout);
  ({ host, dir: swarmDir } = started);
  assert.ok(swarmDir.startsWith(tmpdir()), swarmDir);
  const info = await docker(host, ["info", "--format", "{{.Swarm.LocalNodeState}}"], 30_000);
  assert.is(info.stdout.trim(), "active");
});

it("verify deploys the example recipes before and after their fixes", async () => {
  assert.ok(host, "no swarm");
  root = mkdtempSync(join(tmpdir(), "redfix-swarm-test-"));
  const l = await layout(join(root, "ws"));
  assert.is(l.exitCode, 0, l.output);
  const run = join(root, "run");
  const a = await cli(analyzeLaidOut(join(root, "ws"), run));
  assert.ok(a.exitCode === 0 || a.exitCode === 1, a.output);
  const rules = ["R011", "RF101", "RF120", "RF130"].flatMap((r) => ["--rule", r]);
  const v = await cli(
    ["verify", run, ...rules, "--repeat", "1", "--load", "0", "--timeout", "120"],
    { DOCKER_HOST: host },
    900_000,
  );
  verifyOutput = v.output;
  assert.ok(v.exitCode === 0 || v.exitCode === 1, v.output);
  findings = (JSON.parse(readFileSync(join(run, "findings.json"), "utf8")) as FindingsDocument).findings;
  for (const rule of ["R011", "RF120", "RF130"]) {
    const fs = findings.filter((f) => f.rule === rule && f.fix);
    assert.ok(fs.length > 0, `no fixed ${rule} finding`);
    for (const f of fs) {
      const s = f.verification?.swarm;
      assert.ok(s, `${rule} ${f.recipe}: no swarm evidence\n${verifyOutput}`);
      assert.is(s.verdict, "confirmed-fix", `${rule} ${f.recipe}: ${JSON.stringify(s)}`);
      assert.is(s.before?.ok, false);
      assert.is(s.after?.ok, true);
      for (const phase of ["before", "after"]) {
        const log = readFileSync(join(run, "verify", f.id, `swarm-${phase}.log`), "utf8");
        assert.match(log, /^\$ docker stack deploy /m);
        assert.match(log, /^# exit \d+, \d+ ms$/m);
      }
    }
  }
});

it("R011: the swarm rejects the image-less overlay service, then deploys the patched stack", () => {
  const s = findings.find((f) => f.rule === "R011")!.verification!.swarm!;
  assert.match(s.before!.evidence, /postfix/);
  assert.match(s.before!.evidence, /image/);
  assert.match(s.after!.evidence, /^deployed/);
});

it("RF130: the mounted config is read-only from the task before, writable after", () => {
  const s = findings.find((f) => f.rule === "RF130")!.verification!.swarm!;
  assert.match(s.before!.evidence, /\/etc\/gitea\/app\.ini.*Read-only file system/);
  assert.match(s.after!.evidence, /\/etc\/gitea\/app\.ini is writable/);
});

it("RF120: the bare name answers with several stacks' addresses before, the own service after", () => {
  for (const f of findings.filter((x) => x.rule === "RF120")) {
    const s = f.verification!.swarm!;
    const before = /app resolves to ([^;]+);/.exec(s.before!.evidence);
    assert.ok(before, s.before!.evidence);
    assert.ok(before[1]!.split(", ").length > 1, s.before!.evidence);
    assert.match(s.after!.evidence, /renders `[^`]*_app:3000/);
    assert.match(s.after!.evidence, /_app resolves to \d+\.\d+\.\d+\.\d+;/);
  }
});

it("RF101: the swarm accepts depends_on on an undefined service, and verify says not-reproduced", () => {
  const s = findings.find((f) => f.rule === "RF101")!.verification!.swarm!;
  assert.is(s.verdict, "not-reproduced");
  assert.is(s.before!.ok, true);
});

/**
 * RF140 on the codemod fixture's recipe: its `release/` tree tagged 1.0.0+2.8.0, then `input/`
 * committed over it (both configs changed, no version bumped). Deploying the release and then the
 * head under one stack name is rejected before the fix, and rotates the configs after it.
 */
it("RF140: release then head is rejected before the version bump, accepted after", async () => {
  assert.ok(host, "no swarm");
  const caseDir = join(FIXTURES, "codemods", "RF140", "unbumped");
  const ws = join(root, "rf140");
  const recipe = join(ws, "web");
  mkdirSync(recipe, { recursive: true });
  cpSync(join(caseDir, "release"), recipe, { recursive: true });
  git(recipe, "init", "-q", "-b", "main");
  git(recipe, "add", "-A");
  git(recipe, "commit", "-q", "-m", "release");
  git(recipe, "tag", "-a", "-m", "release", "1.0.0+2.8.0");
  cpSync(join(caseDir, "input"), recipe, { recursive: true });
  git(recipe, "commit", "-q", "-am", "change configs");
  const run = join(root, "rf140-run");
  const a = await cli(["analyze", ws, "--rule", "RF140", "--out", run]);
  assert.is(a.exitCode, 1, a.output);
  const v = await cli(["verify", run, "--repeat", "1", "--load", "0"], { DOCKER_HOST: host }, 300_000);
  assert.ok(v.exitCode === 0 || v.exitCode === 1, v.output);
  const doc = JSON.parse(readFileSync(join(run, "findings.json"), "utf8")) as FindingsDocument;
  const fs = doc.findings.filter((f) => f.rule === "RF140" && f.fix);
  assert.is(fs.length, 2, v.output);
  for (const f of fs) {
    const s = f.verification?.swarm;
    assert.ok(s, v.output);
    assert.is(s.verdict, "confirmed-fix", JSON.stringify(s));
    assert.match(s.before!.evidence, /only updates to Labels are allowed/);
    assert.match(s.after!.evidence, /updated/);
  }
});

it("Ctrl-C during the deploy phase removes what it deployed", async () => {
  assert.ok(host, "no swarm");
  const run = join(root, "run");
  const child = spawn(
    process.execPath,
    [CLI, "verify", run, "--rule", "RF120", "--repeat", "1", "--load", "0"],
    {
      env: { ...process.env, DOCKER_HOST: host },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let err = "";
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((res) => child.on("exit", (code) => res(code)));
  // Interrupted once the workspace's stacks are being deployed beside bluesky-pds.
  const deadline = Date.now() + 120_000;
  let services = 0;
  while (Date.now() < deadline && services < 5) {
    services = (await docker(host, ["service", "ls", "-q"], 30_000)).stdout
      .split("\n")
      .filter(Boolean).length;
    await new Promise((r) => setTimeout(r, 300));
  }
  assert.ok(services >= 5, `only ${services} services came up`);
  child.kill("SIGINT");
  assert.is(await exited, 130, err);
  assert.match(err, /SIGINT: removing the stacks/);
});

it("nothing verify deployed is left on the swarm", async () => {
  assert.ok(host, "no swarm");
  assert.equal(await swarmLeftovers(host), []);
});

it("`redfix swarm down` stops the daemon and removes its folder", async () => {
  assert.ok(swarmDir, "no swarm");
  const r = await cli(["swarm", "down"], { DOCKER_HOST: host });
  assert.is(r.exitCode, 0, r.output);
  assert.not.ok(existsSync(swarmDir));
  const again = await cli(["swarm", "down", swarmDir]);
  assert.is(again.exitCode, 2);
  assert.match(again.stderr, /not a redfix swarm/);
});

test.run();
