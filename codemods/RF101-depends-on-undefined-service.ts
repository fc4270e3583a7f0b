import type { Rf101Data } from "../analyzers/RF101-depends-on-undefined-service.js";
import type { Codemod } from "./codemod.js";
import { findRecipe, recipeRepo } from "./support/recipe-repo.js";
import { deleteItem, deletePairLines } from "./support/yaml-delete.js";

/**
 * Deletes the undefined entry in the file that declares it (an overlay cannot remove it). When every
 * entry of that `depends_on` is undefined, the whole key goes: an empty `depends_on:` would be noise,
 * and swarm ignores the key anyway.
 */
export const rf101Codemod: Codemod = {
  fix(problem, ws) {
    const data = problem.data as Rf101Data | undefined;
    if (!data?.undefinedEverywhere) return null;
    const recipe = findRecipe(ws, problem.recipe);
    const cf = recipe?.composeFiles.find((f) => f.name === data.composeFile);
    const svc = cf?.services.find((s) => s.name === data.service);
    const dep = svc?.dependsOn;
    if (!recipe || !cf || !dep) return null;
    const combos = recipe.combinations.filter((c) => c.files.includes(cf));
    const doomed = dep.entries.filter((e) => combos.every((c) => !c.services.has(e.service)));
    const entry = dep.entries.find((e) => e.service === data.dependency);
    if (!entry) return null;
    const edit =
      doomed.length === dep.entries.length
        ? deletePairLines(cf.source, {
            start: dep.keyRange.start,
            end: dep.value.range?.[1] ?? entry.range.end,
          })
        : deleteItem(cf.source, dep.value, entry.range);
    return {
      summary:
        doomed.length === dep.entries.length
          ? `delete \`depends_on\` of \`${data.service}\` in ${cf.name} (it names only undefined services)`
          : `delete \`${data.dependency}\` from \`depends_on\` of \`${data.service}\` in ${cf.name}`,
      repo: recipeRepo(recipe),
      edits: [edit],
    };
  },
};
