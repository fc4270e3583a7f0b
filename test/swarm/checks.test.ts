/**
 * The deploy phase's RF121 and RF102 checks on a real single-node swarm (`redfix swarm up`), red
 * before and green after where the swarm shows the defect, `not-reproduced` where it does not:
 * - RF121 on the codemod fixture `no-environment` (nginx's `server {{ env "STACK_NAME" }}_app:3000;`):
 *   read back from the task with `docker exec … cat`, swarm rendered `server _app:3000;` before and
 *   `server <stack>_app:3000;` after. That verify reaches the swarm through a docker context made by
 *   `docker context create` + `docker context use` in a temporary DOCKER_CONFIG (no DOCKER_HOST), and
 *   records it.
 * - RF102 on test/fixtures/swarm/RF102: the long-form `depends_on` is rejected ("must be a list"),
 *   then deployed; `build`, `container_name` and `links` are ignored (the deploy says so, the task's
 *   container has swarm's name, the linked name resolves by swarm's DNS without the link);
 *   `restart: "no"` becomes swarm's default `condition: any` and `restart` beside a
 *   `deploy.restart_policy` is ignored (both fixed); `restart: on-failure:5` alone is converted
 *   (`not-reproduced`).
 * Afterwards nothing verify made (stacks, services, networks, configs, secrets, volumes, containers)
 * is left, and `swarm down` removes the daemon.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Finding, FindingsDocument } from "../../core/finding.js";
import { PACKAGE_ROOT } from "../../core/package.js";
import { runProcess } from "../../core/process.js";
import { startedSwarm, swarmLeftovers } from "../support/swarm.js";
import { needs } from "../support/tools.js";
import { FIXTURES, git } from "../support/workspace.js";

const CLI = join(PACKAGE_ROOT, "dist", "cli", "main.js");
const it = needs("swarm", "busybox", "git");

const cli = (args: string[], env: Record<string, string> = {}, timeoutMs = 120_000) =>
  runProcess(process.execPath, [CLI, ...args], { env, timeoutMs });

let host = "";
let swarmDir = "";
let root = "";

test.after(async () => {
  if (swarmDir && existsSync(swarmDir)) await cli(["swarm", "down", swarmDir]);
  if (root) rmSync(root, { recursive: true, force: true });
});

/** A workspace of git repos made from fixture folders, analyzed for one rule; the run directory. */
async function analyzed(name: string, recipes: Record<string, string>, rule: string): Promise<string> {
  const ws = join(root, name);
  for (const [recipe, from] of Object.entries(recipes)) {
    const dir = join(ws, recipe);
    mkdirSync(dir, { recursive: true });
    cpSync(from, dir, { recursive: true });
    git(dir, "init", "-q", "-b", "main");
    git(dir, "add", "-A");
    git(dir, "commit", "-q", "-m", "recipe");
  }
  const run = join(root, `${name}-run`);
  const a = await cli(["analyze", ws, "--rule", rule, "--out", run]);
  assert.is(a.exitCode, 1, a.output);
  return run;
}

function swarmOf(run: string, rule: string): Finding[] {
  const doc = JSON.parse(readFileSync(join(run, "findings.json"), "utf8")) as FindingsDocument;
  return doc.findings.filter((f) => f.rule === rule && f.fix);
}

it("`redfix swarm up` starts a swarm", async () => {
  const r = await cli(["swarm", "up"]);
  assert.is(r.exitCode, 0, r.output);
  ({ host, dir: swarmDir } = startedSwarm(r.stdout)!);
  assert.ok(existsSync(swarmDir), r.output);
});

