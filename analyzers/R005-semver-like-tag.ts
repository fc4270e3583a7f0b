import type { Rule } from "./rule.js";
import { ABRA_ONLY } from "./rule.js";
import { imageText, stackImages } from "./support/image-reference.js";
import { abraRecipes, combinationsText } from "./support/abra-recipe.js";

const COMMIT_HASH = /^[a-f0-9]{7,40}$/;
const VERSION_PART = /^\d+$/;

/**
 * Whether `abra recipe upgrade` can compare the tag (coop-cloud's `tagcmp.IsParsable`): an optional `v`, one
 * to four dot-separated numbers, an optional `-suffix`; commit hashes are not versions.
 */
export function isSemverLike(tag: string): boolean {
  if (COMMIT_HASH.test(tag)) return false;
  const dash = tag.indexOf("-");
  const version = dash === -1 ? tag : tag.slice(0, dash);
  if (dash !== -1 && dash === tag.length - 1) return false;
  const parts = (version.startsWith("v") ? version.slice(1) : version).split(".");
  return parts.length >= 1 && parts.length <= 4 && parts.every((p) => VERSION_PART.test(p));
}

export const r005: Rule = {
  meta: {
    id: "R005",
    name: "semver-like-tag",
    description: "Every image tag of the merged stack is semver-like (judged for every overlay combination)",
    severity: "warning",
    target: "recipe",
    classification: "recipe-defect",
    fixable: false,
    kinds: ABRA_ONLY,
    scope: "recipe",
    docs: `abra recipe lint R005, "tags use semver-like format" (level warn). \`abra recipe upgrade\` compares
image tags to offer upgrades; a tag it cannot parse (\`main\`, \`stable\`, \`alpine\`, a commit hash) is never
upgraded and says nothing about compatibility.

What: the tag of each service's effective image, in every overlay combination (variables interpolated), must be
an optional \`v\`, one to four dot-separated numbers, and an optional \`-suffix\` (\`1.21\`, \`v2.4.1\`,
\`16-alpine\`, \`1.2.3-rootless\`); commit hashes are not. One finding per fact: an untagged image is R003's and
\`latest\` is R004's, so neither is reported here too (abra fails them under each of its rules). Digest-only
references are not judged (see R004).

Fix: none is mechanical; use the upstream's versioned tag.

Source: confirmed — abra's \`pkg/lint\` API index (pkg.go.dev's rendering of coopcloud.tech/abra/pkg/lint) has \`LintSemverLikeTags\`; the id, the level (warn) and the check (coop-cloud's \`tagcmp.IsParsable\`) are inferred; the tag format above follows tagcmp as documented and remembered, not its code.`,
  },
  check(ctx) {
    for (const recipe of abraRecipes(ctx.workspace)) {
      for (const img of stackImages(recipe)) {
        const { tag } = img.ref;
        // One finding per fact: no tag is R003's, \`latest\` is R004's.
        if (tag === null || tag === "latest" || isSemverLike(tag)) continue;
        const why = `has the tag \`${tag}\`, which is not semver-like`;
        ctx.report({
          recipe: recipe.name,
          file: img.file.source,
          range: img.range,
          message: `image ${imageText(img)} of service \`${img.service}\` ${why} (${combinationsText(recipe, img.combinations)}): use a versioned tag such as \`1.2.3\` or \`v1.2.3-suffix\``,
          key: `${img.file.name}:services.${img.service}.image`,
        });
      }
    }
  },
};
