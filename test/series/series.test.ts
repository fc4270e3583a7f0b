/**
 * The series' rules on small synthetic fixes (issue 15): two root causes that need the same version
 * bump each carry it and still merge together; root causes on adjacent lines share one patch; edits
 * that overlap without one holding the other are refused with a reason.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { buildSeries } from "../../pipeline/series.js";
import type { RegisteredRule } from "../../pipeline/registry.js";
import type { Analyzed, Problem } from "../../analyzers/rule.js";
import type { Finding } from "../../core/finding.js";
import type { Repo } from "../../core/patch.js";
import { replace } from "../../core/edit.js";
import type { Edit } from "../../core/edit.js";
import type { RedfixConfig } from "../../load/config.js";
import type { Workspace } from "../../load/workspace.js";
import { mergeSeries } from "../support/standalone.js";
import { git, removeDir, tempDir } from "../support/workspace.js";

const CONFIG = "a\nb\nc\nd\ne\nf\ng\nh\n";
const ABRA = "export CONF_VERSION=v2\n";

function setup() {
  const dir = tempDir("redfix-series-");
  const repoDir = join(dir, "app");
  mkdirSync(repoDir);
  writeFileSync(join(repoDir, "conf.tmpl"), CONFIG);
  writeFileSync(join(repoDir, "abra.sh"), ABRA);
  git(repoDir, "init", "-q", "-b", "main");
  git(repoDir, "add", "-A");
  git(repoDir, "commit", "-q", "-m", "base");
  const repo: Repo = { name: "app", kind: "recipe", path: repoDir };
  return { dir, repoDir, repo };
}

/** One finding per entry; its fix makes the given edits. */
function run(repo: Repo, fixes: { rule: string; edits: Edit[]; cause?: string }[]) {
  const items: Analyzed[] = fixes.map((f, i) => ({
    problem: { rule: f.rule, key: String(i), data: i } as unknown as Problem,
    finding: { id: `f${i}`, rule: f.rule, recipe: "app", fix: null } as unknown as Finding,
  }));
  const rules = [...new Set(fixes.map((f) => f.rule))].map(
    (id) =>
      ({
        meta: { id },
        check() {},
        fix: {
          fix: (p: Problem) => {
            const f = fixes[p.data as number]!;
            return {
              summary: `fix ${String(p.data)}`,
              repo,
              edits: f.edits,
              ...(f.cause ? { cause: f.cause } : {}),
            };
          },
        },
      }) as unknown as RegisteredRule,
  );
  const series = buildSeries(items, {} as Workspace, {} as RedfixConfig, rules);
  return { series, items };
}

const line = (text: string, n: number) => {
  const start =
    text
      .split("\n")
      .slice(0, n - 1)
      .join("\n").length + (n > 1 ? 1 : 0);
  return { start, end: start + text.split("\n")[n - 1]!.length };
};

test("two root causes that need the same bump each carry it; alone and merged together they apply", () => {
  const { dir, repoDir, repo } = setup();
  try {
    const conf = join(repoDir, "conf.tmpl");
    const abra = join(repoDir, "abra.sh");
    const bump = () => replace(abra, { start: 20, end: 22 }, "v3");
    const { series } = run(repo, [
      { rule: "RFA", edits: [replace(conf, line(CONFIG, 1), "A"), bump()] },
      { rule: "RFB", edits: [replace(conf, line(CONFIG, 7), "G"), bump()] },
    ]);
    assert.is(series.patches.length, 2);
    for (const p of series.patches)
      assert.match(p.content, "-export CONF_VERSION=v2\n+export CONF_VERSION=v3\n");
    assert.equal(series.refused, []);
    assert.equal(mergeSeries(repoDir, series.patches, dir), []);
    assert.is(readFileSync(conf, "utf8"), "A\nb\nc\nd\ne\nf\nG\nh\n");
    assert.is(readFileSync(abra, "utf8"), "export CONF_VERSION=v3\n");
  } finally {
    removeDir(dir);
  }
});

test("root causes on adjacent lines share one patch; one cause key groups findings", () => {
  const { dir, repoDir, repo } = setup();
  try {
    const conf = join(repoDir, "conf.tmpl");
    const { series, items } = run(repo, [
      { rule: "RFA", edits: [replace(conf, line(CONFIG, 3), "C")] },
      { rule: "RFB", edits: [replace(conf, line(CONFIG, 4), "D")] },
      { rule: "RFA", edits: [replace(conf, line(CONFIG, 8), "H")], cause: "x" },
      { rule: "RFA", edits: [replace(conf, line(CONFIG, 1), "A")], cause: "x" },
    ]);
    assert.equal(
      series.patches.map((p) => p.findingIds),
      [
        ["f0", "f1"],
        ["f2", "f3"],
      ],
    );
    assert.ok(items.every((i) => i.finding.fix !== null));
    assert.equal(mergeSeries(repoDir, series.patches, dir), []);
    assert.is(readFileSync(conf, "utf8"), "A\nb\nC\nD\ne\nf\ng\nH\n");
  } finally {
    removeDir(dir);
  }
});

test("edits that overlap without one holding the other: the later fix is refused and says why", () => {
  const { dir, repo, repoDir } = setup();
  try {
    const conf = join(repoDir, "conf.tmpl");
    const { series, items } = run(repo, [
      { rule: "RFA", edits: [replace(conf, { start: 0, end: 5 }, "X")] },
      { rule: "RFB", edits: [replace(conf, { start: 3, end: 9 }, "Y")] },
    ]);
    assert.is(series.patches.length, 1);
    assert.is(series.refused.length, 1);
    assert.match(
      items[1]!.finding.fixUnavailable ?? "",
      /^its fix conflicts with another patch of this run: /,
    );
  } finally {
    removeDir(dir);
  }
});

test.run();
