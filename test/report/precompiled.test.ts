/**
 * The report's templates are compiled by `npm run build` (scripts/precompile-templates.mjs) and used
 * only while the sources they were made from are unchanged; both ways give the same bytes.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { precompiled, renderReport } from "../../reports/html/render.js";
import { exampleRun, PACKAGE_ROOT, type ExampleRun } from "./fixture.js";

function sources(): Map<string, string> {
  const dir = join(PACKAGE_ROOT, "templates", "report");
  const m = new Map<string, string>();
  for (const f of readdirSync(dir).sort())
    if (f.endsWith(".hbs")) m.set(f.slice(0, -4), readFileSync(join(dir, f), "utf8"));
  return m;
}

let run: ExampleRun;
test.before(() => {
  run = exampleRun();
});
test.after(() => run.cleanup());

test("the build compiled the templates as they are", async () => {
  const made = await precompiled(sources());
  assert.ok(made, "dist/reports/html/precompiled-templates.js is missing or stale after npm run build");
  assert.type(made.page, "function");
  assert.type(made.finding, "function");
});

test("a template changed since the build is not taken from it", async () => {
  const changed = sources();
  changed.set("finding", `${changed.get("finding")!}<!-- changed -->`);
  assert.is(await precompiled(changed), null);
  const added = sources();
  added.set("extra", "{{x}}");
  assert.is(await precompiled(added), null);
});

test("templates compiled ahead and at run time give the same report, plain and packed", async () => {
  for (const packAbove of [Number.MAX_SAFE_INTEGER, 0]) {
    const ahead = await renderReport(run.dir, { packAbove });
    const here = await renderReport(run.dir, { packAbove, compiledAhead: false });
    assert.ok(ahead.length > 10_000, "a whole report");
    assert.ok(ahead === here, `the two reports differ (packAbove ${packAbove})`);
  }
});

test.run();
