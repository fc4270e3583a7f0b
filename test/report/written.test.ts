/**
 * analyze writes the run directory and the report in one go: the report from the findings and patch
 * texts in memory, the patch files on libuv's threads meanwhile (writeRunDirAlongside). The result
 * must be the run directory, byte for byte, that writing it and then rendering the report from
 * disk gives (as `redfix report` does), fresh and re-run into the same folder.
 */
import { cpSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { writeAnalysisOutput, afterRunDirWritten } from "../../cli/hooks.js";
import { analyze } from "../../pipeline/analyze.js";
import { outcomeOf } from "../../pipeline/analyze.js";
import { writeRunDir } from "../../reports/run-dir.js";
import { FIXTURES, removeDir, tempDir, treeFiles } from "../support/workspace.js";

function diff(a: Map<string, Buffer>, b: Map<string, Buffer>): string[] {
  const names = [...new Set([...a.keys(), ...b.keys()])].sort();
  return names.filter((n) => !a.get(n)?.equals(b.get(n) ?? Buffer.alloc(0)) || !b.has(n));
}

test("the run directory written alongside the report equals the one written, then reported from disk", async () => {
  const recipes = tempDir();
  const plain = tempDir();
  const alongside = tempDir();
  try {
    // The bundled examples and a few rule workspaces: patches in several repos, packed and plain findings.
    cpSync(join(process.cwd(), "examples", "recipes"), recipes, { recursive: true });
    for (const rule of ["RF101", "RF120", "RF140"])
      for (const r of readdirSync(join(FIXTURES, "rules", rule, "workspace")))
        cpSync(join(FIXTURES, "rules", rule, "workspace", r), join(recipes, `${rule}-${r}`), {
          recursive: true,
        });
    const r = outcomeOf(await analyze({ recipes }));
    assert.ok(r.series.patches.length > 5, "the workspace should give several patches");
    writeRunDir(
      plain,
      r.findings,
      r.rules.map((x) => x.meta),
      r.series,
      r.run,
      r.upstream,
    );
    await afterRunDirWritten(plain);
    await writeAnalysisOutput(alongside, r);
    assert.equal(diff(treeFiles(plain), treeFiles(alongside)), []);
    // Re-run into the same folder, with a stale patch of an earlier run left to remove.
    const stale = join(alongside, "patches", readdirSync(join(alongside, "patches"))[0]!, "9999-stale.patch");
    writeFileSync(stale, "old\n");
    await writeAnalysisOutput(alongside, r);
    assert.equal(diff(treeFiles(plain), treeFiles(alongside)), ["patches/" + stale.split("/patches/")[1]!]);
  } finally {
    [recipes, plain, alongside].forEach(removeDir);
  }
});

test.run();
