import type { Codemod } from "./codemod.js";
import { r011Codemod } from "./r011-drop-orphan-service.js";

export const ABRA_CODEMODS: Codemod[] = [r011Codemod];
