/**
 * The deploy phase where no swarm is reachable: each finding it would deploy says `skipped`, with
 * why; `--no-deploy` leaves the phase out; `--on swarm` without a runner image, or with no swarm to run
 * on, is a usage error. Needs no daemon: DOCKER_HOST points at a socket that does not exist.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { FindingsDocument } from "../../core/finding.js";
import { PACKAGE_ROOT } from "../../core/package.js";
import { runProcess } from "../../core/process.js";
import { layout } from "../examples/support.js";
import { needs } from "../support/tools.js";

const CLI = join(PACKAGE_ROOT, "dist", "cli", "main.js");
const it = needs("git", "pytest");

const cli = (args: string[], env: Record<string, string> = {}) =>
  runProcess(process.execPath, [CLI, ...args], { env, timeoutMs: 180_000 });

let root = "";
test.after(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

async function analyzed(): Promise<string> {
  root = mkdtempSync(join(tmpdir(), "redfix-swarm-none-"));
  assert.is((await layout(join(root, "ws"))).exitCode, 0);
  const run = join(root, "run");
  const a = await cli(["analyze", join(root, "ws", "recipes"), "--rule", "R011", "--out", run]);
  assert.is(a.exitCode, 1, a.output);
  return run;
}

it("no swarm reachable: the deploy phase is skipped with its reason", async () => {
  const run = await analyzed();
  const host = `unix://${join(root, "none.sock")}`;
  const v = await cli(["verify", run, "--repeat", "1", "--load", "0"], { DOCKER_HOST: host });
  assert.ok(v.exitCode === 0 || v.exitCode === 1, v.output);
  const doc = JSON.parse(readFileSync(join(run, "findings.json"), "utf8")) as FindingsDocument;
  const f = doc.findings.find((x) => x.rule === "R011")!;
  assert.is(f.verification?.swarm?.verdict, "skipped");
  assert.match(f.verification!.swarm!.reason!, /no docker daemon|docker client is not installed/);
  assert.match(v.stdout, /swarm: skipped — /);

  const n = await cli(["verify", run, "--repeat", "1", "--load", "0", "--no-deploy"], { DOCKER_HOST: host });
  assert.ok(n.exitCode === 0 || n.exitCode === 1, n.output);
  const again = JSON.parse(readFileSync(join(run, "findings.json"), "utf8")) as FindingsDocument;
  assert.is(again.findings.find((x) => x.rule === "R011")!.verification?.swarm, undefined);

  const on = await cli(["verify", run, "--on", "swarm"]);
  assert.is(on.exitCode, 2);
  assert.match(on.stderr, /--on swarm needs --runner-image .*redfix swarm image/);
  const image = await cli(["verify", run, "--runner-image", "redfix/runner:x"]);
  assert.is(image.exitCode, 2);
  assert.match(image.stderr, /--runner-image needs --on swarm/);
  const nowhere = await cli(["verify", run, "--on", "swarm", "--runner-image", "redfix/runner:x"], {
    DOCKER_HOST: host,
  });
  assert.is(nowhere.exitCode, 2, nowhere.output);
  assert.match(nowhere.stderr, /--on swarm: no docker daemon at /);
});

test.run();
