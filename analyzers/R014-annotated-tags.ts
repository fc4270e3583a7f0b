import type { Rule } from "./rule.js";
import { ABRA_ONLY } from "./rule.js";
import { abraRecipes, recipeAnchor } from "./support/abra-recipe.js";

export interface R014Data {
  tag: string | null;
}

export const r014: Rule = {
  meta: {
    id: "R014",
    name: "annotated-tags",
    description: "Every tag of the recipe repo is annotated (release tags carry their notes)",
    severity: "error",
    target: "recipe",
    classification: "recipe-defect",
    fixable: false,
    kinds: ABRA_ONLY,
    scope: "recipe",
    docs: `abra recipe lint R014, "only annotated tags used for recipe version" (level error; how to resolve: replace
the lightweight tag with an annotated one). abra reads a release's notes and date from its tag object; a
lightweight tag has none, and abra's version listing fails on it.

What: every tag of the recipe's git repo must be an annotated tag object (read from \`.git\` directly, packed
refs included). Each lightweight tag is one finding, at the recipe's version label (or the top of
\`compose.yml\`), naming the tag.

Not a git repo: abra opens the repo and fails the rule ("unable to open …") when the recipe folder is not one.
redfix reports that as one **info** finding per recipe — the tag types, and with them R006 and R013, could not be
checked — rather than as an error: an exported or unpacked recipe is not a broken one. R006 and R013 report
nothing for such a folder.

Fix: none as a patch — tags are not file edits. The message gives the commands that replace the tag in place:
\`git tag -a -f <tag> <tag>^{} -m "<notes>"\` then \`git push --force origin <tag>\`.

Source: confirmed — abra's \`pkg/lint\` API index (pkg.go.dev's rendering of coopcloud.tech/abra/pkg/lint) has \`LintValidTags\`; the id, the level (error) and the check (each tag ref must resolve to a tag object, otherwise "invalid lightweight tag detected"; a folder that is not a repo fails with "unable to open") are inferred from that name and abra's code as remembered.`,
  },
  check(ctx) {
    for (const recipe of abraRecipes(ctx.workspace)) {
      const anchor = recipeAnchor(recipe);
      if (!recipe.git) {
        ctx.report<R014Data>({
          recipe: recipe.name,
          file: anchor.file,
          range: anchor.range,
          severity: "info",
          message: `${recipe.relDir || recipe.name} is not a git repository: tag types (R014), published versions (R006) and the remote (R013) were not checked; abra fails R014 on such a folder`,
          key: "not-a-git-repo",
          data: { tag: null },
        });
        continue;
      }
      for (const tag of recipe.git.tags) {
        if (tag.annotated) continue;
        ctx.report<R014Data>({
          recipe: recipe.name,
          file: anchor.file,
          range: anchor.range,
          message: `tag \`${tag.name}\` is lightweight: replace it with an annotated tag, \`git tag -a -f ${tag.name} ${tag.name}^{} -m "<release notes>"\`, then \`git push --force origin ${tag.name}\``,
          key: `tag:${tag.name}`,
          data: { tag: tag.name },
        });
      }
    }
  },
};