it("RF121, through a docker context: swarm renders `server _app:3000;` before, the stack's app after", async () => {
  assert.ok(host, "no swarm");
  root = mkdtempSync(join(tmpdir(), "redfix-swarm-checks-"));
  const config = join(root, "docker-config");
  mkdirSync(config);
  const dockerCli = (args: string[]) =>
    runProcess("docker", args, { env: { DOCKER_CONFIG: config }, timeoutMs: 30_000 });
  const c = await dockerCli(["context", "create", "rf-throwaway", "--docker", `host=${host}`]);
  assert.is(c.exitCode, 0, c.output);
  assert.is((await dockerCli(["context", "use", "rf-throwaway"])).exitCode, 0);

  const run = await analyzed(
    "rf121",
    { shop: join(FIXTURES, "codemods", "RF121", "no-environment", "input") },
    "RF121",
  );
  // No DOCKER_HOST: only the context says where the swarm is.
  const v = await cli(["verify", run, "--repeat", "1", "--load", "0"], { DOCKER_CONFIG: config }, 300_000);
  assert.ok(v.exitCode === 0 || v.exitCode === 1, v.output);
  const fs = swarmOf(run, "RF121");
  assert.is(fs.length, 1, v.output);
  const s = fs[0]!.verification!.swarm!;
  assert.ok(s, v.output);
  assert.equal(s.endpoint, { host, source: "context rf-throwaway" });
  assert.is(s.verdict, "confirmed-fix", JSON.stringify(s));
  assert.is(s.before!.ok, false);
  assert.match(
    s.before!.evidence,
    /web's task renders `server _app:3000;` \(\/etc\/nginx\/conf\.d\/default\.conf/,
  );
  assert.match(s.before!.evidence, /env "STACK_NAME" is empty, the app's STACK_NAME is "rf[0-9a-f]+_\d+b"/);
  assert.is(s.after!.ok, true);
  const after = /renders `server (rf[0-9a-f]+_\d+a)_app:3000;`.*env "STACK_NAME" is "(\1)"/.exec(
    s.after!.evidence,
  );
  assert.ok(after, s.after!.evidence);
  const log = readFileSync(join(run, "verify", fs[0]!.id, "swarm-before.log"), "utf8");
  assert.ok(log.startsWith(`# swarm: ${host} (context rf-throwaway)\n`), log.slice(0, 200));
  assert.match(log, /^\$ docker exec [0-9a-f]+ cat \/etc\/nginx\/conf\.d\/default\.conf$/m);
});

it("RF102: what swarm made of each key, from `docker service inspect` and the task", async () => {
  assert.ok(host, "no swarm");
  const base = join(FIXTURES, "swarm", "RF102");
  const run = await analyzed(
    "rf102",
    { habits: join(base, "habits"), ordered: join(base, "ordered") },
    "RF102",
  );
  const v = await cli(["verify", run, "--repeat", "1", "--load", "0"], { DOCKER_HOST: host }, 900_000);
  assert.ok(v.exitCode === 0 || v.exitCode === 1, v.output);
  const fs = swarmOf(run, "RF102");
  assert.is(fs.length, 7, v.output);
  const at = (recipe: string, line: number) => {
    const f = fs.find((x) => x.recipe === recipe && x.line === line);
    assert.ok(f?.verification?.swarm, `${recipe}:${line}\n${v.output}`);
    assert.equal(f.verification.swarm.endpoint, { host, source: "DOCKER_HOST" });
    return f.verification.swarm;
  };
  const confirmed = (recipe: string, line: number, before: RegExp, after: RegExp) => {
    const s = at(recipe, line);
    assert.is(s.verdict, "confirmed-fix", `${recipe}:${line} ${JSON.stringify(s)}`);
    assert.match(s.before!.evidence, before);
    assert.match(s.after!.evidence, after);
  };
  confirmed("ordered", 7, /services\.app\.depends_on must be a list/, /^deployed/);
  confirmed(
    "habits",
    9,
    /build: "\." is ignored: the service runs image redfix\/standin:busybox.*Ignoring unsupported options: [a-z_, ]*build/,
    /^no build; the service runs image/,
  );
  confirmed(
    "habits",
    10,
    /container_name: example_app is ignored: swarm named the task's container rf[0-9a-f]+_\d+b_app\.1\.[a-z0-9]+ .*Setting the container name is not supported/,
    /^no container_name; swarm named the task's container rf[0-9a-f]+_\d+a_app\.1\./,
  );
  confirmed(
    "habits",
    11,
    /restart: no means condition none; swarm runs condition any \(no deploy\.restart_policy\): ignored/,
    /deploy\.restart_policy says condition none; swarm runs condition none$/,
  );
  confirmed(
    "habits",
    17,
    /^links is ignored; from the task db resolves/,
    /^no links; from the task db resolves$/,
  );
  confirmed(
    "habits",
    23,
    /restart: always means condition any; swarm runs condition on-failure \(deploy\.restart_policy\): ignored/,
    /deploy\.restart_policy says condition on-failure; swarm runs condition on-failure$/,
  );
  // Converted by docker/cli (`convertRestartPolicy`), so the swarm shows no defect here.
  const converted = at("habits", 16);
  assert.is(converted.verdict, "not-reproduced", JSON.stringify(converted));
  assert.match(
    converted.before!.evidence,
    /restart: on-failure:5 means condition on-failure, max_attempts 5; swarm runs condition on-failure, max_attempts 5 .*converted/,
  );
  assert.is(converted.after!.ok, true);
});

it("nothing verify deployed is left on the swarm", async () => {
  assert.ok(host, "no swarm");
  assert.equal(await swarmLeftovers(host), []);
});

it("`redfix swarm down` finds the swarm through the docker context and removes it", async () => {
  assert.ok(swarmDir, "no swarm");
  const config = mkdtempSync(join(tmpdir(), "redfix-docker-config-"));
  try {
    const made = await runProcess("docker", ["context", "create", "rf-down", "--docker", `host=${host}`], {
      env: { DOCKER_CONFIG: config },
      timeoutMs: 30_000,
    });
    assert.is(made.exitCode, 0, made.output);
    // The endpoint is consulted: a context that does not exist is a usage error, and nothing is removed.
    const wrong = await cli(["swarm", "down"], { DOCKER_CONFIG: config, DOCKER_CONTEXT: "nope" });
    assert.is(wrong.exitCode, 2, wrong.output);
    assert.match(wrong.output, /swarm down: docker context "nope" \(from DOCKER_CONTEXT\) does not exist/);
    assert.ok(existsSync(swarmDir));
    const r = await cli(["swarm", "down"], { DOCKER_CONFIG: config, DOCKER_CONTEXT: "rf-down" });
    assert.is(r.exitCode, 0, r.output);
    assert.match(r.output, `removed ${swarmDir}`);
    assert.not.ok(existsSync(swarmDir));
  } finally {
    rmSync(config, { recursive: true, force: true });
  }
});

test.run();
