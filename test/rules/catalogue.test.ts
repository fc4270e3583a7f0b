/**
 * The catalogue's conventions, read from the registry: a rule and its fix share one base name
 * (`analyzers/<ID>-<name>.ts`, `codemods/<ID>-<name>.ts`), a rule says it is fixable exactly when it
 * has a fix, and every fix has codemod fixtures (`test/fixtures/codemods/<ID>/<case>/`).
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { PACKAGE_ROOT } from "../../core/package.js";
import { RULES } from "../../pipeline/registry.js";
import { FIXTURES } from "../support/workspace.js";

test("each rule lives in analyzers/<ID>-<name>.ts, and its fix in codemods/ under the same name", () => {
  const analyzers = readdirSync(join(PACKAGE_ROOT, "analyzers")).filter((f) => f.endsWith(".ts"));
  const codemods = readdirSync(join(PACKAGE_ROOT, "codemods")).filter((f) => /^R/.test(f));
  for (const r of RULES) {
    const base = `${r.meta.id}-${r.meta.name}.ts`;
    assert.ok(analyzers.includes(base), `analyzers/${base}`);
    assert.is(
      codemods.includes(base),
      r.fix !== undefined,
      `codemods/${base} exists exactly when the rule has a fix`,
    );
  }
  const ruleFiles = analyzers.filter((f) => /^R/.test(f)).sort();
  assert.equal(
    ruleFiles,
    RULES.map((r) => `${r.meta.id}-${r.meta.name}.ts`).sort(),
    "no rule file outside the registry",
  );
  assert.ok(
    codemods.every((f) => ruleFiles.includes(f)),
    "every codemods/<ID>-*.ts belongs to a rule of the same name",
  );
});

test("a rule is documented as fixable exactly when it has a fix, and every fix has codemod fixtures", () => {
  for (const r of RULES) {
    assert.is(r.meta.fixable, r.fix !== undefined, r.meta.id);
    if (!r.fix) continue;
    const dir = join(FIXTURES, "codemods", r.meta.id);
    assert.ok(
      existsSync(dir) && readdirSync(dir).length > 0,
      `${r.meta.id}: test/fixtures/codemods/${r.meta.id}/<case>`,
    );
  }
});

test.run();
