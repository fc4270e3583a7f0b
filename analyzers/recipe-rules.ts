/** Recipe-side rules (issue "Recipe defects"): RF102, RF110, RF111, RF120, RF130, RF140. */
import type { Rule } from "./rule.js";
import { rf102 } from "./rules/rf102-swarm-ignored-keys.js";
import { rf110 } from "./rules/rf110-database-backup.js";
import { rf111 } from "./rules/rf111-backup-volume-key.js";
import { rf120 } from "./rules/rf120-bare-name-shared-network.js";
import { rf130 } from "./rules/rf130-readonly-config-write.js";
import { rf140 } from "./rules/rf140-config-version.js";

export const RECIPE_RULES: Rule[] = [rf102, rf110, rf111, rf120, rf130, rf140];
