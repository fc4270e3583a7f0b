import { ABRA_CODEMODS } from "./abra-codemods.js";
import type { Codemod } from "./codemod.js";
import { HARNESS_CODEMODS } from "./harness-codemods.js";
import { RECIPE_CODEMODS } from "./recipe-codemods.js";
import { rf101Codemod } from "./rf101-delete-dependency.js";

export const CODEMODS: ReadonlyMap<string, Codemod> = new Map(
  [rf101Codemod, ...RECIPE_CODEMODS, ...HARNESS_CODEMODS, ...ABRA_CODEMODS].map((c) => [c.rule, c] as const),
);
