import type { Rule } from "./rule.js";
import { ALL_KINDS } from "./rule.js";

export interface Rf101Data {
  composeFile: string;
  service: string;
  dependency: string;
  /** Undefined in every combination that includes the declaring file: deleting the entry is safe. */
  undefinedEverywhere: boolean;
}

export const rf101: Rule = {
  swarm: (d) => ({ kind: "deploy", files: [(d as { composeFile: string }).composeFile] }),
  meta: {
    id: "RF101",
    name: "depends-on-undefined-service",
    description: "`depends_on` names a service absent from the merged stack of an overlay combination",
    severity: "error",
    target: "recipe",
    classification: "recipe-defect",
    fixable: true,
    kinds: ALL_KINDS,
    scope: "recipe",
    docs: `\`docker stack deploy\` ignores \`depends_on\` (docker/cli's compose loader never checks it), but the
tools built on compose-go that render the stack first (\`docker compose config\`, a CI harness's image pre-pull
step) fail with \`service "sidekiq" depends on undefined service "discourse"\`. The deploy then pulls large images
inline and eats its convergence budget. (\`abra app config\` only edits the app's env file: it is not one of them.) The classic case: a recipe renames Bitnami's \`discourse\` service to \`app\`
and keeps \`sidekiq: depends_on: [discourse]\`.

Judged on the merged stack of every overlay combination a deployment may use (docs/kinds.md: abra's default
\`COMPOSE_FILE\` chain from \`.env.sample\` with each overlay, and every commented \`COMPOSE_FILE\`; without a
default chain, the base alone and with each overlay): compose merges short-form \`depends_on\` additively, so
only the file that declares an entry can remove it.

Fix: delete the entry in the file that declares it; when the list empties, delete \`depends_on\` too. The
long form (rejected by swarm) is never introduced. When the dependency exists in some combination (another
overlay defines it), no fix is offered: the finding names the combinations that break. Source: compose spec,
domain.md ("Swarm semantics").`,
  },
  check(ctx) {
    for (const recipe of ctx.workspace.recipes) {
      for (const cf of recipe.composeFiles) {
        const combos = recipe.combinations.filter((c) => c.files.includes(cf));
        if (combos.length === 0) continue;
        for (const svc of cf.services) {
          for (const entry of svc.dependsOn?.entries ?? []) {
            const broken = combos.filter((c) => !c.services.has(entry.service));
            if (broken.length === 0) continue;
            const everywhere = broken.length === combos.length;
            const defined = combos[0]!.services;
            const where = everywhere
              ? `which no stack combination that includes ${cf.name} defines`
              : `which is undefined when deploying ${broken.map((c) => c.id).join(", ")}`;
            ctx.report<Rf101Data>({
              recipe: recipe.name,
              file: cf.source,
              range: entry.range,
              message: `service \`${svc.name}\` depends on \`${entry.service}\`, ${where}`,
              key: `${cf.name}:services.${svc.name}.depends_on.${entry.service}`,
              evidence: [
                {
                  source: cf.source,
                  range: svc.keyRange,
                  note: `\`${svc.name}\` declares the dependency here`,
                },
                ...(cf.servicesRange && combos[0]
                  ? [
                      {
                        source: recipe.base?.source ?? cf.source,
                        range: (recipe.base ?? cf).servicesRange ?? cf.servicesRange,
                        note: `services of ${combos[0].id}: ${[...defined.keys()].sort().join(", ")}`,
                      },
                    ]
                  : []),
              ],
              data: {
                composeFile: cf.name,
                service: svc.name,
                dependency: entry.service,
                undefinedEverywhere: everywhere,
              },
            });
          }
        }
      }
    }
  },
};
