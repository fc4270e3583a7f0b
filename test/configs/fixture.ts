import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The fixtures folder, found from the compiled test's location (dist/test/configs → test/fixtures/configs). */
export const FIXTURES = fileURLToPath(new URL("../../../test/fixtures/configs/", import.meta.url));

export function fixture(name: string): string {
  return readFileSync(FIXTURES + name, "utf8");
}

export function fixtureNames(pattern: RegExp): string[] {
  return readdirSync(FIXTURES)
    .filter((f) => pattern.test(f))
    .sort();
}

/** The offset of the `nth` (0-based) occurrence of `needle`, failing loudly when it is absent. */
export function offsetOf(text: string, needle: string, nth = 0): number {
  let at = -1;
  for (let k = 0; k <= nth; k++) {
    at = text.indexOf(needle, at + 1);
    if (at === -1) throw new Error(`"${needle}" (#${nth}) not in text`);
  }
  return at;
}
