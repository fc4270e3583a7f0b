/** Harness rules (issue "Harness analysis"): RF201–RF204. */
import type { Rule } from "./rule.js";
import { rf201 } from "./rules/rf201-canonical-warm-collision.js";
import { rf202 } from "./rules/rf202-stale-service-reference.js";
import { rf203 } from "./rules/rf203-port-without-readiness.js";
import { rf204 } from "./rules/rf204-compose-assertion-no-release.js";

export const HARNESS_RULES: Rule[] = [rf201, rf202, rf203, rf204];
