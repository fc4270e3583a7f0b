/** Recipe-side rules (issue "Recipe defects"): RF102, RF110, RF111, RF120, RF130, RF140. */
import type { Rule } from "./rule.js";

export const RECIPE_RULES: Rule[] = [];
