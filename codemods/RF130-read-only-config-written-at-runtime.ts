/**
 * RF130's fix for Gitea (rootless image): the recipe's app.ini template moves to a staging path, and
 * the entrypoint renders it into the writable `/etc/gitea` volume on every start, carrying over the
 * secrets Gitea generated earlier. The render runs in the recipe's own `docker-setup.sh` config when
 * it has one (the image's entrypoint runs that script before Gitea), otherwise in a new entrypoint
 * config that then runs the image's entrypoint.
 */
import { isMap, isSeq } from "yaml";
import { join } from "node:path";
import type { Rf130Data } from "../analyzers/RF130-read-only-config-written-at-runtime.js";
import { versionVariable } from "../analyzers/RF140-config-version-not-bumped.js";
import { deref, getPair, nodeRange } from "../load/compose.js";
import type { Codemod } from "./codemod.js";
import { replace } from "../core/edit.js";
import type { Edit, ReplaceEdit } from "../core/edit.js";
import { findRecipe, recipeRepo } from "./support/recipe-repo.js";
import {
  addTopLevelEntry,
  appendToMap,
  appendToSeq,
  serviceKeyIndent,
  sequenceOffset,
} from "./support/yaml-lines.js";
import { addExport, bumpExport, exportedValue, variableFor } from "./support/abra-versions.js";

export const STAGING_PATH = "/etc/gitea-templates/app.ini";
const SETUP_SCRIPT = "/usr/local/bin/docker-setup.sh";
const RENDER = {
  config: "render_app_ini",
  file: "render-app-ini.sh",
  target: "/usr/local/bin/render-app-ini.sh",
};

/** POSIX sh, checked with shellcheck by the tests. */
export const RENDER_BLOCK = `# redfix RF130: Gitea saves generated secrets (JWT_SECRET, INTERNAL_TOKEN, LFS_JWT_SECRET) into
# app.ini, so app.ini must be writable. The recipe's template is mounted read-only at
# ${STAGING_PATH}; render it into the writable volume on every start, keeping the secrets
# Gitea generated before unless the template sets them (or their *_URI).
redfix_ini_get() {
  awk -v s="$2" -v k="$3" '
    /^[ \\t]*\\[/ { cur = $0; gsub(/^[ \\t]*\\[|\\][ \\t]*$/, "", cur); next }
    cur == s && $0 ~ "^[ \\t]*" k "[ \\t]*=" { sub(/^[^=]*=[ \\t]*/, ""); print; exit }
  ' "$1"
}
redfix_ini_set() {
  awk -v s="$2" -v k="$3" -v v="$4" '
    function add() { if (cur == s && !done) { print k " = " v; done = 1 } }
    /^[ \\t]*\\[/ { add(); cur = $0; gsub(/^[ \\t]*\\[|\\][ \\t]*$/, "", cur) }
    { print }
    END { add(); if (!done) { print ""; print "[" s "]"; print k " = " v } }
  ' "$1" > "$1.new"
  mv -f "$1.new" "$1"
}
redfix_render_app_ini() {
  app_ini="\${GITEA_APP_INI:-/etc/gitea/app.ini}"
  rendered="$app_ini.rendered"
  mkdir -p "$(dirname "$app_ini")"
  cp "${STAGING_PATH}" "$rendered"
  # The swarm config is mounted 0444 and cp keeps that mode: Gitea must be able to write its secrets.
  chmod 0600 "$rendered"
  if [ -f "$app_ini" ]; then
    for entry in oauth2:JWT_SECRET security:INTERNAL_TOKEN server:LFS_JWT_SECRET; do
      section="\${entry%%:*}"
      key="\${entry#*:}"
      [ -z "$(redfix_ini_get "$rendered" "$section" "$key")" ] || continue
      [ -z "$(redfix_ini_get "$rendered" "$section" "\${key}_URI")" ] || continue
      value="$(redfix_ini_get "$app_ini" "$section" "$key")"
      [ -n "$value" ] || continue
      redfix_ini_set "$rendered" "$section" "$key" "$value"
    done
  fi
  mv -f "$rendered" "$app_ini"
}
redfix_render_app_ini
`;

/** The new entrypoint: render, then the rootless image's own entrypoint (dumb-init stays PID 1). */
export const RENDER_ENTRYPOINT = `#!/bin/sh
set -eu
${RENDER_BLOCK}
exec /usr/local/bin/docker-entrypoint.sh "$@"
`;

/**
 * After the shebang and the script's heading (comments and `set` lines up to the first blank line):
 * a comment further down belongs to the code under it.
 */
