import type { Recipe, Workspace } from "../../load/workspace.js";
import type { Repo } from "../../core/patch.js";

export function recipeRepo(recipe: Recipe): Repo {
  return { name: recipe.name, kind: "recipe", path: recipe.dir };
}

/** Each recipe list by name (the first of a name, as a scan finds it), and its length when indexed. */
const byName = new WeakMap<readonly Recipe[], { length: number; index: Map<string, Recipe> }>();

/** A recipe by name: codemods ask once per finding, and a catalogue has thousands of both. */
export function findRecipe(ws: Workspace, name: string): Recipe | undefined {
  let known = byName.get(ws.recipes);
  // The loader appends to the list: one that grew since is indexed again.
  if (known?.length !== ws.recipes.length) {
    const index = new Map<string, Recipe>();
    for (const r of ws.recipes) if (!index.has(r.name)) index.set(r.name, r);
    known = { length: ws.recipes.length, index };
    byName.set(ws.recipes, known);
  }
  return known.index.get(name);
}
