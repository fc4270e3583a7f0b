import type { Codemod } from "./codemod.js";

export const HARNESS_CODEMODS: Codemod[] = [];
