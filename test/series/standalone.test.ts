/**
 * Every patch stands alone (issue 15): on the laid-out examples and on every fixture workspace, each
 * patch applies alone to a clean copy and fixes its findings without a new one (RF140 included), and
 * all of them merged together do the same.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { checkStandalone } from "../support/standalone.js";
import { FIXTURES, removeDir, repoFrom, tempDir } from "../support/workspace.js";
import { layout } from "../examples/support.js";

test("examples: each patch applies alone and is complete; the whole series merges", async () => {
  const root = tempDir("redfix-standalone-examples-");
  try {
    const r = await layout(join(root, "ws"));
    assert.is(r.exitCode, 0, r.output);
    const out = await checkStandalone({
      recipes: join(root, "ws", "recipes"),
      harness: join(root, "ws", "cc-ci"),
    });
    assert.ok(out.patches >= 9, `patches: ${out.patches}`);
    assert.equal(out.failures, []);
  } finally {
    removeDir(root);
  }
});

/**
 * A fixture workspace is analyzed with the rules it was written for (its folder names them: `RF120`,
 * `R003-R005`; `RF20-harness` the harness rules) and RF140, which checks every patch's version bumps.
 * All rules at once would count what a patch reveals rather than causes: a fixture recipe without
 * `.env.sample` becomes an abra recipe once R008 adds one, and every abra rule then speaks.
 */
function rulesOf(folder: string): string[] {
  const range = /^(RF?)(\d+)-(?:RF?)?(\d+)$/.exec(folder);
  const ids = range
    ? Array.from(
        { length: Number(range[3]) - Number(range[2]) + 1 },
        (_, i) => `${range[1]}${String(Number(range[2]) + i).padStart(range[2]!.length, "0")}`,
      )
    : /^RF20-harness/.test(folder)
      ? ["RF201", "RF202", "RF203", "RF204"]
      : /^RF100-/.test(folder)
        ? ["RF101", "RF102", "RF110", "RF111", "RF120", "RF130"]
        : [/^RF?\d+/.exec(folder)?.[0] ?? folder];
  return [...new Set([...ids, "RF140"])];
}

const workspaces: { name: string; recipes: string; harness?: string; rules: string[] }[] = [];
for (const rule of readdirSync(join(FIXTURES, "codemods")).sort()) {
  for (const c of readdirSync(join(FIXTURES, "codemods", rule)).sort()) {
    const input = join(FIXTURES, "codemods", rule, c, "input");
    if (existsSync(input))
      workspaces.push({ name: `codemods/${rule}/${c}`, recipes: input, rules: rulesOf(rule) });
  }
}
for (const rule of readdirSync(join(FIXTURES, "rules")).sort()) {
  const dir = join(FIXTURES, "rules", rule);
  if (existsSync(join(dir, "workspace")))
    workspaces.push({ name: `rules/${rule}`, recipes: join(dir, "workspace"), rules: rulesOf(rule) });
  else if (existsSync(join(dir, "recipes")) && existsSync(join(dir, "cc-ci")))
    workspaces.push({
      name: `rules/${rule}`,
      recipes: join(dir, "recipes"),
      harness: join(dir, "cc-ci"),
      rules: rulesOf(rule),
    });
}

for (const style of readdirSync(join(FIXTURES, "harness-styles")).sort()) {
  workspaces.push({
    name: `harness-styles/${style}`,
    recipes: join(FIXTURES, "rules", "RF20-harness", "recipes"),
    harness: join(FIXTURES, "harness-styles", style, "cc-ci"),
    rules: rulesOf("RF20-harness"),
  });
}

for (const ws of workspaces) {
  test(`${ws.name}: each patch applies alone and is complete; the whole series merges`, async () => {
    const recipes = repoFrom(ws.recipes);
    try {
      const out = await checkStandalone({
        recipes,
        rules: ws.rules,
        ...(ws.harness ? { harness: ws.harness } : {}),
      });
      assert.equal(out.failures, [], `${out.patches} patches`);
    } finally {
      removeDir(recipes);
    }
  });
}

test.run();
