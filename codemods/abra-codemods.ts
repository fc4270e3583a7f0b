import type { Codemod } from "./codemod.js";
import { r001Codemod } from "./r001-compose-version.js";
import { r008Codemod } from "./r008-env-sample.js";
import { r011Codemod } from "./r011-drop-orphan-service.js";
import { r012Codemod } from "./r012-export-config-version.js";

export const ABRA_CODEMODS: Codemod[] = [r001Codemod, r008Codemod, r011Codemod, r012Codemod];
