/**
 * The rule registry: every rule redfix knows, in catalogue order. Each family keeps its own list so
 * that people adding rules to different families never edit the same file.
 */
import { ABRA_RULES } from "./abra-rules.js";
import { HARNESS_RULES } from "./harness-rules.js";
import { RECIPE_RULES } from "./recipe-rules.js";
import type { Rule } from "./rule.js";
import { rf001 } from "./rules/rf001-parse-error.js";
import { rf002 } from "./rules/rf002-bad-reference.js";
import { rf101 } from "./rules/rf101-depends-on-undefined.js";

export const RULES: readonly Rule[] = [
  rf001,
  rf002,
  rf101,
  ...RECIPE_RULES,
  ...HARNESS_RULES,
  ...ABRA_RULES,
].sort((a, b) => ruleOrder(a.meta.id, b.meta.id));

/** RF rules first, then abra's R rules, each by number. */
export function ruleOrder(a: string, b: string): number {
  const ka = a.startsWith("RF") ? `0${a}` : `1${a}`;
  const kb = b.startsWith("RF") ? `0${b}` : `1${b}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

export function findRule(id: string): Rule | undefined {
  return RULES.find((r) => r.meta.id.toUpperCase() === id.toUpperCase());
}
