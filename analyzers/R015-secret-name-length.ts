import type { Rule } from "./rule.js";
import { ABRA_ONLY } from "./rule.js";
import { abraRecipes, interpolations, sampleValues } from "./support/abra-recipe.js";

/** Swarm rejects object names longer than this. */
export const SWARM_NAME_LIMIT = 64;
/** abra truncates a sanitised app name (the stack name) to this length. */
export const STACK_NAME_LIMIT = 45;
/** abra's limit on a secret's name, leaving room for the stack name and a version of up to five characters. */
export const SECRET_NAME_LIMIT = 12;

/**
 * The longest swarm name the secret can get: `STACK_NAME` at its longest, versions and other variables as
 * `.env.sample` or their defaults give them (`v1` for an unset `*_VERSION`). Null when a variable is unknown.
 */
export function longestSwarmName(
  template: string,
  env: ReadonlyMap<string, string>,
): { length: number; example: string } | null {
  let length = 0;
  let example = "";
  let last = 0;
  for (const i of interpolations(template)) {
    const literal = template.slice(last, i.index);
    length += literal.length;
    example += literal;
    last = i.index + i.length;
    if (i.name === "STACK_NAME") {
      length += STACK_NAME_LIMIT;
      example += "${STACK_NAME}";
      continue;
    }
    const v = env.get(i.name) || i.fallback || (i.name.endsWith("_VERSION") ? "v1" : null);
    if (v === null) return null;
    length += v.length;
    example += v;
  }
  const rest = template.slice(last);
  return { length: length + rest.length, example: example + rest };
}

export const r015: Rule = {
  meta: {
    id: "R015",
    name: "secret-name-length",
    description: `Secret names are at most ${SECRET_NAME_LIMIT} characters, so the swarm name stays within ${SWARM_NAME_LIMIT}`,
    severity: "warning",
    target: "recipe",
    classification: "recipe-defect",
    fixable: false,
    kinds: ABRA_ONLY,
    scope: "recipe",
    docs: `abra recipe lint R015, "long secret names" (level warn; how to resolve: reduce the secret name to
${SECRET_NAME_LIMIT} characters). A recipe's secrets are created as \`\${STACK_NAME}_<secret>_\${SECRET_<SECRET>_VERSION}\`;
swarm rejects names longer than ${SWARM_NAME_LIMIT} characters, and abra's stack names run up to ${STACK_NAME_LIMIT}
characters (a sanitised app domain), so \`abra app secret generate\` fails for long secret names on long domains.

What: each secret key of the compose files is at most ${SECRET_NAME_LIMIT} characters (abra's rule). redfix also
computes the longest swarm name the secret's \`name:\` can produce — \`STACK_NAME\` at ${STACK_NAME_LIMIT} characters,
versions as \`.env.sample\` sets them (\`v1\` otherwise) — and reports a name over ${SWARM_NAME_LIMIT} even when the key
is short. The message gives the key's length, the limit, and that longest name with its length.

Fix: none is mechanical — renaming a secret orphans the values operators already inserted under the old name.
Shorten the key (and its \`name:\`, the services' \`secrets:\` entries and \`SECRET_<NAME>_VERSION\` in
\`.env.sample\`), and note in the release notes that operators must re-insert the secret.

Source: confirmed — abra's \`pkg/lint\` API index (pkg.go.dev's rendering of coopcloud.tech/abra/pkg/lint) has \`LintSecretLengths\`; the id, the level (warn), abra's limit of ${SECRET_NAME_LIMIT} characters on the secret key and its stack-name limit of ${STACK_NAME_LIMIT} are inferred from abra's code as remembered, not read here; swarm's ${SWARM_NAME_LIMIT}-character limit on object names is docker's.`,
  },
  check(ctx) {
    for (const recipe of abraRecipes(ctx.workspace)) {
      const env = sampleValues(recipe);
      const seen = new Set<string>();
      for (const cf of recipe.composeFiles) {
        for (const secret of cf.secrets) {
          if (seen.has(secret.name)) continue;
          seen.add(secret.name);
          const template = secret.externalName?.value ?? `\${STACK_NAME}_${secret.name}`;
          const longest = longestSwarmName(template, env);
          const over = longest !== null && longest.length > SWARM_NAME_LIMIT;
          const tooLong = secret.name.length > SECRET_NAME_LIMIT;
          if (!tooLong && !over) continue;
          const swarm = longest
            ? `its swarm name \`${longest.example}\` reaches ${longest.length} characters with a ${STACK_NAME_LIMIT}-character stack name, ${over ? "over" : "within"} swarm's limit of ${SWARM_NAME_LIMIT}`
            : `its swarm name adds \`\${STACK_NAME}_\` (up to ${STACK_NAME_LIMIT} characters) and the version, against swarm's limit of ${SWARM_NAME_LIMIT}`;
          const head = tooLong
            ? `secret \`${secret.name}\` is ${secret.name.length} characters, over abra's limit of ${SECRET_NAME_LIMIT}`
            : `secret \`${secret.name}\` has a name that is too long for swarm`;
          ctx.report({
            recipe: recipe.name,
            file: cf.source,
            range: secret.keyRange,
            message: tooLong
              ? `${head}: ${swarm}; shorten it to at most ${SECRET_NAME_LIMIT} characters (key, \`name:\`, the services' \`secrets:\` and \`SECRET_<NAME>_VERSION\` in .env.sample)`
              : `${head}: ${swarm}; shorten its \`name:\` to \`\${STACK_NAME}_${secret.name}_\${SECRET_${secret.name.toUpperCase()}_VERSION}\``,
            key: `${cf.name}:secrets.${secret.name}`,
          });
        }
      }
    }
  },
};
