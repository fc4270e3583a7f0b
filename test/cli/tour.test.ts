/**
 * The README's quick start and tour work as written: the quick start's command, then the `sh` blocks
 * between `<!-- tour -->` and `<!-- /tour -->` in order in one shell, from a checkout, on the bundled
 * examples. The verify step needs pytest (skipped with the reason
 * otherwise, the rest still runs).
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { PACKAGE_ROOT } from "../../core/package.js";
import { needs } from "../support/tools.js";
import { removeDir, tempDir } from "../support/workspace.js";

const readme = readFileSync(join(PACKAGE_ROOT, "README.md"), "utf8");
const quickStart = readme.slice(readme.indexOf("## Quick start"), readme.indexOf("<!-- analyze-output -->"));
const tourText = readme.slice(readme.indexOf("<!-- tour -->"), readme.indexOf("<!-- /tour -->"));
const shBlocks = (text: string) => [...text.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
const blocks = [...shBlocks(quickStart), ...shBlocks(tourText)];

function tour(skipVerify: boolean) {
  const tmp = tempDir("redfix-tour-");
  // The quick start (the first block) is tested apart; `npm ci` is the reader's install step.
  const script = blocks
    .slice(1)
    .flatMap((b) => b.split("\n"))
    .filter((l) => l.trim() !== "" && l.trim() !== "npm ci" && !(skipVerify && l.includes("redfix verify")))
    .map((l) => l.replace("TOUR=$(mktemp -d)", `TOUR=${tmp}`))
    .join("\n");
  const r = spawnSync("/bin/bash", ["-euo", "pipefail", "-c", script], {
    cwd: PACKAGE_ROOT,
    encoding: "utf8",
    timeout: 300_000,
    env: { ...process.env, NO_COLOR: "1" },
  });
  return { status: r.status, output: `${r.stdout}${r.stderr}`, tmp };
}

test("the tour has the quick start and the five steps", () => {
  const all = blocks.join("\n");
  for (const step of [
    "layout-examples.mjs",
    "redfix analyze",
    "redfix verify",
    "redfix report",
    "redfix apply",
  ])
    assert.ok(all.includes(step), step);
});

test("the quick start analyzes the examples in place: their errors found (exit 1), patches written", () => {
  const [install, analyze] = blocks[0]!.trim().split("\n");
  assert.is(install, "npm ci");
  const out = tempDir("redfix-quick-");
  try {
    // As written, but with the run directory outside the checkout.
    const r = spawnSync("/bin/sh", ["-c", `${analyze!.replace("npx ", "npx --no-install ")} --out ${out}`], {
      cwd: PACKAGE_ROOT,
      encoding: "utf8",
      timeout: 120_000,
      env: { ...process.env, NO_COLOR: "1" },
    });
    assert.is(r.status, 1, r.stderr);
    assert.match(r.stdout, /\d+ errors, \d+ warnings?, \d+ info in 6 recipes; \d+ patches/);
  } finally {
    removeDir(out);
  }
});

test("the tour, verify left out, runs as written", () => {
  const r = tour(true);
  try {
    assert.is(r.status, 0, r.output);
    assert.ok(existsSync(join(r.tmp, "run", "report.html")));
    assert.match(r.output, /would commit on main/);
  } finally {
    removeDir(r.tmp);
  }
});

needs("pytest")("the whole tour runs as written; verify confirms the gitea fix", () => {
  const r = tour(false);
  try {
    assert.is(r.status, 0, r.output);
    assert.match(r.output, "RF130 gitea: confirmed-fix");
  } finally {
    removeDir(r.tmp);
  }
});

test.run();
