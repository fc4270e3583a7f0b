import type { ComposeFile } from "../load/compose.js";
import type { Range } from "../core/source.js";
import type { Recipe } from "../load/workspace.js";
import type { Rule } from "./rule.js";
import { ABRA_ONLY } from "./rule.js";
import { abraRecipes, interpolations, sampleValues } from "./support/abra-recipe.js";

export interface R012Data {
  /** The version variable to export, e.g. `APP_INI_VERSION`; null when the config names none. */
  variable: string | null;
  /** The value the export gets: the one `.env.sample` sets, else `v1`. */
  value: string;
}

/** Variables abra sets itself, which are not config versions. */
const ABRA_SET = new Set(["STACK_NAME"]);

export const r012: Rule = {
  meta: {
    id: "R012",
    name: "config-versions-vendored",
    description: "Every config name's version variable is exported by `abra.sh`",
    severity: "error",
    target: "recipe",
    classification: "recipe-defect",
    fixable: true,
    kinds: ABRA_ONLY,
    scope: "recipe",
    docs: `abra recipe lint R012, "config version are vendored" (level error; how to resolve: "vendor config versions in
an abra.sh"). Swarm configs are immutable: a config is named \`\${STACK_NAME}_<cfg>_\${<CFG>_VERSION}\` and the
maintainer bumps \`export <CFG>_VERSION=vN\` in \`abra.sh\` whenever the file changes. A version variable nobody
exports interpolates to an empty string: every release then reuses one config name, and the first changed
file fails the deploy.

What: for every config of every compose file (external ones aside), each variable in its \`name:\` other than
\`STACK_NAME\` must be exported by \`abra.sh\` (\`export NAME=value\`), unless the name gives it a default
(\`\${X_VERSION:-v3}\`, which vendors the version in the compose file and deploys as is). One finding per variable, at the first
config name that uses it. A recipe with configs and no \`abra.sh\` whose config names carry no variable gets one
finding (what abra reports); versioning those names is RF140's.

Fix: \`export <VAR>=v1\` (or the value \`.env.sample\` gives it) is added to \`abra.sh\` after its last export;
\`abra.sh\` is created when absent. All of a recipe's missing exports go into one patch.

Source: confirmed — abra's \`pkg/lint\` API index (pkg.go.dev's rendering of coopcloud.tech/abra/pkg/lint) has \`LintAbraShVendors\`; the id, the level (error) and abra's check (a recipe with configs must have an \`abra.sh\`) are inferred from that name. Checking each variable is redfix's: abra only checks the file exists.`,
  },
  check(ctx) {
    for (const recipe of abraRecipes(ctx.workspace)) {
      const { missing, unvendored } = configVersions(recipe);
      for (const m of missing) {
        const where = recipe.abraSh ? "abra.sh does not export it" : "the recipe has no abra.sh";
        const inSample = sampleValues(recipe).has(m.variable);
        ctx.report<R012Data>({
          recipe: recipe.name,
          file: m.file.source,
          range: m.range,
          message: `config \`${m.config}\` is versioned by \`${m.variable}\`, but ${where}: add \`export ${m.variable}=${m.value}\` to abra.sh${inSample ? " (it is set in .env.sample, where operators would have to bump it)" : ""}`,
          key: `abra.sh:${m.variable}`,
          data: { variable: m.variable, value: m.value },
        });
      }
      if (unvendored) {
        ctx.report<R012Data>({
          recipe: recipe.name,
          file: unvendored.file.source,
          range: unvendored.range,
          message: `the recipe defines configs but has no abra.sh: name each config \`\${STACK_NAME}_<cfg>_\${<CFG>_VERSION}\` and add an abra.sh with \`export <CFG>_VERSION=v1\``,
          key: "abra.sh",
          data: { variable: null, value: "v1" },
        });
      }
    }
  },
};

export interface MissingVersion {
  variable: string;
  value: string;
  config: string;
  file: ComposeFile;
  range: Range;
}

/**
 * The version variables config names use and abra.sh does not export (each once, at its first use), and
 * — for abra's own check — the first config when the recipe has configs, no abra.sh and no versioned name.
 */
export function configVersions(recipe: Recipe): {
  missing: MissingVersion[];
  unvendored: { file: ComposeFile; range: Range } | null;
} {
  const exported = new Set(recipe.abraSh?.exports.map((e) => e.name) ?? []);
  const env = sampleValues(recipe);
  const missing: MissingVersion[] = [];
  let firstUnversioned: { file: ComposeFile; range: Range } | null = null;
  let anyVersioned = false;
  for (const cf of recipe.composeFiles) {
    for (const cfg of cf.configs) {
      if (cfg.external) continue;
      const name = cfg.externalName;
      // A default (`${X_VERSION:-v3}`) vendors the version in the compose file itself: it deploys.
      const vars = name
        ? interpolations(name.value).filter((i) => !ABRA_SET.has(i.name) && i.fallback === null)
        : [];
      if (!name || interpolations(name.value).every((i) => ABRA_SET.has(i.name))) {
        firstUnversioned ??= { file: cf, range: name?.range ?? cfg.keyRange };
        continue;
      }
      anyVersioned = true;
      for (const v of vars) {
        if (exported.has(v.name) || missing.some((m) => m.variable === v.name)) continue;
        missing.push({
          variable: v.name,
          value: env.get(v.name) || "v1",
          config: cfg.name,
          file: cf,
          range: name.range,
        });
      }
    }
  }
  return { missing, unvendored: !recipe.abraSh && !anyVersioned ? firstUnversioned : null };
}
