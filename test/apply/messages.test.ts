/**
 * Commit and pull-request text comes from the patch that is committed (issue 15): for every patch
 * redfix writes on the laid-out examples and on the codemod fixtures, the message names exactly the
 * files the diff changes, every version bump it mentions is a changed `export` line of that diff, and
 * every changed export of the diff is in it; no summary of another patch's finding is in it.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { analyze } from "../../pipeline/analyze.js";
import type { AnalyzeResult } from "../../pipeline/analyze.js";
import { changesOf, renderCommitMessage, renderPullRequest } from "../../apply/messages.js";
import { layout } from "../examples/support.js";
import { FIXTURES, removeDir, repoFrom, tempDir } from "../support/workspace.js";

/** What is wrong with each patch's commit message and PR text, compared with its diff. */
function mismatches(result: AnalyzeResult): { checked: number; problems: string[] } {
  const problems: string[] = [];
  let checked = 0;
  for (const p of result.series.patches) {
    const findings = result.findings.filter((f) => f.fix?.patch === p.path);
    const others = result.findings.filter((f) => f.fix && f.fix.patch !== p.path);
    const input = {
      recipe: findings[0]!.recipe,
      findings,
      patches: [p.name],
      diffs: [p.content],
      related: [],
    };
    const commit = renderCommitMessage(input);
    const pr = renderPullRequest(input);
    checked++;
    const files = [...p.content.matchAll(/^diff --git a\/\S+ b\/(\S+)$/gm)].map((m) => m[1]!);
    const listed = [...commit.matchAll(/^- (\S+): /gm)]
      .map((m) => m[1]!)
      .filter((f) => commit.indexOf(`- ${f}: `) > commit.indexOf("Changes:"));
    const changesBlock = commit.slice(
      commit.indexOf("Changes:"),
      commit.indexOf("\n\n", commit.indexOf("Changes:")),
    );
    const inChanges = [...changesBlock.matchAll(/^- (\S+): /gm)].map((m) => m[1]!);
    if (JSON.stringify(inChanges) !== JSON.stringify(files))
      problems.push(
        `${p.path}: the commit lists ${inChanges.join(", ")}, the diff changes ${files.join(", ")}`,
      );
    if (listed.length === 0) problems.push(`${p.path}: no Changes section`);
    for (const f of files) {
      if (!pr.body.replace(/\\(.)/g, "$1").includes(f))
        problems.push(`${p.path}: the PR body does not name ${f}`);
    }
    const exportsChanged = changesOf([p.content]).flatMap((c) => c.exports.map((e) => e.name));
    // The PR body is Markdown: `CADDYFILE\_VERSION` reads CADDYFILE_VERSION.
    for (const text of [commit, pr.title, pr.body].map((s) => s.replace(/\\(.)/g, "$1"))) {
      for (const m of text.matchAll(/\bbump (?:the )?`?([A-Z][A-Z0-9_]*)`?/g)) {
        if (!exportsChanged.includes(m[1]!))
          problems.push(`${p.path}: the text says "bump ${m[1]}", the diff does not change it`);
      }
    }
    for (const name of exportsChanged) {
      if (!changesBlock.includes(name))
        problems.push(`${p.path}: the diff bumps ${name}, the commit does not say so`);
    }
    for (const o of others) {
      const s = o.fix!.summary;
      if (findings.some((f) => f.fix?.summary === s)) continue;
      if (commit.includes(s) || pr.body.includes(s))
        problems.push(`${p.path}: the text carries another patch's summary: ${s}`);
    }
  }
  return { checked, problems };
}

test("examples: every patch's commit message and PR text match its diff", async () => {
  const root = tempDir("redfix-messages-");
  try {
    const r = await layout(join(root, "ws"));
    assert.is(r.exitCode, 0, r.output);
    const result = await analyze({
      recipes: join(root, "ws", "recipes"),
      harness: join(root, "ws", "cc-ci"),
    });
    const out = mismatches(result);
    assert.ok(out.checked >= 9, `${out.checked} patches checked`);
    assert.equal(out.problems, []);
    // The case of the issue: bluesky-pds's template fix bumps CADDYFILE_VERSION in the same patch,
    // and its message says so because the diff does.
    const bluesky = result.series.patches.filter((p) => p.repo.name === "bluesky-pds");
    assert.is(bluesky.length, 1, "one patch for both bare names of the Caddyfile");
    const findings = result.findings.filter((f) => f.fix?.patch === bluesky[0]!.path);
    assert.is(findings.length, 2);
    const msg = renderCommitMessage({
      recipe: "bluesky-pds",
      findings,
      patches: [bluesky[0]!.name],
      diffs: [bluesky[0]!.content],
      related: [],
    });
    assert.match(msg, "- abra.sh: CADDYFILE_VERSION v2 → v3; line 2 (+1 -1)");
    assert.match(msg, "- Caddyfile.tmpl: lines 4, 14 (+2 -2)");
    // The comparison catches the defect of the issue: a patch without the bump whose findings'
    // summaries say "bump CADDYFILE_VERSION" (the second of the two patches redfix used to write).
    const caddyOnly = bluesky[0]!.content.slice(0, bluesky[0]!.content.indexOf("diff --git a/abra.sh"));
    const bad = mismatches({
      ...result,
      series: { ...result.series, patches: [{ ...bluesky[0]!, content: caddyOnly }] },
    });
    assert.ok(
      bad.problems.some((x) => x.includes('says "bump CADDYFILE_VERSION"')),
      bad.problems.join("\n"),
    );
  } finally {
    removeDir(root);
  }
});

for (const rule of readdirSync(join(FIXTURES, "codemods")).sort()) {
  for (const c of readdirSync(join(FIXTURES, "codemods", rule)).sort()) {
    const input = join(FIXTURES, "codemods", rule, c, "input");
    if (!existsSync(input)) continue;
    test(`codemods/${rule}/${c}: every patch's commit message and PR text match its diff`, async () => {
      const dir = repoFrom(input);
      try {
        const out = mismatches(await analyze({ recipes: dir, rules: [rule, "RF140"] }));
        assert.equal(out.problems, []);
      } finally {
        removeDir(dir);
      }
    });
  }
}

test.run();
