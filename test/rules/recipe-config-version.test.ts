import { cpSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { analyze } from "../../pipeline/analyze.js";
import { lastRelease } from "../../analyzers/RF140-config-version-not-bumped.js";
import { applyReplacements } from "../../core/edit.js";
import { addExport, nextVersion } from "../../codemods/support/abra-versions.js";
import { parseAbraSh } from "../../load/env.js";
import { LineIndex } from "../../core/source.js";
import type { Recipe } from "../../load/workspace.js";
import { compareExpectations, readExpectations } from "../support/annotations.js";
import { runCodemodFixture } from "../support/codemod-fixture.js";
import { FIXTURES, git, removeDir, repoFrom, treeFiles } from "../support/workspace.js";

test("RF140: findings exactly where the fixtures' annotations say", async () => {
  const root = join(FIXTURES, "rules", "RF140", "workspace");
  const { findings } = await analyze({ recipes: root, rules: ["RF140"] });
  assert.equal(compareExpectations(readExpectations(root), findings, "RF140"), {
    missing: [],
    unexpected: [],
  });
  const sev = Object.fromEntries(findings.map((f) => [f.line, f.severity]));
  assert.equal(Object.values(sev).sort(), ["error", "warning", "warning"]);
});

test("RF140: a version with a default in the name (`${X_VERSION:-v2}`) needs no export", async () => {
  const root = join(FIXTURES, "rules", "RF140-fallback", "workspace");
  const { findings } = await analyze({ recipes: root, rules: ["RF140"] });
  assert.equal(compareExpectations(readExpectations(root), findings, "RF140"), {
    missing: [],
    unexpected: [],
  });
});

test("RF140 codemod unversioned: patches apply, output matches, fixpoint, idempotent", async () => {
  const out = await runCodemodFixture(join(FIXTURES, "codemods", "RF140", "unversioned"), "RF140");
  try {
    assert.ok(out.patches > 0);
    assert.equal(out.differences, []);
    assert.is(out.remaining, 0);
    assert.is(out.secondRunPatches, 0);
  } finally {
    removeDir(out.dir);
  }
});

test("abra.sh exports: after the last export, before the first function when there is none, or a new file", () => {
  const recipeWith = (text: string | null) =>
    ({
      dir: "/r",
      abraSh:
        text === null
          ? null
          : parseAbraSh({ path: "abra.sh", absPath: "/r/abra.sh", text, lines: new LineIndex(text) }),
    }) as unknown as Recipe;
  const apply = (text: string, vars: string[]) => {
    const e = addExport(recipeWith(text), vars);
    assert.is(e.kind, "replace");
    return e.kind === "replace" ? applyReplacements(text, [e]) : "";
  };
  assert.is(
    apply("#!/usr/bin/env bash\n# commands\n\nmmctl() {\n  true\n}\n", ["A_VERSION", "B_VERSION"]),
    "#!/usr/bin/env bash\n# commands\n\nexport A_VERSION=v1\nexport B_VERSION=v1\n\nmmctl() {\n  true\n}\n",
  );
  assert.is(
    apply("export X_VERSION=v2\n\nf() { :; }\n", ["A_VERSION"]),
    "export X_VERSION=v2\nexport A_VERSION=v1\n\nf() { :; }\n",
  );
  assert.is(apply("export X_VERSION=v2", ["A_VERSION"]), "export X_VERSION=v2\nexport A_VERSION=v1\n");
  const created = addExport(recipeWith(null), "A_VERSION");
  assert.equal(created, {
    kind: "create",
    file: "/r/abra.sh",
    text: "export A_VERSION=v1\n",
    mode: "100644",
  });
  assert.is(nextVersion("v9"), "v10");
  assert.is(nextVersion("1.2.0"), "1.2.1");
});

test("RF140: the last release is the highest x.y.z tag, not the last in name order", () => {
  const tag = (name: string) => ({ name, annotated: true, object: "0".repeat(40) });
  const last = lastRelease([tag("1.10.0+1.22"), tag("1.9.3+1.21"), tag("nightly"), tag("1.2.0+1.20")]);
  assert.is(last?.name, "1.10.0+1.22");
  assert.is(lastRelease([tag("nightly")]), null);
});

/**
 * A recipe repo whose last release is `release/` and whose working tree is `input/`: the configs
 * changed since the tag, one version was bumped in between by an older release, none since.
 */
test("RF140 codemod unbumped: configs changed since the release tag get their versions bumped", async () => {
  const caseDir = join(FIXTURES, "codemods", "RF140", "unbumped");
  const dir = repoFrom(join(caseDir, "release"));
  try {
    git(dir, "tag", "-a", "-m", "release", "1.0.0+2.8.0");
    git(dir, "tag", "nightly");
    const before = await analyze({ recipes: dir, rules: ["RF140"] });
    assert.is(before.findings.length, 0, "nothing changed since the tag");
    for (const [path] of treeFiles(join(caseDir, "input"))) rmSync(join(dir, path));
    cpSync(join(caseDir, "input"), dir, { recursive: true });
    git(dir, "commit", "-q", "-am", "change configs");
    const first = await analyze({ recipes: dir, rules: ["RF140"] });
    assert.equal(first.findings.map((f) => `${f.line}:${f.severity}`).sort(), ["13:error", "17:error"]);
    assert.match(first.findings[0]!.message, /changed since release 1\.0\.0\+2\.8\.0/);
    for (const p of first.series.patches) {
      const file = join(dir, ".redfix-test.patch");
      writeFileSync(file, p.content);
      git(dir, "apply", "--check", file);
      git(dir, "apply", file);
      rmSync(file);
    }
    const expected = treeFiles(join(caseDir, "output"));
    for (const [path, bytes] of treeFiles(dir))
      assert.ok(expected.get(path)?.equals(bytes), `${path} as expected`);
    const second = await analyze({ recipes: dir, rules: ["RF140"] });
    assert.is(second.findings.length, 0, "fixpoint: the bumped versions differ from the release's");
    assert.is(second.series.patches.length, 0);
  } finally {
    removeDir(dir);
  }
});

test.run();
