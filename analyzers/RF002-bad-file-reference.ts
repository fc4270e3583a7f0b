import { reportLoadProblems } from "./support/load-problems.js";
import type { Rule } from "./rule.js";
import { ALL_KINDS } from "./rule.js";

export const rf002: Rule = {
  meta: {
    id: "RF002",
    name: "bad-file-reference",
    description:
      "A referenced file is missing, or a path escapes the recipe folder (directly or through a symlink)",
    severity: "error",
    target: "recipe",
    classification: "recipe-defect",
    fixable: false,
    kinds: ALL_KINDS,
    scope: "workspace",
    docs: `A config or secret \`file:\` that does not exist, a \`COMPOSE_FILE\` in \`.env.sample\` naming an
overlay the recipe does not have, or a path that leaves the recipe folder — \`../\`, an absolute path, or a
symlink whose target is outside. A deploy from another checkout would read a different file, or none.

redfix never reads a file outside the recipe: the finding says so, and analysis goes on without it.

No fix: which file was meant is a maintainer's call. Source: redfix.`,
  },
  check(ctx) {
    reportLoadProblems(ctx, "bad-reference");
  },
};
