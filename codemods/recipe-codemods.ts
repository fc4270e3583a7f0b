import type { Codemod } from "./codemod.js";

export const RECIPE_CODEMODS: Codemod[] = [];
