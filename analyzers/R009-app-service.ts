import type { Rule } from "./rule.js";
import { ABRA_ONLY } from "./rule.js";
import { abraRecipes, combinationsText } from "./support/abra-recipe.js";

export const r009: Rule = {
  meta: {
    id: "R009",
    name: "app-service",
    description: "The stack has a service named `app` (judged for every overlay combination)",
    severity: "error",
    target: "recipe",
    classification: "recipe-defect",
    fixable: false,
    kinds: ABRA_ONLY,
    scope: "recipe",
    docs: `abra recipe lint R009, "one service named 'app'" (level error). abra's commands (\`app logs\`, \`app run\`,
\`app cmd\`, the version label it reads) and harnesses address the main service as \`app\`.

What: in each overlay combination, the merged stack has a service named \`app\`. A recipe whose \`app\` is defined
only by an overlay fails in the combinations without it; the finding names them.

Fix: none is mechanical — renaming a service changes its swarm name, its volumes' owners, every \`depends_on\`,
label and harness reference. The message names the likely main service (the one with \`traefik.enable=true\`, or
the first) and says to rename it to \`app\`. Never rename an existing \`app\` away.

Source: confirmed — abra's \`pkg/lint\` API index (pkg.go.dev's rendering of coopcloud.tech/abra/pkg/lint) has \`LintAppService\`; the id and the check (some service is named \`app\`) are inferred; the level (error) is recorded in domain.md, not read from abra's table here.`,
  },
  check(ctx) {
    for (const recipe of abraRecipes(ctx.workspace)) {
      const without = recipe.combinations.filter((c) => !c.services.has("app")).map((c) => c.id);
      if (without.length === 0) continue;
      const base = recipe.base!;
      const main =
        base.services.find((s) =>
          s.deployLabels.some((l) => l.key === "traefik.enable" && l.value?.toLowerCase() === "true"),
        ) ?? base.services[0];
      const hint = main
        ? `rename the main service \`${main.name}\` to \`app\` (and every reference to it)`
        : "add the main service as `app`";
      ctx.report({
        recipe: recipe.name,
        file: base.source,
        range: main?.keyRange ?? base.servicesRange ?? { start: 0, end: 0 },
        message: `no service is named \`app\` ${combinationsText(recipe, without)}: ${hint}`,
        key: "app-service",
      });
    }
  },
};
