import type { Rule } from "./rule.js";
import { ABRA_ONLY } from "./rule.js";
import { abraRecipes, combinationsText, sampleValues } from "./support/abra-recipe.js";

export const r010: Rule = {
  meta: {
    id: "R010",
    name: "traefik-enabled",
    description: "Some service has the deploy label `traefik.enable=true` (skipped without `DOMAIN`)",
    severity: "error",
    target: "recipe",
    classification: "recipe-defect",
    fixable: false,
    kinds: ABRA_ONLY,
    scope: "recipe",
    docs: `abra recipe lint R010, "traefik routing enabled" (level error; how to resolve: include
"traefik.enable=true" deploy label). Co-op Cloud's Traefik only routes to services that opt in; a web app
without the label is unreachable at its \`DOMAIN\`.

What: in each overlay combination, some service has \`traefik.enable=true\` in \`deploy.labels\` (map or list
form; container \`labels\` do not count in swarm). Skipped, with no finding, when \`.env.sample\` has no
uncommented \`DOMAIN\` (a recipe that serves no web domain), or when there is no \`.env.sample\` (R008 reports that).

Fix: none is mechanical — routing also needs a router rule and the service's port. The message says to add
\`traefik.enable=true\`, \`traefik.http.routers.\${STACK_NAME}.rule=Host(\\\`\${DOMAIN}\\\`)\` and
\`traefik.http.services.\${STACK_NAME}.loadbalancer.server.port=<port>\` to \`app\`'s \`deploy.labels\`.

Source: confirmed — abra's \`pkg/lint\` API index (pkg.go.dev's rendering of coopcloud.tech/abra/pkg/lint) has \`LintTraefikEnabled\` and a skip function, \`LintTraefikEnabledSkipCondition\` — both confirmed names; the id, the level (error), the skip (\`DOMAIN\` absent from \`.env.sample\`) and the check (the label on any service) are inferred.`,
  },
  check(ctx) {
    for (const recipe of abraRecipes(ctx.workspace)) {
      if (!sampleValues(recipe).has("DOMAIN")) continue;
      const without = recipe.combinations
        .filter(
          (c) =>
            ![...c.services.values()].some(
              (m) => m.deployLabels.get("traefik.enable")?.value.value?.toLowerCase() === "true",
            ),
        )
        .map((c) => c.id);
      if (without.length === 0) continue;
      const base = recipe.base!;
      const app = base.services.find((s) => s.name === "app") ?? base.services[0];
      ctx.report({
        recipe: recipe.name,
        file: base.source,
        range: app?.keyRange ?? base.servicesRange ?? { start: 0, end: 0 },
        message: `no service enables Traefik routing ${combinationsText(recipe, without)}: add \`traefik.enable=true\`, \`\`traefik.http.routers.\${STACK_NAME}.rule=Host(\`\${DOMAIN}\`)\`\` and \`traefik.http.services.\${STACK_NAME}.loadbalancer.server.port=<port>\` to the deploy.labels of \`${app?.name ?? "app"}\``,
        key: "traefik-enabled",
      });
    }
  },
};
