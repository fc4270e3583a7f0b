import type { Rule } from "./rule.js";
import { ABRA_ONLY } from "./rule.js";
import { abraRecipes, recipeAnchor } from "./support/abra-recipe.js";

/** URL forms git accepts for a remote that other people can clone. */
const URL_FORMS: RegExp[] = [
  /^(https?|git|ssh):\/\/([^@/\s]+@)?[A-Za-z0-9.-]+(:\d+)?\/[^\s]*[^/\s]$/,
  /^(?!(?:https?|ssh|git|file):)([^@/\s:]+@)?[A-Za-z0-9.-]+:(?!\/\/)[^\s]+$/,
];

export function isWellFormedRemote(url: string): boolean {
  return URL_FORMS.some((re) => re.test(url));
}

export const r013: Rule = {
  meta: {
    id: "R013",
    name: "recipe-repo",
    description: "The recipe repo has a well-formed `origin` remote (abra checks the repo exists online)",
    severity: "warning",
    target: "recipe",
    classification: "recipe-defect",
    fixable: false,
    kinds: ABRA_ONLY,
    scope: "recipe",
    docs: `abra recipe lint R013, "git.coopcloud.tech repo exists" (level warn). Operators fetch recipes from the
public catalogue's repos; a recipe that only lives on a maintainer's disk cannot be deployed by anyone else.

What abra does: an HTTP GET of \`https://git.coopcloud.tech/coop-cloud/<recipe>.git\`; anything but 200 fails.
redfix has no network, so it checks what can be checked offline: the recipe's git repo has an \`origin\` remote,
and its URL is a clonable form (\`https://host/path\`, \`ssh://…\`, \`git://…\`, or \`user@host:path\`). A local path
is not. Whether the repository exists is not checked. A folder that is not a git repo is skipped (R014 says so).

Fix: none as a patch. The message gives the command: create the repo (for the catalogue:
\`git.coopcloud.tech/coop-cloud/<recipe>\`), then \`git remote add origin <url>\` and push.

Source: confirmed — abra's \`pkg/lint\` API index (pkg.go.dev's rendering of coopcloud.tech/abra/pkg/lint) has \`LintHasRecipeRepo\`; the id, the level (warn) and the online check are inferred from that name and abra's behaviour as remembered. The offline check is redfix's.`,
  },
  check(ctx) {
    for (const recipe of abraRecipes(ctx.workspace)) {
      if (!recipe.git) continue;
      const url = recipe.git.originUrl;
      if (url !== null && isWellFormedRemote(url)) continue;
      const anchor = recipeAnchor(recipe);
      const suggested = `https://git.coopcloud.tech/coop-cloud/${recipe.name}.git`;
      ctx.report({
        recipe: recipe.name,
        file: anchor.file,
        range: anchor.range,
        message:
          url === null
            ? `the recipe repo has no \`origin\` remote, so it is not published: create the repo and run \`git remote add origin ${suggested}\``
            : `the \`origin\` remote \`${url}\` is not a clonable URL: set one with \`git remote set-url origin ${suggested}\``,
        key: "origin-remote",
      });
    }
  },
};
