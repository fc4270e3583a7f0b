import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { FIXTURES, removeDir, repoFrom, tempDir } from "../support/workspace.js";

const BIN = join(process.cwd(), "dist", "cli", "main.js");
const ESC = "\u001b[";
const WS = join(FIXTURES, "rules", "RF101", "workspace");

function redfix(args: string[], env: Record<string, string> = {}) {
  // Node warns on stderr when both colour variables are set: start from neither.
  const base = { ...process.env };
  delete base.NO_COLOR;
  delete base.FORCE_COLOR;
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", env: { ...base, ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("--format json prints the contract document, byte-identical across runs and out dirs", () => {
  const a = tempDir();
  const b = tempDir();
  try {
    const r1 = redfix(["analyze", WS, "--format", "json", "--out", a]);
    const r2 = redfix(["analyze", WS, "--format", "json", "--out", b]);
    assert.is(r1.status, 1);
    assert.is(r1.stdout, r2.stdout);
    assert.is(readFileSync(join(a, "findings.json"), "utf8"), r1.stdout);
    assert.is(readFileSync(join(a, "redfix.sarif"), "utf8"), readFileSync(join(b, "redfix.sarif"), "utf8"));
    const doc = JSON.parse(r1.stdout) as { tool: { name: string }; findings: Record<string, unknown>[] };
    assert.is(doc.tool.name, "redfix");
    const f = doc.findings[0]!;
    for (const k of [
      "id",
      "rule",
      "severity",
      "recipe",
      "target",
      "file",
      "line",
      "column",
      "endLine",
      "endColumn",
    ]) {
      assert.ok(k in f, `finding has ${k}`);
    }
    assert.ok(doc.findings.some((x) => x.fix !== null));
  } finally {
    removeDir(a);
    removeDir(b);
  }
});

test("SARIF 2.1.0: rules from metadata, regions with start and end, partial fingerprints", () => {
  const out = tempDir();
  try {
    const r = redfix(["analyze", WS, "--format", "sarif", "--out", out]);
    const sarif = JSON.parse(r.stdout) as {
      version: string;
      runs: {
        tool: { driver: { rules: { id: string; shortDescription: { text: string } }[] } };
        results: {
          ruleId: string;
          ruleIndex: number;
          partialFingerprints: Record<string, string>;
          locations: { physicalLocation: { region: Record<string, number> } }[];
        }[];
      }[];
    };
    assert.is(sarif.version, "2.1.0");
    const run = sarif.runs[0]!;
    const ids = run.tool.driver.rules.map((x) => x.id);
    assert.ok(ids.includes("RF101") && ids.includes("R011"));
    for (const res of run.results) {
      assert.is(run.tool.driver.rules[res.ruleIndex]!.id, res.ruleId);
      const region = res.locations[0]!.physicalLocation.region;
      for (const k of ["startLine", "startColumn", "endLine", "endColumn"]) assert.type(region[k], "number");
      assert.match(res.partialFingerprints["redfixFindingId/v1"] ?? "", /^[0-9a-f]{16}$/);
    }
  } finally {
    removeDir(out);
  }
});

test("exit codes: 0 clean, 1 findings, 2 usage (one line, no stack)", () => {
  const out = tempDir();
  const clean = tempDir();
  try {
    writeFileSync(join(clean, "compose.yml"), 'version: "3.8"\nservices:\n  app:\n    image: nginx:1.25\n');
    assert.is(redfix(["analyze", clean, "--rule", "RF101", "--out", out]).status, 0);
    assert.is(redfix(["analyze", WS, "--out", out]).status, 1);
    const bad = redfix(["analyze", join(clean, "nope"), "--out", out]);
    assert.is(bad.status, 2);
    assert.is(bad.stderr.trim().split("\n").length, 1);
    assert.not.match(bad.stderr, /\n\s+at /);
    assert.is(redfix(["analyze", WS, "--rule", "NOPE", "--out", out]).status, 2);
    assert.is(redfix(["frobnicate"]).status, 2);
  } finally {
    removeDir(out);
    removeDir(clean);
  }
});

