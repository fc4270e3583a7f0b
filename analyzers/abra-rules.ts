/** abra recipe lint parity: R001–R015, same ids as abra. */
import type { Rule } from "./rule.js";
import { r011 } from "./rules/r011-service-image.js";

export const ABRA_RULES: Rule[] = [r011];
