import { isMap } from "yaml";
import type { R011Data } from "../analyzers/R011-service-has-image.js";
import { deref, getPair } from "../load/compose.js";
import type { Codemod } from "./codemod.js";
import { replace } from "../core/edit.js";
import { findRecipe, recipeRepo } from "./support/recipe-repo.js";
import { afterColon, deletePairLines } from "./support/yaml-delete.js";

/**
 * Drops an orphaned service block from the overlay that declares it. When it was the overlay's only
 * service, `services:` becomes `services: {}` so the overlay stays a valid compose file.
 */
export const r011Codemod: Codemod = {
  fix(problem, ws) {
    const data = problem.data as R011Data | undefined;
    if (!data?.orphan) return null;
    const recipe = findRecipe(ws, problem.recipe);
    const cf = recipe?.overlays.find((f) => f.name === data.composeFile);
    const svc = cf?.services.find((s) => s.name === data.service);
    if (!recipe || !cf || !svc) return null;
    const root = cf.doc.contents;
    const servicesPair = isMap(root) ? getPair(cf.doc, root, "services") : undefined;
    const services = deref(cf.doc, servicesPair?.value);
    if (!servicesPair || !isMap(services)) return null;
    if (services.flow) return null; // a flow-style services map is too rare to edit safely by lines
    const edits = [deletePairLines(cf.source, svc.range)];
    if (services.items.length === 1) {
      const colon = afterColon(
        cf.source,
        (servicesPair.key as { range?: [number, number, number] }).range?.[1] ?? 0,
      );
      edits.push(replace(cf.source.absPath, { start: colon, end: colon }, " {}"));
    }
    return {
      summary: `drop the image-less service \`${data.service}\` from ${cf.name}`,
      repo: recipeRepo(recipe),
      edits,
    };
  },
};
