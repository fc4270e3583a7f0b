import { relative, sep } from "node:path";
import type { TopLevelEntry } from "../load/compose.js";
import { fileAtTag } from "../load/git.js";
import type { GitTag } from "../load/git.js";
import { LineIndex } from "../core/source.js";
import { parseAbraSh } from "../load/env.js";
import type { FileReference, Recipe } from "../load/workspace.js";
import type { Rule } from "./rule.js";
import { ABRA_ONLY } from "./rule.js";

export type Rf140Kind = "unbumped" | "no-version" | "not-exported";

export interface Rf140Data {
  kind: Rf140Kind;
  composeFile: string;
  config: string;
  variable: string | null;
  tag?: string;
}

/** The version variable a config `name:` interpolates (`${STACK_NAME}_app_ini_${APP_INI_VERSION}`). */
export function versionVariable(entry: TopLevelEntry): string | null {
  const name = entry.externalName?.value;
  if (!name) return null;
  for (const m of name.matchAll(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)(?:[:?-][^}]*)?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
  )) {
    const v = m[1] ?? m[2] ?? "";
    if (/VERSION$/.test(v)) return v;
  }
  return null;
}

const RELEASE = /^v?(\d+)\.(\d+)\.(\d+)(?:\+.*)?$/;

/** The highest `x.y.z+upstream` tag: recipe releases are tagged that way (domain.md). */
export function lastRelease(tags: GitTag[]): GitTag | null {
  let best: { tag: GitTag; key: number[] } | null = null;
  for (const tag of tags) {
    const m = RELEASE.exec(tag.name);
    if (!m) continue;
    const key = [Number(m[1]), Number(m[2]), Number(m[3])];
    if (!best || compareVersions(key, best.key) > 0) best = { tag, key };
  }
  return best?.tag ?? null;
}

function compareVersions(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return (a[i] ?? 0) - (b[i] ?? 0);
  return 0;
}

function exportedAt(recipe: Recipe, tag: string, variable: string): string | null {
  const text = fileAtTag(recipe.dir, tag, "abra.sh");
  if (text === null) return null;
  const abra = parseAbraSh({ path: "abra.sh", absPath: "", text, lines: new LineIndex(text) });
  return abra.exports.find((e) => e.name === variable)?.value ?? null;
}

function relPath(recipe: Recipe, ref: FileReference): string | null {
  return ref.absPath ? relative(recipe.dir, ref.absPath).split(sep).join("/") : null;
}

export const rf140: Rule = {
  swarm: (d) => {
    const x = d as Rf140Data;
    return x.tag ? { kind: "redeploy", tag: x.tag, files: [x.composeFile] } : null;
  },
  meta: {
    id: "RF140",
    name: "config-version-not-bumped",
    description:
      "a config file changed without its version bump in `abra.sh`, or a config name without a version",
    severity: "error",
    target: "recipe",
    classification: "recipe-defect",
    fixable: true,
    kinds: ABRA_ONLY,
    scope: "recipe",
    docs: `Swarm configs are immutable: a config named \`\${STACK_NAME}_app_ini_\${APP_INI_VERSION}\` whose file changes
while \`APP_INI_VERSION\` stays the same cannot be updated, and \`abra app deploy\` fails with
\`only updates to Labels are allowed\`. Co-op Cloud versions every config with an
\`export <NAME>_VERSION=vN\` line in \`abra.sh\`, bumped whenever the file changes.

What it checks, for every config with a \`file:\`:
- **unbumped** (error): in a recipe that is a git repo with release tags (\`x.y.z+upstream\`), the file
  differs from the last release tag while its version variable has the same value in \`abra.sh\` as at
  that tag. Git content is read lazily, only for recipes with a release tag.
- **no-version** (warning): \`name:\` has no \`*_VERSION\` variable (or there is no \`name:\`), so the first
  change to the file breaks the deploy.
- **not-exported** (error): \`name:\` uses a version variable that neither \`abra.sh\` exports nor
  \`.env.sample\` sets: the name interpolates an empty string and nothing can be bumped.

Fix: bump the export (\`v3\` → \`v4\`); add \`_\${<NAME>_VERSION}\` to the name (or a conventional \`name:\`)
and \`export <NAME>_VERSION=v1\` to \`abra.sh\`. Every fix in redfix that changes a config file bumps the
version itself, so this rule also confirms those fixes are complete. Sources: docs.coopcloud.tech
maintainers handbook ("Configs", upgrade checklist), domain.md ("Co-op Cloud recipes").`,
  },
  check(ctx) {
    for (const recipe of ctx.workspace.recipes) {
      if (recipe.kind !== "abra-recipe") continue;
      const exported = new Set(recipe.abraSh?.exports.map((e) => e.name) ?? []);
      const inEnv = new Set(recipe.envSample?.variables.filter((v) => !v.commented).map((v) => v.name) ?? []);
      const release = recipe.git ? lastRelease(recipe.git.tags) : null;
      const seen = new Set<string>();
      for (const ref of recipe.fileRefs) {
        if (ref.kind !== "config") continue;
        const { entry, composeFile: cf } = ref;
        const key = `${cf.name}:configs.${entry.name}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const variable = versionVariable(entry);
        const at = entry.externalName?.range ?? entry.keyRange;
        const report = (kind: Rf140Kind, message: string, severity: "error" | "warning", tag?: string) =>
          ctx.report<Rf140Data>({
            recipe: recipe.name,
            file: cf.source,
            range: at,
            message,
            key: `${key}:${kind}`,
            severity,
            evidence: [
              ...(entry.file
                ? [{ source: cf.source, range: entry.file.range, note: `the config's file` }]
                : []),
              ...(variable && recipe.abraSh
                ? recipe.abraSh.exports
                    .filter((e) => e.name === variable)
                    .map((e) => ({
                      source: recipe.abraSh!.source,
                      range: e.range,
                      note: tag ? `${variable}=${e.value}, as at ${tag}` : `${variable}=${e.value}`,
                    }))
                : []),
            ],
            data: { kind, composeFile: cf.name, config: entry.name, variable, ...(tag ? { tag } : {}) },
          });
        if (!variable) {
          report(
            "no-version",
            entry.externalName
              ? `config \`${entry.name}\` is named \`${entry.externalName.value}\`, with no version variable: the first change to its file breaks the deploy`
              : `config \`${entry.name}\` has no \`name:\` with a version variable: the first change to its file breaks the deploy`,
            "warning",
          );
          continue;
        }
        // `${PG_CONF_VERSION:-v3}`: the version lives in the compose file itself, and bumping the default bumps it.
        const fallback = new RegExp(`\\$\\{${variable}:?-[^}]+\\}`).test(entry.externalName?.value ?? "");
        if (!exported.has(variable)) {
          if (!inEnv.has(variable) && !fallback)
            report(
              "not-exported",
              `config \`${entry.name}\` is versioned by \`${variable}\`, which abra.sh does not export`,
              "error",
            );
          continue;
        }
        if (!release || !ref.source) continue;
        const path = relPath(recipe, ref);
        const before = path ? fileAtTag(recipe.dir, release.name, path) : null;
        if (before === null || before === ref.source.text) continue;
        const now = recipe.abraSh?.exports.find((e) => e.name === variable)?.value ?? null;
        if (now === null || exportedAt(recipe, release.name, variable) !== now) continue;
        report(
          "unbumped",
          `${path} changed since release ${release.name}, but ${variable} is still ${now}: swarm cannot update the config`,
          "error",
          release.name,
        );
      }
    }
  },
};
