/**
 * What an analyze cache miss runs (pipeline/cache.ts loads this module only then): the analysis,
 * incremental when the stored entry has parts of recipes that still hold, cut into the parts the
 * cache stores.
 *
 * After a change the run is incremental (pipeline/incremental.ts): only the recipes whose folder
 * changed are loaded, plus the unchanged ones that look up a cross-recipe fact (a rule's `cross`:
 * RF120's names on shared networks) that changed; every other recipe is not read at all, its stored
 * facts standing in for it. The `workspace`-scope rules run on what was loaded, and a recipe is
 * analyzed afresh — its `recipe`-scope rules, codemods and patch series — only when its files, its
 * repo name, or its findings of the `workspace`-scope rules changed, or a harness finding names it
 * (a harness patch is linked to recipe patches; with a harness every recipe is loaded). Every other
 * recipe's findings, patches, refusals, drafts and directives are the stored ones. Patches are
 * numbered per repo, and a recipe's patches touch only its repo, so the assembled result is
 * byte-identical to a cold run (test/pipeline/incremental.test.ts).
 */
import { resolve } from "node:path";
import type { Finding } from "../core/finding.js";
import type { FolderKind, RedfixConfig } from "../load/config.js";
import type { RuleMeta, CrossFact } from "../analyzers/rule.js";
import { loadWorkspace } from "../load/workspace.js";
import { analysisConfig, analyze, type AnalyzeOptions, type AnalyzeResult } from "./analyze.js";
import { uniqueRepoNames } from "./series.js";
import { recipeOwner, type Increment } from "./incremental.js";
import { crossFacts, cutAlongRecipes, whole, type Part } from "./parts.js";
import { RULES } from "./registry.js";
import { digest, treeDigest } from "./cache-key.js";

/**
 * A miss: the run that reuses what of `parts` (the stored entry's recipes, when only the files
 * changed) still holds; a full run that keeps no parts when the patches cannot be cut along recipes.
 */
export async function missRun(
  opts: AnalyzeOptions,
  parts: Record<string, Part>,
  /** Folder → its digest, as far as already computed. */
  trees: Map<string, string>,
): Promise<RunParts> {
  const config = analysisConfig(opts);
  let run = await incrementalRun(opts, config, parts, trees);
  // A patch outside its finding's own repo (never made by today's codemods) cannot be cut along
  // recipes: analyze the whole workspace afresh and store no parts.
  if (!run) run = await incrementalRun(opts, config, {}, trees, true);
  if (!run) throw new Error("analyze cache: a full run cannot be incomplete");
  return run;
}

/** What a run gives besides the findings, patches and drafts (those are in its parts). */
export interface Stored {
  /** Absent in an entry written before directives were checked. */
  unusedDirectives?: string[];
  /** The rules of the run, as SARIF and the run directory describe them. */
  rules: RuleMeta[];
  config: RedfixConfig;
  run: AnalyzeResult["run"];
}

export interface RunParts {
  result: Stored;
  parts: Record<string, Part>;
  rest: Part;
  recipes: number;
  analyzed: string[];
  loaded: number;
}

/**
 * The recipes an incremental run need not load: stored ones whose folder is unchanged, whose repo
 * name stays, and none of whose lookups meets a cross-recipe fact that changed (a fact of a changed,
 * new or removed recipe). Learning the changed recipes' facts means loading them first (they are
 * loaded again by the run: a few recipes, not the workspace). With a harness, none: the harness
 * rules read every recipe.
 */
function deferrable(
  opts: AnalyzeOptions,
  config: RedfixConfig,
  parts: Record<string, Part>,
  trees: Map<string, string>,
): Map<string, { kind: FolderKind; facts: Record<string, unknown[]> }> {
  const out = new Map<string, { kind: FolderKind; facts: Record<string, unknown[]> }>();
  if (opts.harness) return out;
  const unchanged = new Set<string>();
  for (const [dir, part] of Object.entries(parts)) {
    if (!part.tree || !part.kind || !part.facts || !part.lookups || !part.directives) return out;
    const tree = trees.get(dir) ?? treeDigest(dir);
    trees.set(dir, tree);
    if (tree === part.tree) unchanged.add(dir);
  }
  // Nothing to reuse (a first run): no probe, which would load the workspace twice.
  if (unchanged.size === 0) return out;
  const probe = loadWorkspace(resolve(opts.recipes), config, (dir) =>
    unchanged.has(dir) ? { kind: parts[dir]!.kind!, facts: parts[dir]!.facts! } : null,
  );
  const deferred = probe.deferred ?? [];
  const names = uniqueRepoNames(
    [...probe.recipes, ...deferred].map((r) => ({ name: r.name, kind: r.kind, path: r.dir })),
  );
  const present = new Set([...probe.recipes, ...deferred].map((r) => r.dir));
  const gone = Object.keys(parts).filter((dir) => !present.has(dir));
  const changedKeys = new Map<string, Set<string>>();
  for (const rule of RULES) {
    if (!rule.cross) continue;
    const id = rule.meta.id;
    const table = (facts: unknown[][]): Map<string, string[]> => {
      const m = new Map<string, string[]>();
      for (const f of facts.flat() as CrossFact[]) m.set(f.key, [...(m.get(f.key) ?? []), JSON.stringify(f)]);
      return m;
    };
    const before = table(
      [...probe.recipes.map((r) => r.dir), ...gone].map((dir) => parts[dir]?.facts?.[id] ?? []),
    );
    const after = table(probe.recipes.map((r) => crossFacts(rule, r).facts));
    const keys = new Set<string>();
    for (const k of new Set([...before.keys(), ...after.keys()]))
      if ((before.get(k) ?? []).join("\n") !== (after.get(k) ?? []).join("\n")) keys.add(k);
    changedKeys.set(id, keys);
  }
  for (const d of deferred) {
    const part = parts[d.dir]!;
    if (part.repoName !== names.get(d.dir)) continue;
    const reached = [...changedKeys].some(([id, keys]) => (part.lookups![id] ?? []).some((k) => keys.has(k)));
    if (!reached) out.set(d.dir, { kind: part.kind!, facts: part.facts! });
  }
  return out;
}

