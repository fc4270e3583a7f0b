import type { ComposeFile } from "../load/compose.js";
import type { Range } from "../core/source.js";
import type { Rule } from "./rule.js";
import { ABRA_ONLY } from "./rule.js";
import { abraRecipes } from "./support/abra-recipe.js";

export interface R001Data {
  composeFile: string;
  /** The version written, or null when the file has no `version:`. */
  found: string | null;
}

export const EXPECTED_COMPOSE_VERSION = "3.8";

/** Where a missing `version` belongs: at the first top-level key (comments above it stay above). */
function topOf(cf: ComposeFile): Range {
  const start = cf.doc.contents?.range?.[0] ?? 0;
  return { start, end: start };
}

export const r001: Rule = {
  meta: {
    id: "R001",
    name: "compose-version",
    description: 'Every compose file of the recipe declares `version: "3.8"`',
    severity: "warning",
    target: "recipe",
    classification: "recipe-defect",
    fixable: true,
    kinds: ABRA_ONLY,
    scope: "recipe",
    docs: `abra recipe lint R001, "compose config has expected version" (level warn; how to resolve: "ensure
'version: \\"3.8\\"' in compose configs"). Co-op Cloud recipes pin the compose file format so that every
\`docker stack deploy\` reads them the same way.

What: each compose file (\`compose.yml\` and every \`compose.*.yml\` overlay) must have a top-level
\`version\` whose value is \`3.8\`. A missing \`version\` and any other value are reported at the file.

Fix: the value is replaced with \`3.8\`, keeping its quoting (\`"3.7"\` → \`"3.8"\`, \`'3'\` → \`'3.8'\`); a file without
\`version\` gets \`version: "3.8"\` as its first line (after a leading \`---\`).

Source: confirmed — abra's \`pkg/lint\` API index (pkg.go.dev's rendering of coopcloud.tech/abra/pkg/lint) shows \`LintRules\` with Ref R001, Level warn, the Description and HowToResolve quoted above, and Function \`LintComposeVersion\`. That abra compares the version of the config it merges from all compose files is inferred; redfix reports each file that lacks the version, so the finding points at the line to change.`,
  },
  check(ctx) {
    for (const recipe of abraRecipes(ctx.workspace)) {
      for (const cf of recipe.composeFiles) {
        if (cf.problems.length > 0) continue; // RF001 reports the file; its version is not known
        const found = cf.version?.value ?? null;
        if (found === EXPECTED_COMPOSE_VERSION) continue;
        ctx.report<R001Data>({
          recipe: recipe.name,
          file: cf.source,
          range: cf.version?.range ?? topOf(cf),
          message:
            found === null
              ? `${cf.name} has no \`version\`: add \`version: "${EXPECTED_COMPOSE_VERSION}"\` at the top`
              : `${cf.name} declares version \`${found}\`: abra expects \`version: "${EXPECTED_COMPOSE_VERSION}"\``,
          key: `${cf.name}:version`,
          data: { composeFile: cf.name, found },
        });
      }
    }
  },
};
