/**
 * RF110's fix: replaces a database service's backup labels with a dump pre-hook, a volume path that
 * selects only the dump, and a restore post-hook — as a mounted script (default) or inline labels.
 * One finding carries the whole fix for its service, so its edits never compete with each other.
 */
import { isSeq } from "yaml";
import { join } from "node:path";
import type { Rf110Data } from "../analyzers/RF110-database-backup-without-dump.js";
import { DUMP_FILE, LABEL } from "../analyzers/RF110-database-backup-without-dump.js";
import { deref } from "../load/compose.js";
import type { ComposeFile, ComposeService, KeyValueEntry } from "../load/compose.js";
import type { Declared, MergedService } from "../load/merge.js";
import type { Codemod } from "./codemod.js";
import type { Edit } from "../core/edit.js";
import { findRecipe, recipeRepo } from "./support/recipe-repo.js";
import { SCRIPT, hookParams, renderInline, renderScript } from "./support/backup-hooks.js";
import {
  addTopLevelEntry,
  appendToMap,
  appendToSeq,
  insertLinesAfter,
  labelLine,
  labelStyle,
  sequenceOffset,
  serviceKeyIndent,
} from "./support/yaml-lines.js";
import { addExport, exportedValue, variableFor } from "./support/abra-versions.js";
import { deleteItem } from "./support/yaml-delete.js";

export const rf110Codemod: Codemod = {
  fix(problem, ws, config) {
    const data = problem.data as Rf110Data | undefined;
    if (!data?.dataVolume || !data.mountTarget) return null;
    const recipe = findRecipe(ws, problem.recipe);
    const cf = recipe?.composeFiles.find((f) => f.name === data.labelsFile);
    const svc = cf?.services.find((s) => s.name === data.service);
    if (!recipe || !cf || !svc) return null;
    const merged = recipe.combinations
      .map((c) => c.services.get(data.service))
      .find((m): m is MergedService => !!m && m.declarations.some((d) => d.value === svc));
    if (!merged) return null;
    const style = labelStyle(cf.source, svc.deployLabels);
    if (!style) return null;

    const edits: Edit[] = [];
    const mountedVolumes = new Set([...merged.volumes.values()].map((m) => m.value.source).filter(Boolean));
    const volumeLabel = `${LABEL.volumePrefix}${data.dataVolume}.path`;
    const misnamedPath = (k: string) => {
      const vol = /^backupbot\.backup\.volumes\.(.+)\.path$/.exec(k)?.[1];
      return vol !== undefined && (vol === data.dataVolume || !mountedVolumes.has(vol));
    };
    // Hooks that dump and restore already: only the volume path is missing, so only it is added.
    if (data.existingDump && data.defects.every((d) => d === "raw-copy")) {
      for (const [k, d] of merged.deployLabels)
        if (misnamedPath(k)) edits.push(deleteItem(d.file.source, d.value.collection, d.value.range));
      const anchor = svc.deployLabels.find((l) => l.key === LABEL.preHook) ?? lastEntry(svc.deployLabels);
      if (!anchor) return null;
      edits.push(
        insertLinesAfter(cf.source, anchor.range.end, labelLine(style, volumeLabel, data.existingDump)),
      );
      return {
        summary: `back up only the dump ${data.existingDump} of \`${data.service}\`, not the live data directory`,
        repo: recipeRepo(recipe),
        edits,
      };
    }
    // Labels replaced or removed, in whichever file declares them (an overlay cannot remove a base label).
    const doomed = [...merged.deployLabels.entries()].filter(
      ([k]) =>
        k === LABEL.legacyPath ||
        k === LABEL.preHook ||
        k === LABEL.restorePost ||
        k === LABEL.postHook ||
        misnamedPath(k),
    );
    for (const [, d] of doomed) edits.push(deleteItem(d.file.source, d.value.collection, d.value.range));

    const kind = data.kind;
    const params = hookParams(kind, merged, data.mountTarget);
    const script = SCRIPT[kind];
    const hooks =
      config.options.backupHooks === "inline"
        ? mapValues(renderInline(kind, params), (c) => c.replace(/\$/g, "$$$$"))
        : { backup: `${script.target} backup`, restore: `${script.target} restore` };
    const labels: [string, string][] = [];
    if (!isTrue(merged.deployLabels.get(LABEL.backup))) labels.push([LABEL.backup, "true"]);
    labels.push([LABEL.preHook, hooks.backup], [volumeLabel, DUMP_FILE], [LABEL.restorePost, hooks.restore]);
    const anchor = svc.deployLabels.find((l) => l.key === LABEL.backup) ?? lastEntry(svc.deployLabels);
    if (!anchor) return null;
    edits.push(
      insertLinesAfter(cf.source, anchor.range.end, labels.map(([k, v]) => labelLine(style, k, v)).join("")),
    );

    if (config.options.backupHooks !== "inline") {
      const scriptEdits = mountScript(recipe.dir, cf, svc, merged, kind, renderScript(kind, params));
      if (!scriptEdits) return null;
      edits.push(...scriptEdits);
      const variable = variableFor(script.config);
      if (exportedValue(recipe, variable) === null) edits.push(addExport(recipe, variable));
    }
    return {
      summary:
        config.options.backupHooks === "inline"
          ? `dump and restore \`${data.service}\` with inline backupbot hooks; back up only ${DUMP_FILE}`
          : `dump and restore \`${data.service}\` with ${script.file} mounted as a config; back up only ${DUMP_FILE}`,
      repo: recipeRepo(recipe),
      edits,
    };
  },
};

function isTrue(d: Declared<KeyValueEntry> | undefined): boolean {
  return !!d && /^(true|yes|on|1)$/i.test((d.value.value ?? "").trim());
}

function lastEntry(entries: KeyValueEntry[]): KeyValueEntry | undefined {
  return [...entries].sort((a, b) => b.range.end - a.range.end)[0];
}

function mapValues<T extends Record<string, string>>(o: T, f: (v: string) => string): T {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v)])) as T;
}

/** The script file, its config entry, its mount on the service; each only when not there yet. */
function mountScript(
  recipeDir: string,
  cf: ComposeFile,
  svc: ComposeService,
  merged: MergedService,
  kind: Rf110Data["kind"],
  text: string,
): Edit[] | null {
  const script = SCRIPT[kind];
  const edits: Edit[] = [{ kind: "create", file: join(recipeDir, script.file), text, mode: "100755" }];
  if (!cf.configs.some((c) => c.name === script.config)) {
    const entry = addTopLevelEntry(cf, "configs", script.config, [
      `name: \${STACK_NAME}_${script.config}_\${${variableFor(script.config)}}`,
      `file: ${script.file}`,
    ]);
    if (!entry) return null;
    edits.push(entry);
  }
  if (![...merged.configs.values()].some((m) => m.value.target === script.target)) {
    const keyIndent = serviceKeyIndent(cf.source, svc);
    const dash = `${keyIndent}${sequenceOffset(cf, svc)}- `;
    const cont = " ".repeat(dash.length);
    // Swarm mounts configs 0444; the hook runs the script directly, so it must be executable.
    const item = `${dash}source: ${script.config}\n${cont}target: ${script.target}\n${cont}mode: 0555\n`;
    const pair = svc.keys.get("configs");
    const seq = pair ? deref(cf.doc, pair.value) : null;
    const edit =
      pair && isSeq(seq)
        ? appendToSeq(cf.source, seq, item)
        : !pair && svc.map
          ? appendToMap(cf.source, svc.map, `${keyIndent}configs:\n${item}`)
          : null;
    if (!edit) return null;
    edits.push(edit);
  }
  return edits;
}
