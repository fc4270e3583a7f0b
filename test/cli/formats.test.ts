/**
 * The conventions of ESLint-class tools: `-f junit` and `-f gitlab` (Code Quality) beside
 * text/json/sarif, `-o <file>`, `--quiet`, and a baseline (`redfix baseline`, `--baseline <file>`)
 * matched by the findings' stable fingerprints, so that existing findings don't fail CI.
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { PACKAGE_ROOT } from "../../core/package.js";
import type { FindingsDocument } from "../../core/finding.js";
import { needs } from "../support/tools.js";
import { removeDir, tempDir } from "../support/workspace.js";

const BIN = join(PACKAGE_ROOT, "dist", "cli", "main.js");

function redfix(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    encoding: "utf8",
    timeout: 120_000,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", NO_COLOR: "1" },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const root = tempDir("redfix-formats-");
const recipes = join(root, "recipes");
cpSync(join(PACKAGE_ROOT, "examples", "recipes"), recipes, { recursive: true });
const run = join(root, "run");
test.after(() => removeDir(root));

const findings = (): FindingsDocument["findings"] =>
  (JSON.parse(readFileSync(join(run, "findings.json"), "utf8")) as FindingsDocument).findings;

test("-f gitlab: a Code Quality report, fingerprints are the finding ids, paths from the current folder", () => {
  const r = redfix(["analyze", "recipes", "-f", "gitlab", "--out", run], root);
  assert.is(r.status, 1, r.stderr);
  const issues = JSON.parse(r.stdout) as {
    type: string;
    check_name: string;
    fingerprint: string;
    severity: string;
    description: string;
    location: { path: string; lines: { begin: number } };
  }[];
  const all = findings().filter((f) => !f.suppressed);
  assert.is(issues.length, all.length);
  assert.equal(issues.map((i) => i.fingerprint).sort(), all.map((f) => f.id).sort());
  for (const i of issues) {
    assert.is(i.type, "issue");
    assert.ok(["info", "minor", "major", "critical", "blocker"].includes(i.severity), i.severity);
    assert.ok(existsSync(join(root, i.location.path)), i.location.path);
    assert.ok(i.location.lines.begin >= 1);
  }
  assert.ok(issues.some((i) => i.location.path.startsWith("recipes/bluesky-pds/")));
});

test("-f junit -o <file>: nothing on stdout; one test case per finding, failed at the threshold", () => {
  const file = join(root, "redfix.xml");
  const r = redfix(["analyze", "recipes", "-f", "junit", "-o", file, "--out", run], root);
  assert.is(r.status, 1);
  assert.is(r.stdout, "");
  const xml = readFileSync(file, "utf8");
  const all = findings();
  assert.is(xml.match(/<testcase /g)?.length, all.length);
  const failing = all.filter((f) => !f.suppressed && f.severity !== "info").length;
  assert.is(xml.match(/<failure /g)?.length, failing, "error and warning fail under failOn: warning");
  assert.match(xml, `<testsuites name="redfix" tests="${all.length}" failures="${failing}"`);
  assert.not.match(
    xml.replace(/<\/?[a-z-]+[ >/]|<\?xml[^>]*>|"\s*\/?>/g, ""),
    /<[^!]/,
    "no raw < from messages",
  );
});

needs("python3")("the JUnit XML is well-formed (read by Python's XML parser)", () => {
  const file = join(root, "redfix.xml");
  redfix(["analyze", "recipes", "-f", "junit", "-o", file, "--out", run], root);
  const r = spawnSync(
    "python3",
    [
      "-c",
      "import sys, xml.etree.ElementTree as E; t = E.parse(sys.argv[1]); print(len(t.findall('.//testcase')))",
      file,
    ],
    { encoding: "utf8" },
  );
  assert.is(r.status, 0, r.stderr);
  assert.is(Number(r.stdout.trim()), findings().length);
});

test("--quiet prints errors only; the run directory still has every finding", () => {
  const r = redfix(["analyze", "recipes", "-f", "json", "--quiet", "--out", run], root);
  const printed = (JSON.parse(r.stdout) as FindingsDocument).findings;
  assert.ok(printed.length > 0);
  assert.ok(printed.every((f) => f.severity === "error"));
  assert.ok(
    findings().some((f) => f.severity !== "error"),
    "the run directory keeps warnings and info",
  );
});

test("baseline: recorded findings don't fail; a new one does, and a moved one is still matched", () => {
  const baseline = join(root, "redfix-baseline.json");
  const b = redfix(["baseline", "recipes", "-o", baseline], root);
  assert.is(b.status, 0, b.stderr);
  assert.match(b.stdout, /^\d+ findings recorded in /);
  const clean = redfix(["analyze", "recipes", "--baseline", baseline, "--out", run], root);
  assert.is(clean.status, 0, clean.stdout);
  assert.ok(findings().every((f) => f.suppressed?.kind === "baseline" || f.suppressed));
  // Lines inserted above every finding of gitea's compose file: the findings move, their ids don't.
  const compose = join(recipes, "gitea", "compose.yml");
  const text = readFileSync(compose, "utf8");
  writeFileSync(compose, text.replace("services:\n", "services:\n  # a comment\n  # another\n"));
  const moved = redfix(["analyze", "recipes", "--baseline", baseline, "--out", run], root);
  assert.is(moved.status, 0, moved.stdout);
  // A new defect: a service depending on one that does not exist (RF101).
  writeFileSync(
    compose,
    text.replace("services:\n", "services:\n  extra:\n    image: nginx:1.25\n    depends_on: [nowhere]\n"),
  );
  const added = redfix(["analyze", "recipes", "--baseline", baseline, "-f", "json", "--out", run], root);
  assert.is(added.status, 1);
  const active = (JSON.parse(added.stdout) as FindingsDocument).findings.filter((f) => !f.suppressed);
  assert.ok(active.length > 0);
  assert.ok(
    active.every((f) => f.recipe === "gitea"),
    JSON.stringify(active.map((f) => f.rule)),
  );
  writeFileSync(compose, text);
  writeFileSync(join(root, "not-a-baseline.json"), "[]");
  assert.is(
    redfix(["analyze", "recipes", "--baseline", "not-a-baseline.json", "--out", run], root).status,
    2,
  );
});

test.run();
