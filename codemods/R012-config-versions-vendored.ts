import type { R012Data } from "../analyzers/R012-config-versions-vendored.js";
import { configVersions } from "../analyzers/R012-config-versions-vendored.js";
import { join } from "node:path";
import type { Codemod } from "./codemod.js";
import { replace } from "../core/edit.js";
import type { Edit } from "../core/edit.js";
import { findRecipe, recipeRepo } from "./support/recipe-repo.js";

/**
 * Adds the missing `export <CFG>_VERSION=v1` lines to abra.sh, after its last export (after a shebang
 * when it has none), or creates abra.sh. Every missing export of the recipe goes into the same edit, so
 * the recipe's R012 findings share one patch instead of clashing at one insertion point.
 */
export const r012Codemod: Codemod = {
  fix(problem, ws) {
    const data = problem.data as R012Data | undefined;
    const recipe = data?.variable ? findRecipe(ws, problem.recipe) : undefined;
    if (!recipe) return null;
    const { missing } = configVersions(recipe);
    if (missing.length === 0) return null;
    const lines = missing.map((m) => `export ${m.variable}=${m.value}`);
    const summary = `export ${missing.map((m) => m.variable).join(", ")} from abra.sh`;
    const sh = recipe.abraSh;
    let edit: Edit;
    if (!sh) {
      edit = {
        kind: "create",
        file: join(recipe.dir, "abra.sh"),
        text: `${lines.join("\n")}\n`,
        mode: "100644",
      };
    } else {
      const src = sh.source;
      const eol = src.text.includes("\r\n") ? "\r\n" : "\n";
      const last = sh.exports[sh.exports.length - 1];
      const shebang = /^#![^\n]*\n/.exec(src.text);
      const at = last ? src.lines.lineEndAfter(last.range.end) : (shebang?.[0].length ?? 0);
      const needsBreak = at > 0 && src.text[at - 1] !== "\n";
      const text = (needsBreak ? eol : "") + lines.map((l) => l + eol).join("");
      edit = replace(src.absPath, { start: at, end: at }, text);
    }
    return { summary, repo: recipeRepo(recipe), edits: [edit] };
  },
};
