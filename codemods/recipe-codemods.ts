import type { Codemod } from "./codemod.js";
import { rf102Codemod } from "./rf102-swarm-keys.js";
import { rf110Codemod } from "./rf110-dump-restore-hooks.js";
import { rf111Codemod } from "./rf111-mounted-volume-key.js";
import { rf120Codemod } from "./rf120-stack-qualified-name.js";
import { rf130Codemod } from "./rf130-render-app-ini.js";
import { rf140Codemod } from "./rf140-bump-config-version.js";

export const RECIPE_CODEMODS: Codemod[] = [
  rf102Codemod,
  rf110Codemod,
  rf111Codemod,
  rf120Codemod,
  rf130Codemod,
  rf140Codemod,
];
