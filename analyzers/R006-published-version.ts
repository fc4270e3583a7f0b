import type { Rule } from "./rule.js";
import { ABRA_ONLY } from "./rule.js";
import { abraRecipes, recipeAnchor, versionLabel } from "./support/abra-recipe.js";

export const r006: Rule = {
  meta: {
    id: "R006",
    name: "published-version",
    description: "The recipe has a published version: at least one release tag in its repo",
    severity: "warning",
    target: "recipe",
    classification: "recipe-defect",
    fixable: false,
    kinds: ABRA_ONLY,
    scope: "recipe",
    docs: `abra recipe lint R006, "has published catalogue version" (level warn). Operators deploy released
versions; a recipe with none can only be deployed with \`--chaos\`, from whatever its default branch holds.

What: abra looks the recipe up in the recipe catalogue (recipes.coopcloud.tech), which is built from the
recipe repo's release tags. redfix works offline, so it reads the tags of the recipe's git repo: a repo with no
tag has no published version. A folder that is not a git repo is skipped (no finding: the catalogue cannot be
consulted offline; R014 says that the folder is not a repo).

Fix: none as a patch — releases are tags, not file edits. The message gives the command: \`abra recipe release
<recipe>\` (which writes release notes and an annotated tag \`x.y.z+<upstream>\`), or
\`git tag -a <x.y.z+upstream> -m "<notes>"\` and \`git push origin --tags\`.

Source: confirmed — abra's \`pkg/lint\` API index (pkg.go.dev's rendering of coopcloud.tech/abra/pkg/lint) has \`LintHasPublishedVersion\`; the id, the level (warn) and that abra reads the recipe catalogue are inferred from that name and abra's documentation. The git-tag proxy is redfix's.`,
  },
  check(ctx) {
    for (const recipe of abraRecipes(ctx.workspace)) {
      if (!recipe.git || recipe.git.tags.length > 0) continue;
      const anchor = recipeAnchor(recipe);
      const label = versionLabel(recipe);
      const version = label?.label.value || "<x.y.z+upstream>";
      ctx.report({
        recipe: recipe.name,
        file: anchor.file,
        range: anchor.range,
        message: `the recipe has no release tag, so no published version: run \`abra recipe release ${recipe.name}\`, or \`git tag -a ${version} -m "<release notes>"\` and \`git push origin --tags\``,
        key: "published-version",
      });
    }
  },
};
