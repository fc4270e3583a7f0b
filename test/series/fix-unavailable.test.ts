/**
 * A finding without a patch says why (issue 15): `fixUnavailable` in findings.json, a `no fix:` line
 * in the text output, a SARIF result property and the report's Fix section, on the laid-out examples.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { analyze } from "../../pipeline/analyze.js";
import { RULES } from "../../pipeline/registry.js";
import { renderText } from "../../reports/text.js";
import { renderSarif } from "../../reports/sarif.js";
import { writeRunDir } from "../../reports/run-dir.js";
import { renderReport } from "../../reports/html/render.js";
import type { FindingsDocument } from "../../core/finding.js";
import { layout } from "../examples/support.js";
import { removeDir, tempDir } from "../support/workspace.js";

test("examples: every finding has a patch or a reason, shown in findings.json, text, SARIF and the report", async () => {
  const root = tempDir("redfix-unavailable-");
  try {
    assert.is((await layout(join(root, "ws"))).exitCode, 0);
    const r = await analyze({ recipes: join(root, "ws", "recipes"), harness: join(root, "ws", "cc-ci") });
    for (const f of r.findings.filter((x) => !x.suppressed)) {
      assert.ok(f.fix || f.fixUnavailable, `${f.rule} ${f.file}:${f.line} has a patch or a reason`);
      assert.ok(!(f.fix && f.fixUnavailable), `${f.rule} ${f.file}:${f.line}: not both`);
    }
    const r002 = r.findings.find((f) => f.rule === "R002")!;
    assert.is(r002.fixUnavailable, "redfix has no automatic fix for R002; the message says what to change");
    const text = renderText(r.findings, { color: false });
    assert.match(text, `      no fix: ${r002.fixUnavailable}`);
    const sarif = JSON.parse(
      renderSarif(
        r.findings,
        RULES.map((x) => x.meta),
      ),
    ) as {
      runs: { results: { properties: { fixUnavailable?: string } }[] }[];
    };
    assert.ok(sarif.runs[0]!.results.some((x) => x.properties.fixUnavailable === r002.fixUnavailable));
    const out = join(root, "run");
    writeRunDir(
      out,
      r.findings,
      RULES.map((x) => x.meta),
      r.series,
      r.run,
      r.upstream,
    );
    const doc = JSON.parse(readFileSync(join(out, "findings.json"), "utf8")) as FindingsDocument;
    assert.is(doc.findings.find((f) => f.id === r002.id)!.fixUnavailable, r002.fixUnavailable);
    const html = await renderReport(out);
    assert.match(html, `No patch: redfix has no automatic fix for R002; the message says what to change`);
  } finally {
    removeDir(root);
  }
});

test.run();
