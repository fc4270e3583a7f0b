import { isMap } from "yaml";
import type { Node, Pair } from "yaml";
import type { Rf140Data } from "../analyzers/RF140-config-version-not-bumped.js";
import { versionVariable } from "../analyzers/RF140-config-version-not-bumped.js";
import { deref } from "../load/compose.js";
import type { Recipe } from "../load/workspace.js";
import type { Codemod } from "./codemod.js";
import { replace } from "../core/edit.js";
import type { Edit } from "../core/edit.js";
import { findRecipe, recipeRepo } from "./support/recipe-repo.js";
import { lineIndent } from "./support/yaml-lines.js";
import { addExport, bumpExport, variableFor } from "./support/abra-versions.js";

/**
 * Every version variable the recipe's configs need and abra.sh lacks, in name order. Each RF140 fix
 * that adds exports adds all of them in one identical insertion, so fixes for several configs of one
 * recipe do not compete for the same spot in abra.sh.
 */
function missingExports(recipe: Recipe): string[] {
  const exported = new Set(recipe.abraSh?.exports.map((e) => e.name) ?? []);
  const inEnv = new Set(recipe.envSample?.variables.filter((v) => !v.commented).map((v) => v.name) ?? []);
  const out = new Set<string>();
  for (const ref of recipe.fileRefs) {
    if (ref.kind !== "config") continue;
    const v = versionVariable(ref.entry) ?? variableFor(ref.entry.name);
    if (!exported.has(v) && !inEnv.has(v)) out.add(v);
  }
  return [...out].sort();
}

function addExports(recipe: Recipe): Edit | null {
  const vars = missingExports(recipe);
  return vars.length === 0 ? null : addExport(recipe, vars);
}

export const rf140Codemod: Codemod = {
  fix(problem, ws) {
    const data = problem.data as Rf140Data | undefined;
    const recipe = data ? findRecipe(ws, problem.recipe) : undefined;
    if (!data || !recipe) return null;
    const repo = recipeRepo(recipe);
    if (data.kind === "unbumped" && data.variable) {
      const bump = bumpExport(recipe, data.variable);
      return bump
        ? {
            summary: `bump ${data.variable} in abra.sh (${data.config} changed since ${data.tag})`,
            repo,
            edits: [bump],
            // Every config versioned by one variable changes under one bump: one patch.
            cause: `bump:${data.variable}`,
          }
        : null;
    }
    const exports = addExports(recipe);
    if (data.kind === "not-exported") {
      return exports
        ? { summary: `export ${data.variable}=v1 from abra.sh`, repo, edits: [exports], cause: "exports" }
        : null;
    }
    const cf = recipe.composeFiles.find((f) => f.name === data.composeFile);
    const entry = cf?.configs.find((c) => c.name === data.config);
    if (!cf || !entry || !exports) return null;
    const variable = variableFor(entry.name);
    const edits: Edit[] = [exports];
    if (entry.externalName) {
      const { start, end } = entry.externalName.range;
      const raw = cf.source.text.slice(start, end);
      // Inside the closing quote of a quoted name.
      const at = /["']$/.test(raw) && raw.length > 1 ? end - 1 : end;
      edits.push(replace(cf.source.absPath, { start: at, end: at }, `_\${${variable}}`));
    } else {
      const def = deref(cf.doc, entry.pair.value);
      const first = isMap(def) && !def.flow ? (def.items[0] as Pair | undefined) : undefined;
      const keyStart = (first?.key as Node | undefined)?.range?.[0];
      if (keyStart === undefined) return null;
      const lineStart = cf.source.lines.lineStart(cf.source.lines.position(keyStart).line);
      edits.push(
        replace(
          cf.source.absPath,
          { start: lineStart, end: lineStart },
          `${lineIndent(cf.source, keyStart)}name: \${STACK_NAME}_${entry.name}_\${${variable}}\n`,
        ),
      );
    }
    // The export line names every missing variable: every config it versions is in one patch.
    return { summary: `version config \`${entry.name}\` with ${variable}`, repo, edits, cause: "exports" };
  },
};
