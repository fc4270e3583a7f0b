/**
 * RF102's fixes: delete the keys swarm ignores, translate `restart` into `deploy.restart_policy`, and
 * rewrite a long-form `depends_on` as the list swarm accepts. Whole lines are replaced, so the rest of
 * the file keeps its bytes.
 */
import { isMap, isScalar, isSeq } from "yaml";
import type { Node, Pair, YAMLMap } from "yaml";
import { restartPolicy } from "../analyzers/RF102-key-ignored-by-swarm.js";
import type { Rf102Data } from "../analyzers/RF102-key-ignored-by-swarm.js";
import { deref, getPair, pairRange, scalarString } from "../load/compose.js";
import type { ComposeFile, ComposeService } from "../load/compose.js";
import type { Codemod } from "./codemod.js";
import { replace } from "../core/edit.js";
import type { Edit } from "../core/edit.js";
import { findRecipe, recipeRepo } from "./support/recipe-repo.js";
import {
  appendToMap,
  indentUnit,
  lineEndOf,
  lineIndent,
  sequenceOffset,
  serviceKeyIndent,
} from "./support/yaml-lines.js";
import { deletePairLines } from "./support/yaml-delete.js";

function keyStart(p: Pair): number {
  return (p.key as Node).range?.[0] ?? 0;
}

function restartFix(cf: ComposeFile, svc: ComposeService, pair: Pair): Edit[] | null {
  const value = scalarString(cf.doc, pair.value);
  const policy = value === null ? null : restartPolicy(value);
  if (!policy || !svc.map) return null;
  const edits: Edit[] = [deletePairLines(cf.source, pairRange(pair))];
  const deploy = deref(cf.doc, svc.keys.get("deploy")?.value);
  if (deploy && !isMap(deploy)) return null;
  if (isMap(deploy) && getPair(cf.doc, deploy, "restart_policy")) return edits;
  const unit = indentUnit(cf);
  const keyIndent = serviceKeyIndent(cf.source, svc);
  const lines = (indent: string) =>
    `${indent}restart_policy:\n${indent}${unit}condition: ${policy.condition}\n` +
    (policy.maxAttempts !== undefined ? `${indent}${unit}max_attempts: ${policy.maxAttempts}\n` : "");
  if (isMap(deploy)) {
    const first = deploy.items[0] as Pair | undefined;
    const indent = first ? lineIndent(cf.source, keyStart(first)) : `${keyIndent}${unit}`;
    const e = appendToMap(cf.source, deploy as YAMLMap, lines(indent));
    if (!e) return null;
    edits.push(e);
  } else {
    const e = appendToMap(cf.source, svc.map, `${keyIndent}deploy:\n${lines(`${keyIndent}${unit}`)}`);
    if (!e) return null;
    edits.push(e);
  }
  return edits;
}

/** The list form of a long `depends_on`, one line per service, at the file's indentation. */
function dependsOnList(cf: ComposeFile, svc: ComposeService): Edit[] | null {
  const dep = svc.dependsOn;
  if (!dep || dep.form !== "map" || dep.value.flow) return null;
  const keyIndent = serviceKeyIndent(cf.source, svc);
  const dash = `${keyIndent}${sequenceOffset(cf, svc)}- `;
  const start = cf.source.lines.lineStart(cf.source.lines.position(dep.keyRange.start).line);
  const end = lineEndOf(cf.source, dep.value.range?.[1] ?? dep.keyRange.end);
  const text = `${keyIndent}depends_on:\n${dep.entries.map((e) => `${dash}${e.service}\n`).join("")}`;
  return [replace(cf.source.absPath, { start, end }, text)];
}

/** `links` without aliases, or aliases equal to the linked service's name. */
function plainLinks(cf: ComposeFile, pair: Pair): boolean {
  const v = deref(cf.doc, pair.value);
  if (!isSeq(v)) return false;
  return v.items.every((i) => {
    const s = isScalar(deref(cf.doc, i)) ? scalarString(cf.doc, i) : null;
    if (s === null) return false;
    const [name, alias] = s.split(":");
    return alias === undefined || alias === name;
  });
}

export const rf102Codemod: Codemod = {
  fix(problem, ws) {
    const data = problem.data as Rf102Data | undefined;
    const recipe = data ? findRecipe(ws, problem.recipe) : undefined;
    const cf = recipe?.composeFiles.find((f) => f.name === data?.composeFile);
    const svc = cf?.services.find((s) => s.name === data?.service);
    if (!data || !recipe || !cf || !svc?.map || svc.map.flow) return null;
    const pair = svc.keys.get(data.key);
    // A key inherited through a merge key (`<<: *defaults`) is not on the service's own lines.
    if (!pair || !svc.map.items.includes(pair)) return null;
    const repo = recipeRepo(recipe);
    const drop = (why: string) => ({
      summary: `delete \`${data.key}\` from \`${svc.name}\` in ${cf.name} (${why})`,
      repo,
      edits: [deletePairLines(cf.source, pairRange(pair))],
    });
    switch (data.key) {
      case "depends_on": {
        const edits = dependsOnList(cf, svc);
        return edits
          ? { summary: `rewrite \`depends_on\` of \`${svc.name}\` as the list swarm accepts`, repo, edits }
          : null;
      }
      case "container_name":
        return drop("swarm names its tasks");
      case "build": {
        // The image may come from another file of the stack (a dev overlay adding `build:`).
        const combos = recipe.combinations.filter((c) => c.files.includes(cf));
        const imaged = combos.length > 0 && combos.every((c) => c.services.get(svc.name)?.image);
        return imaged ? drop("swarm deploys the image") : null;
      }
      case "links":
        return plainLinks(cf, pair) ? drop("services reach each other by name") : null;
      case "tmpfs":
        return null;
      case "restart": {
        const edits = restartFix(cf, svc, pair);
        return edits
          ? { summary: `move \`restart\` of \`${svc.name}\` to \`deploy.restart_policy\``, repo, edits }
          : null;
      }
    }
  },
};
