import type { Rule } from "./rule.js";
import { ABRA_ONLY } from "./rule.js";

export interface R011Data {
  composeFile: string;
  service: string;
  /** No compose file of the recipe gives the service an image: the overlay block is an orphan. */
  orphan: boolean;
}

export const r011: Rule = {
  swarm: (d) => ({ kind: "deploy", files: [(d as R011Data).composeFile] }),
  meta: {
    id: "R011",
    name: "service-has-image",
    description: "Every service of the merged stack has an image (judged for every overlay combination)",
    severity: "error",
    target: "recipe",
    classification: "recipe-defect",
    fixable: true,
    kinds: ABRA_ONLY,
    scope: "recipe",
    docs: `abra recipe lint R011 ("all services have images"). Swarm cannot build images, so a service without
\`image:\` cannot be deployed. abra judges \`compose.yml\`; redfix judges the merged stack of every overlay
combination, which catches the case abra misses: a service declared only in an overlay, with no image in any
file — for example an overlay that configures a service whose own overlay was removed. Deploying that overlay
breaks the whole stack.

Fix: when no file of the recipe gives the service an image, the overlay block is an orphan and is dropped
from the overlay that declares it. When another overlay provides the image, the finding names the
combinations that break (enable both overlays together) and offers no fix. Source: abra \`recipe lint\`
(R011): confirmed — abra's \`pkg/lint\` API index (pkg.go.dev's rendering of coopcloud.tech/abra/pkg/lint) has \`LintImagePresent\`; the id, the description ("all services have images"), the level (error) and the check (a service whose image is empty fails) are inferred.`,
  },
  check(ctx) {
    for (const recipe of ctx.workspace.recipes) {
      const withImage = new Set(
        recipe.composeFiles.flatMap((f) => f.services.filter((s) => s.image).map((s) => s.name)),
      );
      const breaking = new Map<string, { combos: string[]; file: (typeof recipe.composeFiles)[number] }>();
      for (const combo of recipe.combinations) {
        for (const m of combo.services.values()) {
          if (m.image) continue;
          const first = m.declarations[0]!;
          const k = `${first.file.name}\0${m.name}`;
          const b = breaking.get(k) ?? { combos: [], file: first.file };
          b.combos.push(combo.id);
          breaking.set(k, b);
        }
      }
      for (const [k, { combos, file }] of [...breaking].sort(([a], [b]) => (a < b ? -1 : 1))) {
        const name = k.split("\0")[1]!;
        const svc = file.services.find((s) => s.name === name)!;
        const isOverlay = file !== recipe.base;
        const orphan = isOverlay && !withImage.has(name);
        const message = !isOverlay
          ? `service \`${name}\` has no image`
          : orphan
            ? `service \`${name}\` is declared only in ${file.name} and no file gives it an image: deploying ${combos.join(", ")} fails`
            : `service \`${name}\` has no image when deploying ${combos.join(", ")}: its image comes from another overlay`;
        ctx.report<R011Data>({
          recipe: recipe.name,
          file: file.source,
          range: svc.keyRange,
          message,
          key: `${file.name}:services.${name}.image`,
          evidence: [
            { source: file.source, range: svc.range, note: `\`${name}\` as ${file.name} declares it` },
          ],
          data: { composeFile: file.name, service: name, orphan },
        });
      }
    }
  },
};
