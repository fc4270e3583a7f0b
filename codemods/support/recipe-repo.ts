import type { Recipe, Workspace } from "../../load/workspace.js";
import type { Repo } from "../../core/patch.js";

export function recipeRepo(recipe: Recipe): Repo {
  return { name: recipe.name, kind: "recipe", path: recipe.dir };
}

export function findRecipe(ws: Workspace, name: string): Recipe | undefined {
  return ws.recipes.find((r) => r.name === name);
}
