import { join } from "node:path";
import { isScalar, visit } from "yaml";
import { interpolations } from "../analyzers/support/abra-recipe.js";
import type { ComposeFile } from "../load/compose.js";
import type { Recipe } from "../load/workspace.js";
import type { Codemod } from "./codemod.js";
import { findRecipe, recipeRepo } from "./support/recipe-repo.js";

/** Set by abra or written by the skeleton's header. */
const NOT_LISTED = new Set(["STACK_NAME", "TYPE", "DOMAIN", "LETS_ENCRYPT_ENV", "COMPOSE_FILE"]);
const SECRET_VERSION = /^SECRET_[A-Z0-9_]+_VERSION$/;

interface Used {
  name: string;
  fallback: string | null;
}

/** The variables a compose file interpolates, in order of first use. */
function usedVariables(cf: ComposeFile): Used[] {
  const out: Used[] = [];
  visit(cf.doc, {
    Scalar(_, node) {
      if (!isScalar(node) || typeof node.value !== "string") return;
      for (const i of interpolations(node.value)) {
        const seen = out.find((u) => u.name === i.name);
        if (!seen) out.push({ name: i.name, fallback: i.fallback });
        else seen.fallback ??= i.fallback;
      }
    },
  });
  return out;
}

function line(u: Used, optional: boolean): string {
  if (SECRET_VERSION.test(u.name)) return `${optional ? "#" : ""}${u.name}=v1`;
  if (u.fallback !== null) return `#${u.name}=${u.fallback}`;
  return `${optional ? "#" : ""}${u.name}=`;
}

/**
 * The `.env.sample` skeleton: the header abra needs, the base stack's variables (required ones set empty,
 * defaulted ones commented with their default), one commented `COMPOSE_FILE` section per overlay with the
 * variables only it uses, and the secrets' versions.
 */
export function envSampleSkeleton(recipe: Recipe): string {
  const exported = new Set(recipe.abraSh?.exports.map((e) => e.name) ?? []);
  const listed = new Set<string>();
  const take = (cf: ComposeFile) =>
    usedVariables(cf).filter((u) => {
      if (NOT_LISTED.has(u.name) || exported.has(u.name) || listed.has(u.name)) return false;
      listed.add(u.name);
      return true;
    });
  const sections: string[] = [`TYPE=${recipe.name}\n\nDOMAIN=\nLETS_ENCRYPT_ENV=production\n`];
  const base = recipe.base ? take(recipe.base) : [];
  const plain = base.filter((u) => !SECRET_VERSION.test(u.name));
  if (plain.length > 0) sections.push(plain.map((u) => `${line(u, false)}\n`).join(""));
  for (const overlay of recipe.overlays) {
    const own = take(overlay);
    const body = own.map((u) => `${line(u, true)}\n`).join("");
    sections.push(
      `## ${overlay.name}\n#COMPOSE_FILE="${recipe.base?.name ?? "compose.yml"}:${overlay.name}"\n${body}`,
    );
  }
  const secrets = base.filter((u) => SECRET_VERSION.test(u.name));
  if (secrets.length > 0) sections.push(secrets.map((u) => `${line(u, false)}\n`).join(""));
  return sections.join("\n");
}

/** Creates `.env.sample` from what the compose files use. */
export const r008Codemod: Codemod = {
  fix(problem, ws) {
    const recipe = findRecipe(ws, problem.recipe);
    if (!recipe || recipe.envSample) return null;
    return {
      summary: "add a .env.sample skeleton built from the variables the compose files use",
      repo: recipeRepo(recipe),
      edits: [
        {
          kind: "create",
          file: join(recipe.dir, ".env.sample"),
          text: envSampleSkeleton(recipe),
          mode: "100644",
        },
      ],
    };
  },
};