function headerEnd(text: string): number {
  let at = 0;
  const lines = text.split("\n");
  for (const [i, line] of lines.entries()) {
    if (i === lines.length - 1 && !text.endsWith("\n")) break;
    if (i === 0 && line.startsWith("#!")) at += line.length + 1;
    else if (/^\s*$/.test(line)) return at + line.length + 1;
    else if (/^\s*(set\s+-[a-z]+|#.*)\s*$/.test(line)) at += line.length + 1;
    else break;
  }
  return at;
}

/** Insertions at one offset must be one edit: the series treats two as overlapping. */
function mergeInsertions(edits: Edit[]): Edit[] {
  const out: Edit[] = [];
  for (const e of edits) {
    const prev = out.find(
      (p): p is ReplaceEdit =>
        p.kind === "replace" &&
        e.kind === "replace" &&
        p.file === e.file &&
        p.start === p.end &&
        e.start === e.end &&
        p.start === e.start,
    );
    if (prev && e.kind === "replace") prev.text += e.text;
    else out.push(e.kind === "replace" ? { ...e } : e);
  }
  return out;
}

export const rf130Codemod: Codemod = {
  fix(problem, ws) {
    const data = problem.data as Rf130Data | undefined;
    if (data?.writer !== "gitea" || !data.rootless || !data.config) return null;
    const recipe = findRecipe(ws, problem.recipe);
    const cf = recipe?.composeFiles.find((f) => f.name === data.composeFile);
    const svc = cf?.services.find((s) => s.name === data.service);
    const mount = svc?.configs.find((m) => m.target === data.target);
    if (!recipe || !cf || !svc || !mount || !isMap(mount.node)) return null;
    const targetNode = deref(cf.doc, getPair(cf.doc, mount.node, "target")?.value);
    if (!targetNode) return null;
    const edits: Edit[] = [replace(cf.source.absPath, nodeRange(targetNode), STAGING_PATH)];

    const merged = recipe.combinations
      .map((c) => c.services.get(svc.name))
      .find((m) => m?.declarations.some((d) => d.value === svc));
    const setup = merged?.configs.get(SETUP_SCRIPT);
    const setupRef = setup
      ? recipe.fileRefs.find((r) => r.kind === "config" && r.entry.name === setup.value.source && r.source)
      : undefined;
    if (setup && setupRef?.source) {
      // The recipe's own docker-setup.sh: render there, before it looks for an existing app.ini.
      const variable = versionVariable(setupRef.entry);
      const bump = variable ? bumpExport(recipe, variable) : null;
      if (!bump) return null;
      const at = headerEnd(setupRef.source.text);
      edits.push(replace(setupRef.source.absPath, { start: at, end: at }, `${RENDER_BLOCK}\n`), bump);
      return {
        summary: `render app.ini into the writable volume in ${setupRef.entry.file?.value ?? "docker-setup.sh"} on every start; mount the template at ${STAGING_PATH}`,
        repo: recipeRepo(recipe),
        edits: mergeInsertions(edits),
      };
    }
    if (setup || merged?.declarations.some((d) => d.value.keys.has("entrypoint"))) return null;

    edits.push({
      kind: "create",
      file: join(recipe.dir, RENDER.file),
      text: RENDER_ENTRYPOINT,
      mode: "100755",
    });
    if (!cf.configs.some((c) => c.name === RENDER.config)) {
      const entry = addTopLevelEntry(cf, "configs", RENDER.config, [
        `name: \${STACK_NAME}_${RENDER.config}_\${${variableFor(RENDER.config)}}`,
        `file: ${RENDER.file}`,
      ]);
      if (!entry) return null;
      edits.push(entry);
    }
    const keyIndent = serviceKeyIndent(cf.source, svc);
    const dash = `${keyIndent}${sequenceOffset(cf, svc)}- `;
    const cont = " ".repeat(dash.length);
    const seq = deref(cf.doc, svc.keys.get("configs")?.value);
    const mountEdit = isSeq(seq)
      ? appendToSeq(
          cf.source,
          seq,
          `${dash}source: ${RENDER.config}\n${cont}target: ${RENDER.target}\n${cont}mode: 0555\n`,
        )
      : null;
    const entrypointEdit = svc.map
      ? appendToMap(
          cf.source,
          svc.map,
          `${keyIndent}entrypoint: ["/usr/bin/dumb-init", "--", "${RENDER.target}"]\n`,
        )
      : null;
    if (!mountEdit || !entrypointEdit) return null;
    edits.push(mountEdit, entrypointEdit);
    const variable = variableFor(RENDER.config);
    if (exportedValue(recipe, variable) === null) edits.push(addExport(recipe, variable));
    return {
      summary: `render app.ini into the writable volume on every start (new entrypoint ${RENDER.file}); mount the template at ${STAGING_PATH}`,
      repo: recipeRepo(recipe),
      edits: mergeInsertions(edits),
    };
  },
};
