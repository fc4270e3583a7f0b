/**
 * What a swarm replay task prints, read back: each copy's exit status, duration, output and JUnit XML
 * between markers, base64-encoded so that nothing a test prints can pass for a marker; a copy that
 * printed no complete block has no result; a task that could not unpack its copy says so.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { parseTaskOutput } from "../../verify/swarm-replay.js";

const b64 = (s: string) =>
  Buffer.from(s)
    .toString("base64")
    .replace(/(.{76})/g, "$1\n")
    .trim();

const block = (i: number, rc: number, ms: number, out: string, xml?: string) =>
  [
    `@@redfix:${i}:rc ${rc} ${ms}`,
    `@@redfix:${i}:output`,
    b64(out),
    ...(xml !== undefined ? [`@@redfix:${i}:junit`, b64(xml)] : []),
    `@@redfix:${i}:end`,
  ].join("\n");

test("each copy's exit status, duration, output and JUnit come back", () => {
  const xml = `<testsuite><testcase classname="tests.gitea.test_x" name="test_a"/></testsuite>`;
  const long = "x".repeat(500) + "\n@@redfix:2:rc 0 1\n";
  const logs = `${block(2, 1, 2500, "F\n", xml)}\n${block(1, 0, 1200, long, xml)}\n`;
  const r = parseTaskOutput(logs, 2);
  assert.is(r.unavailable, undefined);
  assert.equal(r.copies[0], { exitCode: 0, timedOut: false, durationMs: 1200, output: long, junit: xml });
  assert.equal(r.copies[1], { exitCode: 1, timedOut: false, durationMs: 2500, output: "F\n", junit: xml });
});

test("coreutils timeout's statuses mean timed out; no XML is null", () => {
  const r = parseTaskOutput(`${block(1, 124, 300000, "")}\n${block(2, 137, 300005, "")}`, 2);
  assert.is(r.copies[0]!.timedOut, true);
  assert.is(r.copies[1]!.timedOut, true);
  assert.is(r.copies[0]!.junit, null);
});

test("a copy without a complete block, or out of range, has no result", () => {
  const cut = block(1, 0, 10, "ok").split("\n").slice(0, -1).join("\n");
  assert.equal(parseTaskOutput(cut, 1).copies, [null]);
  assert.equal(parseTaskOutput(block(3, 0, 10, "ok"), 2).copies, [null, null]);
});

test("a task that could not unpack its copy says so", () => {
  const r = parseTaskOutput(
    "@@redfix:unavailable unpacking the shipped copy failed: gzip: stdin: unexpected end of file\n",
    1,
  );
  assert.match(r.unavailable!, /unpacking the shipped copy failed/);
});

test.run();
