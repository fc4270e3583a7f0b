import type { Rule } from "./rule.js";
import { ABRA_ONLY } from "./rule.js";
import { imageText, stackImages } from "./support/image-reference.js";
import { abraRecipes, combinationsText } from "./support/abra-recipe.js";

export const r003: Rule = {
  meta: {
    id: "R003",
    name: "image-tag",
    description: "Every image of the merged stack names a tag (judged for every overlay combination)",
    severity: "warning",
    target: "recipe",
    classification: "recipe-defect",
    fixable: false,
    kinds: ABRA_ONLY,
    scope: "recipe",
    docs: `abra recipe lint R003, "all images use a tag" (level warn). An image without a tag is \`latest\`: each
deploy may run a different version, and \`abra recipe upgrade\` has nothing to compare.

What: the effective image of every service, in every overlay combination, after interpolating variables with
\`.env.sample\` values and \`\${VAR:-default}\` defaults, must have a \`:tag\` (a digest-only reference
\`name@sha256:…\` counts as pinned). Images whose variables \`.env.sample\` leaves unset are not judged. Each
image is reported once, where it is written, naming the combinations in which it is the service's image.

Fix: none is mechanical — which tag is right is the maintainer's choice. The message names the image; pin it to
the upstream release the recipe is tested with (\`image: name:1.2.3\`).

Source: confirmed — abra's \`pkg/lint\` API index (pkg.go.dev's rendering of coopcloud.tech/abra/pkg/lint) has \`LintAllImagesTagged\`; the id, the level (warn) and the check — docker's \`reference.IsNameOnly\` on each service's image, in the config abra merges from all compose files — are inferred (from that name, domain.md's numbering and abra's behaviour as remembered; its rule table past R002 was not readable here). Judging each combination is redfix's.`,
  },
  check(ctx) {
    for (const recipe of abraRecipes(ctx.workspace)) {
      for (const img of stackImages(recipe)) {
        if (img.ref.tag !== null || img.ref.digest !== null) continue;
        ctx.report({
          recipe: recipe.name,
          file: img.file.source,
          range: img.range,
          message: `image ${imageText(img)} of service \`${img.service}\` has no tag, so it runs \`latest\` (${combinationsText(recipe, img.combinations)}): pin it, e.g. \`${img.ref.name}:<release>\``,
          key: `${img.file.name}:services.${img.service}.image`,
        });
      }
    }
  },
};
