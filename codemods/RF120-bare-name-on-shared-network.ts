/**
 * RF120's fix: the host bytes of the reference become the stack-qualified name, nothing else of the
 * file changes. In a config: `{{ env "STACK_NAME" }}_<service>`, `template_driver: golang` added when the
 * config was not a template, and its version bumped. In a compose env value: `${STACK_NAME}_<service>`.
 * All findings in one template (or one compose file) are one root cause (`cause`): one patch with one
 * driver line, one `STACK_NAME` and one bump.
 */
import { isMap } from "yaml";
import type { Node, Pair } from "yaml";
import { rf120Data } from "../analyzers/RF120-bare-name-on-shared-network.js";
import { qualifiedName } from "../load/configs/index.js";
import { versionVariable } from "../analyzers/RF140-config-version-not-bumped.js";
import { deref, pairRange } from "../load/compose.js";
import type { Codemod } from "./codemod.js";
import { replace } from "../core/edit.js";
import type { Edit } from "../core/edit.js";
import { findRecipe, recipeRepo } from "./support/recipe-repo.js";
import type { Recipe } from "../load/workspace.js";
import { insertLinesAfter, lineIndent } from "./support/yaml-lines.js";
import { bumpExport } from "./support/abra-versions.js";

/**
 * Swarm renders `{{ env "STACK_NAME" }}` from the environment of the service that mounts the config,
 * not from the deploy's: every service mounting it gets `STACK_NAME` in its `environment`, in the style
 * of its siblings (a bare `- NAME` passes the deploy's value through, as `- DOMAIN` does).
 */
function stackNameEnv(recipe: Recipe, configName: string): Edit[] {
  const edits: Edit[] = [];
  for (const cf of recipe.composeFiles) {
    for (const svc of cf.services) {
      if (!svc.map || !svc.configs.some((c) => c.source === configName)) continue;
      if (svc.environment.some((e) => e.key === "STACK_NAME")) continue;
      const envPair = svc.keys.get("environment");
      const last = svc.environment[svc.environment.length - 1];
      if (last && !last.collection.flow) {
        const indent = lineIndent(cf.source, last.range.start);
        const line =
          last.form === "list"
            ? `${indent}- ${svc.environment.some((e) => e.value === null) ? "STACK_NAME" : "STACK_NAME=${STACK_NAME}"}\n`
            : `${indent}STACK_NAME: \${STACK_NAME}\n`;
        edits.push(insertLinesAfter(cf.source, last.range.end, line));
      } else if (!envPair) {
        const pairs = [...svc.keys.values()];
        const first = pairs[0];
        const lastPair = pairs[pairs.length - 1];
        if (!first || !lastPair || svc.map.flow) continue;
        const indent = lineIndent(cf.source, (first.key as Node).range?.[0] ?? 0);
        edits.push(
          insertLinesAfter(
            cf.source,
            pairRange(lastPair).end,
            `${indent}environment:\n${indent}  - STACK_NAME=\${STACK_NAME}\n`,
          ),
        );
      }
    }
  }
  return edits;
}

export const rf120Codemod: Codemod = {
  fix(problem, ws) {
    const data = rf120Data(problem);
    // The reference is in the problem's own file, read once by the loader.
    const source = typeof problem.file === "string" ? null : problem.file;
    if (data?.unfixable) return { unavailable: data.unfixable };
    if (!data || !source || data.kind === "caddy-adapt") return null;
    const recipe = findRecipe(ws, problem.recipe);
    if (!recipe) return null;
    const repo = recipeRepo(recipe);
    if (data.kind === "env") {
      return {
        summary: `reach \`${data.host}\` as \${STACK_NAME}_${data.service}, its stack-qualified name`,
        repo,
        edits: [replace(source.absPath, data.hostRange, `\${STACK_NAME}_${data.service}`)],
        // Every bare name of one compose file is one root cause: one patch.
        cause: `env:${source.absPath}`,
      };
    }
    const cfg = data.config;
    const cf = recipe.composeFiles.find((f) => f.name === cfg?.composeFile);
    const entry = cf?.configs.find((c) => c.name === cfg?.name);
    if (!cfg || !cf || !entry) return null;
    const edits: Edit[] = [
      replace(source.absPath, data.hostRange, qualifiedName(source.text, data.hostRange.start, data.service)),
    ];
    if (!cfg.templated) {
      const def = deref(cf.doc, entry.pair.value);
      if (!isMap(def) || def.flow) return null;
      const items = def.items as Pair[];
      const last = items[items.length - 1];
      const first = items[0];
      if (!last || !first) return null;
      const indent = lineIndent(cf.source, (first.key as Node).range?.[0] ?? 0);
      edits.push(insertLinesAfter(cf.source, pairRange(last).end, `${indent}template_driver: golang\n`));
    }
    edits.push(...stackNameEnv(recipe, entry.name));
    const variable = versionVariable(entry);
    const bump = variable ? bumpExport(recipe, variable) : null;
    if (bump) edits.push(bump);
    return {
      summary: `reach \`${data.host}\` as {{ env "STACK_NAME" }}_${data.service} in ${entry.file?.value ?? entry.name}${
        cfg.templated ? "" : " (now a Go template)"
      }${variable ? `; bump ${variable}` : ""}`,
      repo,
      edits,
      // All bare names of one template are one root cause: one patch, one bump.
      cause: `config:${cf.name}:${entry.name}`,
    };
  },
};