/**
 * One analysis that reuses the parts of unchanged recipes and merges them with what it analyzed;
 * null when its patches cannot be cut along recipes (with `uncut`, a full run: then it keeps no parts).
 */
async function incrementalRun(
  opts: AnalyzeOptions,
  config: RedfixConfig,
  parts: Record<string, Part>,
  /** Folder → its digest, as far as already computed. */
  trees: Map<string, string>,
  uncut = false,
): Promise<RunParts | null> {
  const defer = uncut ? new Map() : deferrable(opts, config, parts, trees);
  const reused = new Map<string, Part>();
  const keys = new Map<string, string>();
  const wideOf = new Map<string, string>();
  const increment: Increment = {
    ran: new Set(),
    used: () => [...reused.values()].flatMap((p) => p.used),
    defer: (dir) => defer.get(dir) ?? null,
    directives: () => [...defer.keys()].flatMap((dir) => parts[dir]!.directives!),
    fresh(ws, names, wide) {
      for (const d of ws.deferred ?? []) reused.set(d.dir, parts[d.dir]!);
      const owner = recipeOwner(ws.recipes);
      const wideBy = new Map<string, Finding[]>();
      // Recipes a harness finding names: its patch is linked to theirs (RF202's afterSeries).
      const named = new Set<string>();
      for (const it of wide) {
        const dir = owner(it.finding.root, it.finding.file);
        if (dir === null) named.add(it.finding.recipe);
        else wideBy.set(dir, [...(wideBy.get(dir) ?? []), it.finding]);
      }
      const nameCount = new Map<string, number>();
      for (const r of ws.recipes) nameCount.set(r.name, (nameCount.get(r.name) ?? 0) + 1);
      const fresh = new Set<string>();
      for (const r of ws.recipes) {
        const tree = trees.get(r.dir) ?? treeDigest(r.dir);
        trees.set(r.dir, tree);
        const k = digest(r.dir, names.get(r.dir) ?? r.name, r.kind, tree);
        const w = digest(JSON.stringify(wideBy.get(r.dir) ?? []));
        keys.set(r.dir, k);
        wideOf.set(r.dir, w);
        const part = parts[r.dir];
        // Codemods find a recipe by name: two of one name are always analyzed afresh together.
        if (
          uncut ||
          !part ||
          part.key !== k ||
          part.wide !== w ||
          named.has(r.name) ||
          nameCount.get(r.name)! > 1
        )
          fresh.add(r.dir);
        else reused.set(r.dir, part);
      }
      return fresh;
    },
  };
  const r = await analyze(opts, increment);
  const analyzed = [...increment.ran].sort();
  const loaded = r.workspace.recipes.length;
  const recipes = loaded + (r.workspace.deferred?.length ?? 0);
  const result: Stored = {
    unusedDirectives: r.unusedDirectives,
    rules: r.rules.map((x) => x.meta),
    config: r.config,
    run: r.run,
  };
  const cut = cutAlongRecipes(r);
  if (!cut) {
    if (!uncut) return null;
    // Kept whole, in a cold run's order: no recipe part, nothing reused next time.
    return { result, parts: {}, rest: whole(r), recipes, analyzed, loaded };
  }
  const kept: Record<string, Part> = {};
  for (const d of r.workspace.deferred ?? []) kept[d.dir] = parts[d.dir]!;
  for (const rec of r.workspace.recipes) {
    kept[rec.dir] = reused.get(rec.dir) ?? {
      ...cut.recipe(rec),
      ...cut.remembered(rec),
      key: keys.get(rec.dir)!,
      wide: wideOf.get(rec.dir)!,
      tree: trees.get(rec.dir)!,
    };
  }
  const rest = cut.rest((path) => !(path in kept));
  return { result, parts: kept, rest, recipes, analyzed, loaded };
}
