import type { Rf111Data } from "../analyzers/RF111-backup-label-names-unmounted-volume.js";
import type { Codemod } from "./codemod.js";
import { replace } from "../core/edit.js";
import { findRecipe, recipeRepo } from "./support/recipe-repo.js";

/** Replaces the volume key inside the label's key, touching only those bytes (map or list form). */
export const rf111Codemod: Codemod = {
  fix(problem, ws) {
    const data = problem.data as Rf111Data | undefined;
    if (!data?.candidate) return null;
    const recipe = findRecipe(ws, problem.recipe);
    const cf = recipe?.composeFiles.find((f) => f.name === data.composeFile);
    const label = cf?.services
      .find((s) => s.name === data.service)
      ?.deployLabels.find((l) => l.key === data.labelKey);
    if (!recipe || !cf || !label?.node.range) return null;
    const [start, end] = label.node.range;
    const raw = cf.source.text.slice(start, end);
    const needle = `backupbot.backup.volumes.${data.named}`;
    const at = raw.indexOf(needle);
    // An escaped or folded key does not hold the name literally: leave it to the maintainer.
    if (at === -1) return null;
    const volStart = start + at + needle.length - data.named.length;
    return {
      summary: `name the mounted volume \`${data.candidate}\` in \`${data.labelKey}\``,
      repo: recipeRepo(recipe),
      edits: [
        replace(cf.source.absPath, { start: volStart, end: volStart + data.named.length }, data.candidate),
      ],
    };
  },
};
