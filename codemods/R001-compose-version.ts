import { isAlias, isMap, isScalar, Scalar } from "yaml";
import type { R001Data } from "../analyzers/R001-compose-version.js";
import { EXPECTED_COMPOSE_VERSION } from "../analyzers/R001-compose-version.js";
import { getPair } from "../load/compose.js";
import type { Codemod } from "./codemod.js";
import { replace } from "../core/edit.js";
import { findRecipe, recipeRepo } from "./support/recipe-repo.js";

const QUOTES: Partial<Record<Scalar.Type, string>> = {
  [Scalar.QUOTE_DOUBLE]: '"',
  [Scalar.QUOTE_SINGLE]: "'",
  [Scalar.PLAIN]: "",
};

/**
 * Sets `version: "3.8"`: replaces the value in its own quoting, or inserts the line at the top of the
 * document (after a leading `---`). A version given through an alias, or a flow-style root map, is
 * left to the maintainer.
 */
export const r001Codemod: Codemod = {
  fix(problem, ws) {
    const data = problem.data as R001Data | undefined;
    const recipe = data ? findRecipe(ws, problem.recipe) : undefined;
    const cf = recipe?.composeFiles.find((f) => f.name === data!.composeFile);
    if (!recipe || !cf) return null;
    const root = cf.doc.contents;
    const src = cf.source;
    const summary = `set \`version: "${EXPECTED_COMPOSE_VERSION}"\` in ${cf.name}`;
    const pair = isMap(root) ? getPair(cf.doc, root, "version") : undefined;
    if (pair) {
      const value = pair.value;
      if (isAlias(value) || !isScalar(value) || !value.range) return null;
      const q = QUOTES[value.type ?? Scalar.PLAIN];
      if (q === undefined) return null; // a block scalar: too odd to rewrite
      const range = { start: value.range[0], end: value.range[1] };
      return {
        summary,
        repo: recipeRepo(recipe),
        edits: [replace(src.absPath, range, `${q}${EXPECTED_COMPOSE_VERSION}${q}`)],
      };
    }
    if (isMap(root) && root.flow) return null;
    const eol = src.text.includes("\r\n") ? "\r\n" : "\n";
    const marker = /^(?:%[^\n]*\n)*---[ \t]*\r?\n/.exec(src.text);
    const at = marker ? marker[0].length : 0;
    return {
      summary,
      repo: recipeRepo(recipe),
      edits: [replace(src.absPath, { start: at, end: at }, `version: "${EXPECTED_COMPOSE_VERSION}"${eol}`)],
    };
  },
};
