import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { analyze } from "../../pipeline/analyze.js";
import { templateEnvReads } from "../../analyzers/RF121-template-reads-unset-env.js";
import { compareExpectations, readExpectations } from "../support/annotations.js";
import { runCodemodFixture } from "../support/codemod-fixture.js";
import { FIXTURES, removeDir } from "../support/workspace.js";

test("RF121: findings exactly where the fixtures' annotations say, for every overlay combination", async () => {
  const root = join(FIXTURES, "rules", "RF121", "workspace");
  const { findings } = await analyze({ recipes: root, rules: ["RF121"] });
  assert.equal(compareExpectations(readExpectations(root), findings, "RF121"), {
    missing: [],
    unexpected: [],
  });
  const at = (line: number, svc: string) =>
    findings.find(
      (f) => f.file === "shop/nginx.conf.tmpl" && f.line === line && f.message.includes(`\`${svc}\``),
    );
  assert.is(at(3, "web")?.severity, "error", "STACK_NAME builds a host name");
  assert.is(at(3, "app")?.severity, "error");
  assert.is(at(9, "app")?.severity, "warning", "a header value is neither a host nor a path");
  assert.match(
    at(9, "app")!.message,
    /when deploying compose\.yml\)/,
    "the overlay sets MODE: only the base lacks it",
  );
  assert.is(at(7, "app"), undefined, "app sets DOMAIN");
  assert.is(
    findings.filter((f) => f.file === "shop/nginx.conf.tmpl" && f.message.includes("STACK_NAME")).length,
    2,
    "one finding per variable and service, not one per read",
  );
});

test("RF121: env reads inside Go template actions only", () => {
  const reads = templateEnvReads(
    'a {{ env "A" }} b {{- if eq (env "B") "x" -}} env "C" {{ env "D" }} {{ end }} {{ env "E" }}',
  );
  assert.equal(
    reads.map((r) => [r.name, r.guarded]),
    [
      ["A", false],
      ["B", true],
      ["D", true],
      ["E", false],
    ],
    "conditions and what they guard are not judged",
  );
});

for (const name of ["no-environment", "map-form"]) {
  test(`RF121 codemod ${name}: patches apply, output matches byte for byte, fixpoint, idempotent`, async () => {
    const out = await runCodemodFixture(join(FIXTURES, "codemods", "RF121", name), "RF121");
    try {
      assert.equal(out.differences, []);
      assert.ok(out.patches > 0);
      assert.is(out.remaining, 0);
      assert.is(out.secondRunPatches, 0);
    } finally {
      removeDir(out.dir);
    }
  });
}

test.run();
