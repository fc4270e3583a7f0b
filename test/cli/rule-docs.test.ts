import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { RULES } from "../../pipeline/registry.js";
import { ruleDocPage, ruleIndexPage } from "../../reports/rule-docs.js";

const DOCS = join(process.cwd(), "docs", "rules");

test("docs/rules is generated from the rules' metadata and up to date (redfix rules --write-docs docs/rules)", () => {
  const stale: string[] = [];
  for (const r of RULES) {
    const file = join(DOCS, `${r.meta.id}.md`);
    if (!existsSync(file) || readFileSync(file, "utf8") !== ruleDocPage(r.meta)) stale.push(r.meta.id);
  }
  const index = join(DOCS, "README.md");
  if (!existsSync(index) || readFileSync(index, "utf8") !== ruleIndexPage(RULES.map((r) => r.meta)))
    stale.push("index");
  assert.equal(stale, []);
});

test("every rule documents why, what and its source", () => {
  for (const r of RULES) {
    assert.ok(r.meta.docs.length > 200, `${r.meta.id} docs are substantial`);
    assert.match(r.meta.docs, /source/i, `${r.meta.id} names its source`);
    assert.match(r.meta.id, /^(RF\d{3}|R0\d\d)$/);
  }
});

test.run();
