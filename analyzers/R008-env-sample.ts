import { recipePath } from "../load/workspace.js";
import type { Rule } from "./rule.js";
import { ABRA_ONLY } from "./rule.js";
import { abraRecipes } from "./support/abra-recipe.js";

export const r008: Rule = {
  meta: {
    id: "R008",
    name: "env-sample",
    description: "The recipe has a `.env.sample`",
    severity: "error",
    target: "recipe",
    classification: "recipe-defect",
    fixable: true,
    kinds: ABRA_ONLY,
    scope: "recipe",
    docs: `abra recipe lint R008, ".env.sample provided" (level error; how to resolve: "create an example
.env.sample"). \`abra app new\` copies \`.env.sample\` into the new app's env file; without it no app can be
created from the recipe.

What: the recipe folder has a \`.env.sample\` file.

Fix: a skeleton built from what the compose files use: \`TYPE=<recipe>\`, \`DOMAIN=\`,
\`LETS_ENCRYPT_ENV=production\`; each variable the base compose file interpolates (\`VAR=\` for \`\${VAR}\`,
\`#VAR=default\` for \`\${VAR:-default}\`, which needs no value); a commented \`COMPOSE_FILE\` line per overlay with the
overlay's own variables commented under it; and \`SECRET_<NAME>_VERSION=v1\` for each secret whose name carries
that version. \`STACK_NAME\` (set by abra) and the config versions exported by \`abra.sh\` are left out. The file is
a start: the maintainer fills in example values.

Source: confirmed — abra's \`pkg/lint\` API index (pkg.go.dev's rendering of coopcloud.tech/abra/pkg/lint) has \`LintEnvConfigPresent\`; the id, the level (error) and the check (the file exists) are inferred from that name and domain.md's numbering.`,
  },
  check(ctx) {
    for (const recipe of abraRecipes(ctx.workspace)) {
      // An unreadable .env.sample is RF001's; it is there.
      if (recipe.envSample || recipe.problems.some((p) => p.key === "read:.env.sample")) continue;
      ctx.report({
        recipe: recipe.name,
        file: recipePath(recipe, ".env.sample"),
        position: { line: 1, column: 1 },
        message:
          "the recipe has no .env.sample, so `abra app new` cannot create an app from it: add one (`TYPE=`, `DOMAIN=`, `LETS_ENCRYPT_ENV=` and the variables the compose files use)",
        key: "env-sample",
      });
    }
  },
};
