import type { Codemod } from "./codemod.js";
import { r011Codemod } from "./r011-drop-orphan-service.js";
import { rf101Codemod } from "./rf101-delete-dependency.js";

export const CODEMODS: ReadonlyMap<string, Codemod> = new Map(
  [rf101Codemod, r011Codemod].map((c) => [c.rule, c] as const),
);
