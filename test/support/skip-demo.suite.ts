/**
 * A suite for test/cli/test-command.test.ts: one test that needs nothing and one that needs caddy.
 * Its name does not end in `.test.ts`, so `npm test` does not run it on its own.
 */
import { execFileSync } from "node:child_process";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { needs } from "./tools.js";

test("needs nothing", () => {
  assert.is(1 + 1, 2);
});

needs("caddy")("needs caddy: caddy prints its version", () => {
  assert.match(execFileSync("caddy", ["version"], { encoding: "utf8" }), /^v?2\./);
});

test.run();
