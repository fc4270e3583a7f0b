/**
 * isInside answers plain prefixes without path.relative (it runs for every file read): on any pair
 * of absolute paths it must agree with the relative-path definition, `.`, `..`, doubled and
 * trailing slashes, and names that start with dots included.
 */
import fc from "fast-check";
import { isAbsolute, relative } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { isInside } from "../../core/paths.js";

function byRelative(dir: string, p: string): boolean {
  const r = relative(dir, p);
  return r === "" || (!r.startsWith("..") && !isAbsolute(r));
}

const component = fc.constantFrom("a", "b", "ab", ".", "..", "...", ".a", "..a", "a.", "");
const path = fc
  .array(component, { maxLength: 6 })
  .chain((parts) => fc.boolean().map((trailing) => `/${parts.join("/")}${trailing ? "/" : ""}`));

test("isInside agrees with the relative-path definition", () => {
  fc.assert(
    fc.property(path, path, (dir, p) => {
      assert.is(isInside(dir, p), byRelative(dir, p), `isInside(${dir}, ${p})`);
    }),
    { numRuns: 20_000 },
  );
  // A prefix that is not a folder boundary.
  assert.not.ok(isInside("/a/b", "/a/bc"));
  assert.ok(isInside("/", "/a"));
  assert.ok(isInside("/a/b", "/a/b"));
});

test.run();
