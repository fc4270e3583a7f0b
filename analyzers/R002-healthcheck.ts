import type { ComposeFile } from "../load/compose.js";
import type { Rule } from "./rule.js";
import { ABRA_ONLY } from "./rule.js";
import { abraRecipes, combinationsText } from "./support/abra-recipe.js";

const SOURCE = `Source: confirmed — abra's \`pkg/lint\` API index (pkg.go.dev's rendering of coopcloud.tech/abra/pkg/lint) shows \`LintRules\` opening with R002 at level warn, described "healthcheck enabled fo…" (the excerpt ends there), and has \`LintHealthchecks\`; the check (a service whose loaded \`healthcheck\` is nil fails, in the config abra merges from all compose files) is inferred. Judging each overlay combination is redfix's: a healthcheck that only an overlay adds still leaves the base deploy unchecked.`;

export const r002: Rule = {
  meta: {
    id: "R002",
    name: "healthcheck",
    description: "Every service of the merged stack has a healthcheck (judged for every overlay combination)",
    severity: "warning",
    target: "recipe",
    classification: "recipe-defect",
    fixable: false,
    kinds: ABRA_ONLY,
    scope: "recipe",
    docs: `abra recipe lint R002, "healthcheck enabled for all services" (level warn; how to resolve: "wire up
healthchecks"). Swarm only knows a task is ready, and only rolls an upgrade back, through its healthcheck;
without one a deploy "converges" as soon as the process starts.

What: in each overlay combination, every service must have a \`healthcheck\` in some file that declares it
(\`healthcheck: {disable: true}\` counts as present, as in abra). A service without one is reported once, at the
file that first declares it, naming the combinations in which it has none.

Fix: none is mechanical — the test command depends on the image (\`curl\`, \`wget\` or a binary's own check must
exist in it). The message says where to add \`healthcheck:\` with \`test\`, \`interval\`, \`timeout\`, \`retries\` and
\`start_period\`.

${SOURCE}`,
  },
  check(ctx) {
    for (const recipe of abraRecipes(ctx.workspace)) {
      const missing = new Map<string, { combos: string[]; file: ComposeFile }>();
      for (const combo of recipe.combinations) {
        for (const m of combo.services.values()) {
          if (m.declarations.some((d) => d.service.keys.has("healthcheck"))) continue;
          const first = m.declarations[0]!;
          const k = `${first.file.name}\0${m.name}`;
          const entry = missing.get(k) ?? { combos: [], file: first.file };
          entry.combos.push(combo.id);
          missing.set(k, entry);
        }
      }
      for (const [k, { combos, file }] of [...missing].sort(([a], [b]) => (a < b ? -1 : 1))) {
        const name = k.split("\0")[1]!;
        const svc = file.services.find((s) => s.name === name)!;
        ctx.report({
          recipe: recipe.name,
          file: file.source,
          range: svc.keyRange,
          message: `service \`${name}\` has no healthcheck ${combinationsText(recipe, combos)}: add \`healthcheck:\` (\`test\`, \`interval\`, \`timeout\`, \`retries\`, \`start_period\`) to \`${name}\` in ${file.name}`,
          key: `${file.name}:services.${name}.healthcheck`,
        });
      }
    }
  },
};
