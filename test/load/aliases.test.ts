import fc from "fast-check";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { isAlias, parseDocument, visit } from "yaml";
import type { Alias, Node } from "yaml";
import { deref } from "../../load/compose.js";

const RUNS = Number(process.env.REDFIX_PROPERTY_RUNS ?? 200);

function aliasesOf(text: string) {
  const doc = parseDocument(text, { merge: true, uniqueKeys: false, prettyErrors: false });
  const aliases: Alias[] = [];
  visit(doc, {
    Alias(_, a) {
      aliases.push(a);
    },
  });
  return { doc, aliases };
}

/** What the parser's own `Alias.resolve` answers, followed through aliases of aliases like deref. */
function resolvedByParser(doc: ReturnType<typeof aliasesOf>["doc"], a: Alias): Node | null {
  let cur: unknown = a;
  for (let i = 0; i < 16 && isAlias(cur); i++) cur = cur.resolve(doc) ?? null;
  return cur && !isAlias(cur) ? (cur as Node) : null;
}

test("an alias names the last node before it with its anchor, also when the anchor is redefined", () => {
  const { doc, aliases } = aliasesOf("a: &x one\nb: *x\nc: &x two\nd: *x\ne: &y [*x, *y]\nf: *missing\n");
  const values = aliases.map((a) => {
    const n = deref(doc, a);
    return n && "value" in n ? n.value : n === null ? null : "collection";
  });
  assert.equal(values, ["one", "two", "two", "collection", null]);
});

const anchor = fc.constantFrom("a", "b", "c");
const scalar = fc.oneof(
  fc.constantFrom("x", "1", "true", "''"),
  anchor.map((n) => `&${n} v${n}`),
  anchor.map((n) => `*${n}`),
);
const value: fc.Arbitrary<string> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    scalar,
    fc
      .tuple(fc.option(anchor, { nil: undefined }), fc.array(tie("value"), { maxLength: 3 }))
      .map(([name, items]) => `${name ? `&${name} ` : ""}[${items.join(", ")}]`),
    fc
      .tuple(fc.option(anchor, { nil: undefined }), fc.array(tie("value"), { maxLength: 3 }))
      .map(([name, items]) => `${name ? `&${name} ` : ""}{${items.map((v, i) => `k${i}: ${v}`).join(", ")}}`),
  ),
})).value;

test("deref agrees with the parser's Alias.resolve on random anchor and alias layouts", () => {
  fc.assert(
    fc.property(fc.array(value, { minLength: 1, maxLength: 6 }), (values) => {
      const { doc, aliases } = aliasesOf(values.map((v, i) => `k${i}: ${v}`).join("\n"));
      for (const a of aliases) assert.is(deref(doc, a), resolvedByParser(doc, a));
    }),
    { numRuns: RUNS },
  );
});

test.run();
