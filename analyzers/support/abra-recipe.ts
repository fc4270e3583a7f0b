/**
 * What abra's lint rules share: which recipes they judge, how a defect found in some overlay
 * combinations is named, where a recipe-level finding points, and the values `.env.sample` gives the
 * variables a compose file interpolates.
 */
import type { ComposeFile, KeyValueEntry } from "../../load/compose.js";
import type { Range, SourceFile } from "../../core/source.js";
import type { Recipe, Workspace } from "../../load/workspace.js";

/** abra lints abra recipes (`compose.yml`), not plain docker-compose projects. */
export function abraRecipes(ws: Workspace): Recipe[] {
  return ws.recipes.filter((r) => r.kind === "abra-recipe" && r.base !== null);
}

/** "in every overlay combination" when all of them are named, otherwise "when deploying" the list. */
export function combinationsText(recipe: Recipe, ids: readonly string[]): string {
  const all = recipe.combinations.map((c) => c.id);
  if (all.length > 1 && all.every((id) => ids.includes(id))) return "in every overlay combination";
  return `when deploying ${ids.join(", ")}`;
}

export interface Anchor {
  file: SourceFile;
  range: Range;
}

const VERSION_LABEL = /^coop-cloud\.[^.]+\.version$/;

/** The `coop-cloud.${STACK_NAME}.version` deploy label of the base stack, if any. */
export function versionLabel(recipe: Recipe): { file: ComposeFile; label: KeyValueEntry } | null {
  const base = recipe.base;
  if (!base) return null;
  for (const svc of base.services) {
    const label = svc.deployLabels.find((l) => VERSION_LABEL.test(l.key));
    if (label) return { file: base, label };
  }
  return null;
}

/**
 * Where a finding about the recipe as a whole (its git tags, its remote) points: the version label,
 * which states the release, or else the top of `compose.yml`.
 */
export function recipeAnchor(recipe: Recipe): Anchor {
  const v = versionLabel(recipe);
  if (v) return { file: v.file.source, range: v.label.range };
  return { file: recipe.base!.source, range: { start: 0, end: 0 } };
}

/** Uncommented `.env.sample` assignments: what an app created from the recipe starts with. */
export function sampleValues(recipe: Recipe): Map<string, string> {
  const out = new Map<string, string>();
  for (const v of recipe.envSample?.variables ?? []) {
    if (!v.commented && !out.has(v.name)) out.set(v.name, v.value);
  }
  return out;
}

/** One `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?err}` or `$VAR` in a compose value. */
export interface Interpolation {
  name: string;
  /** The default after `:-`/`-`, when given. */
  fallback: string | null;
  /** Offset in the value. */
  index: number;
  length: number;
}

const VARIABLE = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

export function interpolations(value: string): Interpolation[] {
  const out: Interpolation[] = [];
  for (const m of value.matchAll(VARIABLE)) {
    if (m[0] === "$$") continue; // an escaped dollar
    const name = m[1] ?? m[4] ?? "";
    const op = m[2];
    const fallback = op === ":-" || op === "-" ? (m[3] ?? "") : null;
    out.push({ name, fallback, index: m.index, length: m[0].length });
  }
  return out;
}

/**
 * A compose value with its variables replaced as a deploy would: `.env.sample` values, then defaults.
 * Null when a variable has neither (the value is unknown until an operator sets it).
 */
export function interpolate(value: string, env: ReadonlyMap<string, string>): string | null {
  let out = "";
  let last = 0;
  for (const i of interpolations(value)) {
    const v = env.get(i.name) ?? i.fallback;
    if (v === null) return null;
    out += value.slice(last, i.index) + v;
    last = i.index + i.length;
  }
  return (out + value.slice(last)).replace(/\$\$/g, "$");
}
