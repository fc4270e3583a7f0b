import type { Codemod } from "./codemod.js";
import { rf201Codemod } from "./rf201-canonical-namespace.js";
import { rf202Codemod } from "./rf202-real-service.js";
import { rf203Codemod } from "./rf203-readiness-probe.js";
import { rf204Codemod } from "./rf204-scope-assertion.js";

export const HARNESS_CODEMODS: Codemod[] = [rf201Codemod, rf202Codemod, rf203Codemod, rf204Codemod];
