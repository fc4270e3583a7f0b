/**
 * findings.json and the SARIF are written a finding at a time; the pieces must add up to exactly
 * `JSON.stringify(doc, null, 2)` and a newline, whatever the findings hold and however deep the array sits.
 */
import fc from "fast-check";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { FindingsDocument } from "../../core/finding.js";
import { ITEMS, jsonChunks, renderJson } from "../../reports/json.js";

const value = fc.letrec((tie) => ({
  leaf: fc.oneof(
    fc.string({ unit: "binary" }),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
  ),
  node: fc.oneof(
    { depthSize: "small" },
    tie("leaf"),
    fc.array(tie("node"), { maxLength: 4 }),
    fc.dictionary(fc.string(), tie("node"), { maxKeys: 4 }),
  ),
})).node;

test("renderJson is JSON.stringify with two spaces and a final newline", () => {
  fc.assert(
    fc.property(fc.array(fc.dictionary(fc.string(), value, { maxKeys: 6 }), { maxLength: 6 }), (findings) => {
      const doc = { tool: { name: "redfix", version: "0.0.0" }, findings } as unknown as FindingsDocument;
      assert.is(renderJson(doc), `${JSON.stringify(doc, null, 2)}\n`);
    }),
    { numRuns: 300 },
  );
});

test("jsonChunks: the long array at any depth, empty or not, with siblings before and after it", () => {
  fc.assert(
    fc.property(
      fc.array(value, { maxLength: 5 }),
      fc.integer({ min: 0, max: 3 }),
      value,
      value,
      (items, depth, before, after) => {
        // { before, runs: [ { results: [ ... ] } ] , after } nested `depth` levels down.
        const build = (inner: unknown[]): unknown => {
          let node: unknown = { before, results: inner, after };
          for (let d = 0; d < depth; d++) node = { runs: [node], after };
          return node;
        };
        const whole = `${JSON.stringify(build(items), null, 2)}\n`;
        assert.is([...jsonChunks(build([ITEMS]), items, (x) => x)].join(""), whole);
      },
    ),
    { numRuns: 300 },
  );
});

test.run();
