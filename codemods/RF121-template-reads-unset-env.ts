/**
 * RF121's fix: the service that mounts a golang-templated config sets every variable the template
 * reads (`X=${X}`, interpolated at deploy), in the form its `environment:` already uses, and the
 * config's version is bumped so swarm creates the config anew.
 */
import type { Rf121Data } from "../analyzers/RF121-template-reads-unset-env.js";
import type { Edit } from "../core/edit.js";
import type { Codemod } from "./codemod.js";
import { findRecipe, recipeRepo } from "./support/recipe-repo.js";
import { bumpExport } from "./support/abra-versions.js";
import {
  appendToMap,
  appendToSeq,
  lineIndent,
  sequenceOffset,
  serviceKeyIndent,
} from "./support/yaml-lines.js";
import { isMap, isSeq } from "yaml";

export const rf121Codemod: Codemod = {
  fix(problem, ws) {
    const data = problem.data as Rf121Data | undefined;
    const recipe = data ? findRecipe(ws, problem.recipe) : undefined;
    const cf = recipe?.composeFiles.find((f) => f.name === data?.composeFile);
    const svc = cf?.services.find((s) => s.name === data?.service);
    if (!data || !recipe || !cf || !svc?.map || svc.map.flow) return null;
    const src = cf.source;
    const vars = data.variables;
    let edit: Edit | null;
    const first = svc.environment[0];
    if (first) {
      const indent = lineIndent(src, first.range.start);
      if (first.form === "list" && isSeq(first.collection)) {
        const q = /^["']/.test(src.text.slice(first.range.start, first.range.start + 1))
          ? src.text[first.range.start]!
          : "";
        edit = appendToSeq(
          src,
          first.collection,
          vars.map((v) => `${indent}- ${q}${v}=\${${v}}${q}\n`).join(""),
        );
      } else if (first.form === "map" && isMap(first.collection)) {
        edit = appendToMap(src, first.collection, vars.map((v) => `${indent}${v}: \${${v}}\n`).join(""));
      } else {
        edit = null;
      }
    } else if (svc.keys.has("environment")) {
      return null; // an empty or flow `environment:`: left to the maintainer
    } else {
      const keyIndent = serviceKeyIndent(src, svc);
      const dash = `${keyIndent}${sequenceOffset(cf, svc)}- `;
      edit = appendToMap(
        src,
        svc.map,
        `${keyIndent}environment:\n${vars.map((v) => `${dash}${v}=\${${v}}\n`).join("")}`,
      );
    }
    if (!edit) return null;
    const edits: Edit[] = [edit];
    const bump = data.versionVariable ? bumpExport(recipe, data.versionVariable) : null;
    if (bump) edits.push(bump);
    return {
      summary: `set ${vars.join(", ")} in the environment of \`${svc.name}\` in ${cf.name}, which renders config \`${data.config}\`${bump ? `; bump ${data.versionVariable}` : ""}`,
      repo: recipeRepo(recipe),
      edits,
    };
  },
};
