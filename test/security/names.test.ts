/** Case 10: a recipe named like the harness folder gets its own series; nothing of it lands in the harness. */
import { cpSync, readFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { uniqueRepoNames } from "../../pipeline/series.js";
import { FIXTURES, removeDir, tempDir } from "../support/workspace.js";
import { redfix } from "./support.js";

test("repo names are unique per root, also as patches/ folders", () => {
  const names = uniqueRepoNames([
    { name: "cc-ci", kind: "recipe", path: "/w/recipes/cc-ci" },
    { name: "cc-ci", kind: "harness", path: "/w/cc-ci" },
    { name: "cc-ci-recipe", kind: "recipe", path: "/w/recipes/cc-ci-recipe" },
    { name: "a b", kind: "recipe", path: "/w/recipes/a b" },
    { name: "a_b", kind: "recipe", path: "/w/recipes/a_b" },
  ]);
  assert.is(names.get("/w/cc-ci"), "cc-ci");
  const all = [...names.values()].map((n) => n.replace(/[^A-Za-z0-9._-]/g, "_").toLowerCase());
  assert.is(new Set(all).size, 5);
});

test("analyze: the recipe cc-ci and the harness cc-ci have separate series and repos in run.json (real run)", () => {
  const dir = tempDir();
  try {
    cpSync(join(FIXTURES, "rules", "RF20-harness"), dir, { recursive: true });
    renameSync(join(dir, "recipes", "mumble"), join(dir, "recipes", "cc-ci"));
    const out = join(dir, "run");
    const r = redfix([
      "analyze",
      join(dir, "recipes"),
      "--harness",
      join(dir, "cc-ci"),
      "--out",
      out,
      "--format",
      "json",
    ]);
    assert.ok(r.status === 0 || r.status === 1, r.stderr);
    const run = JSON.parse(readFileSync(join(out, "run.json"), "utf8")) as {
      repos: { name: string; kind: string; path: string }[];
    };
    const names = run.repos.map((x) => x.name);
    assert.is(new Set(names).size, names.length, names.join(", "));
    const byName = new Map(run.repos.map((x) => [x.name, x]));
    const doc = JSON.parse(r.stdout) as {
      findings: { root: string; recipe: string; fix: { repo: string; patch: string } | null }[];
    };
    const fixed = doc.findings.filter((f) => f.fix);
    assert.ok(
      fixed.some((f) => f.root === "recipes" && f.recipe === "cc-ci"),
      "the recipe cc-ci has a fix",
    );
    assert.ok(
      fixed.some((f) => f.root === "harness"),
      "the harness has a fix",
    );
    for (const f of fixed) {
      const repo = byName.get(f.fix!.repo)!;
      assert.is(repo.kind === "harness", f.root === "harness", `${f.recipe}: ${f.fix!.repo} (${repo.kind})`);
      assert.ok(f.fix!.patch.startsWith(`patches/${f.fix!.repo}/`));
    }
  } finally {
    removeDir(dir);
  }
});

test.run();
