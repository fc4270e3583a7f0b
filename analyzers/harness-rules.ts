/** Harness rules (issue "Harness analysis"): RF201–RF204. */
import type { Rule } from "./rule.js";

export const HARNESS_RULES: Rule[] = [];
