import type { Rule } from "./rule.js";
import { ABRA_ONLY } from "./rule.js";
import { imageText, stackImages } from "./support/image-reference.js";
import { abraRecipes, combinationsText } from "./support/abra-recipe.js";

export const r004: Rule = {
  meta: {
    id: "R004",
    name: "no-unstable-tag",
    description:
      "No image of the merged stack uses `latest`, named or implied (judged for every overlay combination)",
    severity: "warning",
    target: "recipe",
    classification: "recipe-defect",
    fixable: false,
    kinds: ABRA_ONLY,
    scope: "recipe",
    docs: `abra recipe lint R004, "no unstable tags" (level warn). \`latest\` moves: a redeploy or a node that pulls
later runs another version than the one the recipe release was tested with.

What: the effective image of every service, in every overlay combination (variables interpolated from
\`.env.sample\` and defaults), must not be tagged \`latest\`. One finding per fact: an untagged image (which runs \`latest\`) is reported by
R003 only, and \`latest\` by this rule only (not R005 too). Other moving tags (\`main\`, \`stable\`) are not
semver-like and R005 reports them. Each image is reported once, where it is
written, naming the combinations.

Fix: none is mechanical; pin the image to a release tag.

Source: confirmed — abra's \`pkg/lint\` API index (pkg.go.dev's rendering of coopcloud.tech/abra/pkg/lint) has \`LintNoUnstableTags\`; the id, the level (warn) and the check — a tag equal to \`latest\`, or a reference with no tag — are inferred, as is the quirk below. Deviation: abra's type switch also fails a digest-only reference (\`name@sha256:…\`); redfix does not, because a digest is the most stable pin there is.`,
  },
  check(ctx) {
    for (const recipe of abraRecipes(ctx.workspace)) {
      for (const img of stackImages(recipe)) {
        // One finding per fact: an untagged image is R003's (it runs `latest`, and R003 says so).
        if (img.ref.tag !== "latest") continue;
        const why = "uses the unstable tag `latest`";
        ctx.report({
          recipe: recipe.name,
          file: img.file.source,
          range: img.range,
          message: `image ${imageText(img)} of service \`${img.service}\` ${why} (${combinationsText(recipe, img.combinations)}): pin a release tag`,
          key: `${img.file.name}:services.${img.service}.image`,
        });
      }
    }
  },
};
