/**
 * RF203 mumble: the handshake test against a real murmurd started with the test, the way a deploy
 * starts it. Alone it passes; several copies started together (load) slow murmurd's start-up past
 * the test's retry budget unless the harness waits for the voice port (READY_PROBE, the patched
 * harness of `test/fixtures/examples-patched/cc-ci`).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { pytest, workspace } from "./support.js";
import { needs } from "../support/tools.js";
import type { PytestRun, Workspace } from "./support.js";

const HANDSHAKE = "tests/mumble/custom/test_protocol_handshake.py::test_handshake_completes_with_channel_presence";
const KEY = "test_protocol_handshake::test_handshake_completes_with_channel_presence";
const LOAD = 6;

const it = needs("pytest", "murmurd");

let bundled: Workspace;
let patched: Workspace;

test.before(async () => {
  if (it.missing) return;
  bundled = await workspace();
  patched = await workspace(["cc-ci"]);
});
test.after(() => {
  bundled?.dispose();
  patched?.dispose();
});

const underLoad = (ws: Workspace, copies: number): Promise<PytestRun[]> =>
  Promise.all(Array.from({ length: copies }, () => pytest(ws, [HANDSHAKE], { timeoutMs: 150_000 })));

it("alone, the handshake completes and the root channel is present", async () => {
  const r = await pytest(bundled, [HANDSHAKE]);
  assert.is(r.outcomes.get(KEY), "passed", r.output);
});

it(`with READY_PROBE, ${LOAD} copies started together all complete the handshake`, async () => {
  const runs = await underLoad(patched, LOAD);
  const failed = runs.filter((r) => r.outcomes.get(KEY) !== "passed");
  assert.is(failed.length, 0, failed.map((r) => r.output).join("\n---\n"));
});

it(`without a readiness gate, ${LOAD} copies started together: failures are the handshake budget running out`, async () => {
  const runs = await underLoad(bundled, LOAD);
  const failed = runs.filter((r) => r.outcomes.get(KEY) === "failed");
  // The rate depends on this machine's cores and load: it is reported, not asserted.
  console.log(`  mumble handshake without READY_PROBE under load ${LOAD}: ${failed.length}/${LOAD} failed`);
  for (const r of runs) {
    assert.ok(r.outcomes.get(KEY) === "passed" || r.outcomes.get(KEY) === "failed", r.output);
    assert.not.ok(r.timedOut, r.output);
  }
  for (const r of failed) assert.match(r.output, /no Mumble handshake on 127\.0\.0\.1:\d+ within [\d.]+s \(\d+ attempts\)/);
});

test.run();
