/**
 * The rules' part of an incremental run (`--cache` after a change): every `workspace`-scope rule
 * runs on the whole workspace (RF120 compares recipes; harness rules look recipes up), then the
 * cache, shown those findings, names the recipes to analyze afresh, and only those get the
 * `recipe`-scope rules. The findings of the other recipes, their patches and drafts come from the
 * cache (pipeline/cache.ts); everything is cut along repos, which is how patches are numbered.
 */
import type { Analyzed, Problem, Rule } from "../analyzers/rule.js";
import type { DeferredRecipe, Recipe, Workspace } from "../load/workspace.js";
import { runRules, toFindings, type Directive } from "./check.js";

export interface Increment {
  /**
   * The folders of the recipes to analyze afresh, from the loaded workspace, the run's repo names
   * (repo path → name) and the findings of the `workspace`-scope rules (each finding's recipe by
   * `recipeOwner`). Every other recipe's findings are left out of the result.
   */
  fresh(workspace: Workspace, names: ReadonlyMap<string, string>, wide: Analyzed[]): ReadonlySet<string>;
  /** Directive uses (check.ts `directiveUse`) of the findings the cache reuses. */
  used(): Iterable<string>;
  /** Filled by the run: the recipe folders the `recipe`-scope rules were given. */
  ran: Set<string>;
  /** Recipes not to load at all (load/workspace.ts `defer`): their kind and cross-recipe facts. */
  defer?: (dir: string) => Omit<DeferredRecipe, "name" | "dir" | "relDir"> | null;
  /** The inline directives of the files of the recipes not loaded. */
  directives?: () => Directive[];
}

export function incrementalProblems(
  ws: Workspace,
  rules: readonly Rule[],
  only: string[],
  names: ReadonlyMap<string, string>,
  increment: Increment,
): Problem[] {
  const wide = runRules(ws, rules, only, { scope: "workspace" });
  const fresh = increment.fresh(ws, names, toFindings(wide, ws.config));
  const narrow = runRules(ws, rules, only, { scope: "recipe", recipes: fresh, ran: increment.ran });
  const owner = recipeOwner(ws.recipes);
  const kept = wide.filter((p) => {
    const dir = owner(p.root, typeof p.file === "string" ? p.file : p.file.path);
    return dir === null || fresh.has(dir);
  });
  return [...kept, ...narrow];
}

/**
 * The folder of the recipe a finding belongs to, from its root and file (relative to the analyzed
 * root): the recipe whose folder holds the file, the innermost when recipes nest; null for the
 * harness and for what lies in no recipe.
 */
export function recipeOwner(
  recipes: readonly Pick<Recipe, "dir" | "relDir">[],
): (root: string, file: string) => string | null {
  const byRel = new Map(recipes.map((r) => [r.relDir, r.dir]));
  return (root, file) => {
    if (root !== "recipes") return null;
    const parts = file.split("/");
    for (let n = parts.length - 1; n > 0; n--) {
      const dir = byRel.get(parts.slice(0, n).join("/"));
      if (dir !== undefined) return dir;
    }
    return byRel.get("") ?? null;
  };
}
