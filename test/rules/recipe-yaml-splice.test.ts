import fc from "fast-check";
import { parse, parseDocument } from "yaml";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { labelLine, labelStyle, quoteYaml } from "../../codemods/support/yaml-lines.js";
import { parseComposeFile } from "../../load/compose.js";
import { LineIndex } from "../../core/source.js";

const source = (text: string) => ({
  path: "compose.yml",
  absPath: "/x/compose.yml",
  text,
  lines: new LineIndex(text),
});

test("quoteYaml: any string, in any quoting style, reads back as itself", () => {
  fc.assert(
    fc.property(
      fc.string({ unit: "grapheme", maxLength: 40 }),
      fc.constantFrom('"', "'", "") as fc.Arbitrary<'"' | "'" | "">,
      (v, q) => {
        const doc = parseDocument(`k: ${quoteYaml(v, q)}\n`);
        assert.equal(doc.errors, []);
        assert.is(doc.get("k"), v);
      },
    ),
    { numRuns: 400 },
  );
});

test("quoteYaml: a plain-looking value that YAML would read as another type is quoted", () => {
  for (const v of ["true", "no", "0555", "1.5", "null", "~"]) assert.is(parse(`k: ${quoteYaml(v, "")}`).k, v);
});

for (const [name, labels, expected] of [
  ["map, double quotes", '        backupbot.backup: "true"\n', '        a.b: "x y"\n'],
  ["map, plain", "        backupbot.backup: yes-please\n", "        a.b: x y\n"],
  ["list, single quotes", "        - 'backupbot.backup=true'\n", "        - 'a.b=x y'\n"],
  ["list, plain", "        - backupbot.backup=true\n", "        - a.b=x y\n"],
] as const) {
  test(`labelLine follows its siblings' style: ${name}`, () => {
    const text = `services:\n  db:\n    image: postgres:16\n    deploy:\n      labels:\n${labels}`;
    const cf = parseComposeFile(source(text), "compose.yml");
    const style = labelStyle(cf.source, cf.services[0]!.deployLabels);
    assert.ok(style);
    const line = labelLine(style, "a.b", "x y");
    assert.is(line, expected);
    const patched = parseComposeFile(source(text + line), "compose.yml");
    assert.equal(
      patched.services[0]!.deployLabels.map((l) => [l.key, l.value]).at(-1),
      ["a.b", "x y"],
      "the new label parses in the same collection",
    );
  });
}

test("labelStyle: flow-style labels are left alone", () => {
  const cf = parseComposeFile(
    source('services:\n  db:\n    deploy:\n      labels: { a: "1" }\n'),
    "compose.yml",
  );
  assert.is(labelStyle(cf.source, cf.services[0]!.deployLabels), null);
});

test.run();