test("text output: grouped by recipe, no colour without a TTY or with NO_COLOR", () => {
  const out = tempDir();
  try {
    const plain = redfix(["analyze", WS, "--rule", "RF101", "--out", out]);
    assert.not.ok(plain.stdout.includes(ESC), "no escape codes");
    assert.match(plain.stdout, /^discourse\n {2}discourse\/compose\.yml:\d+:\d+ +error +RF101/m);
    const forced = redfix(["analyze", WS, "--out", out], { FORCE_COLOR: "1" });
    assert.ok(forced.stdout.includes(ESC), "colour when forced");
    const noColor = redfix(["analyze", WS, "--out", out], { FORCE_COLOR: "1", NO_COLOR: "1" });
    assert.not.ok(noColor.stdout.includes(ESC), "NO_COLOR wins");
  } finally {
    removeDir(out);
  }
});

test("suppressions: inline with a reason and from the config stay in the output, marked", () => {
  const dir = repoFrom(join(FIXTURES, "codemods", "RF101", "bitnami-sidekiq", "input"));
  const out = tempDir();
  try {
    const compose = join(dir, "compose.yml");
    const text = readFileSync(compose, "utf8").replace(
      "      - discourse    # from Bitnami",
      "      # redfix-disable-next-line RF101 -- upstream keeps it, tracked in #12\n      - discourse    # from Bitnami",
    );
    writeFileSync(compose, text);
    writeFileSync(
      join(dir, "redfix.config.yaml"),
      "suppress:\n  - rule: RF101\n    path: compose.yml\n    reason: db waits are handled by the entrypoint\nfailOn: error\n",
    );
    const r = redfix(["analyze", dir, "--format", "json", "--out", out, "--rule", "RF101"]);
    const doc = JSON.parse(r.stdout) as {
      findings: { suppressed?: { kind: string; reason: string }; fix: unknown }[];
    };
    const kinds = doc.findings.map((f) => f.suppressed?.kind).sort();
    assert.equal(kinds, ["config", "inline"]);
    assert.ok(doc.findings.some((f) => f.suppressed?.reason === "upstream keeps it, tracked in #12"));
    assert.ok(
      doc.findings.every((f) => f.fix === null),
      "suppressed findings get no patch",
    );
    assert.is(r.status, 0, "only suppressed findings: exit 0");
  } finally {
    removeDir(dir);
    removeDir(out);
  }
});

test("config: rule levels, the abra profile, excluded paths, and a broken config is exit 2", () => {
  const dir = tempDir();
  const out = tempDir();
  try {
    execFileSync("cp", ["-r", join(WS, "discourse"), join(WS, "overlays"), dir]);
    writeFileSync(
      join(dir, "redfix.config.yaml"),
      "rules:\n  RF101: warning\nexclude: [overlays]\nfailOn: error\n",
    );
    const r = redfix(["analyze", dir, "--format", "json", "--out", out, "--rule", "RF101"]);
    const doc = JSON.parse(r.stdout) as { findings: { recipe: string; severity: string; rule: string }[] };
    assert.ok(doc.findings.length > 0);
    assert.ok(doc.findings.every((f) => f.recipe === "discourse"));
    assert.ok(doc.findings.filter((f) => f.rule === "RF101").every((f) => f.severity === "warning"));
    assert.is(r.status, 0, "warnings under failOn: error");
    const abra = JSON.parse(
      redfix(["analyze", dir, "--format", "json", "--out", out, "--profile", "abra"]).stdout,
    ) as {
      findings: { rule: string }[];
    };
    assert.ok(abra.findings.every((f) => /^R0\d\d$/.test(f.rule)));
    writeFileSync(join(dir, "redfix.config.yaml"), "rules: [oops\n");
    const broken = redfix(["analyze", dir, "--out", out]);
    assert.is(broken.status, 2);
    assert.match(broken.stderr, /redfix\.config\.yaml/);
  } finally {
    removeDir(dir);
    removeDir(out);
  }
});

test("redfix rules lists every rule and documents one", () => {
  const list = redfix(["rules"]);
  assert.is(list.status, 0);
  assert.match(list.stdout, /^RF101 +error +fix +/m);
  const one = redfix(["rules", "rf101"]);
  assert.match(one.stdout, /RF101 — depends-on-undefined-service/);
  assert.is(redfix(["rules", "RF999"]).status, 2);
});

test.run();
