/**
 * An analysis cut along recipes, and put back together. Patches are numbered per repo and today's
 * codemods patch only the repo of their finding's recipe, so a result is the sum of one part per
 * recipe (its findings, repos, patches, refusals and drafts) and a rest that no recipe owns (the
 * harness's). Whoever analyzed a part — an earlier run kept in the cache (pipeline/cache.ts) or a
 * worker thread of this run (pipeline/shards.ts) — the assembled result is byte-identical to a run
 * that analyzed everything at once.
 */
import type { Finding } from "../core/finding.js";
import type { PatchFile, PatchSeries, Repo } from "../core/patch.js";
import type { Draft } from "../codemods/codemod.js";
import type { FolderKind } from "../load/config.js";
import type { Recipe } from "../load/workspace.js";
import type { AnalyzeResult } from "./analyze.js";
import { directiveUse, type Directive } from "./check.js";
import { recipeOwner } from "./incremental.js";
import { RULES, findRule, type RegisteredRule } from "./registry.js";

/**
 * What one recipe contributed to a run (or what no recipe owns: the harness's findings and patches).
 * The cache reuses it as is while its key and its wide findings hold.
 */
export interface Part {
  /** Its files, its repo name and kind (the cache's; empty elsewhere). */
  key: string;
  /** Its findings of the `workspace`-scope rules, before fixes (the cache's; empty elsewhere). */
  wide: string;
  findings: Finding[];
  repos: Repo[];
  patches: PatchFile[];
  /** Each refusal with the repo it was refused in. */
  refused: (PatchSeries["refused"][number] & { repo: string })[];
  drafts: [string, Draft][];
  used: string[];
  /** A recipe's: the digest of its folder, its kind and repo name, what the `cross` rules keep of it, its directives. */
  tree?: string;
  kind?: FolderKind;
  repoName?: string;
  facts?: Record<string, unknown[]>;
  lookups?: Record<string, string[]>;
  directives?: Directive[];
}

/** A fresh result as parts: `recipe` for each loaded recipe, `rest` for what no loaded recipe owns. */
export interface Cut {
  recipe(rec: Recipe): Part;
  /** What a later run needs of a recipe it does not load: its kind, repo name, cross facts and directives. */
  remembered(rec: Recipe): Required<Pick<Part, "kind" | "repoName" | "facts" | "lookups" | "directives">>;
  /** The findings of no recipe (the harness's, the root's), with the repos `repo` picks. */
  rest(repo: (path: string) => boolean): Part;
}

/**
 * The parts of a fresh result; null when a patch lies outside the repo of its findings' recipe
 * (never made by today's codemods): such a result can only be kept whole (`whole`).
 */
export function cutAlongRecipes(r: AnalyzeResult): Cut | null {
  const parts = partsOf(r);
  const cut = r.series.patches.every(
    (p) => p.repo.kind === "harness" || p.findingIds.every((id) => parts.ownerOf.get(id) === p.repo.path),
  );
  if (!cut) return null;
  const repoNames = new Map(r.run.repos.map((x) => [x.path, x.name] as const));
  return {
    recipe: (rec) => parts.ownPart(rec.dir),
    remembered(rec) {
      const cross = RULES.filter((x) => x.cross).map((x) => [x.meta.id, crossFacts(x, rec)] as const);
      return {
        kind: rec.kind,
        repoName: repoNames.get(rec.dir)!,
        facts: Object.fromEntries(cross.map(([id, c]) => [id, c.facts])),
        lookups: Object.fromEntries(cross.map(([id, c]) => [id, c.lookups])),
        directives: r.directives.filter((d) => d.file.startsWith(`${rec.dir}/`)),
      };
    },
    rest: (repo) => parts.partOf((dir) => dir === null, repo),
  };
}

/** A fresh result as one part, in its own order (refusals outside every repo). */
export function whole(r: AnalyzeResult): Part {
  const all = partsOf(r).partOf(
    () => true,
    () => true,
  );
  return { ...all, refused: r.series.refused.map((x) => ({ ...x, repo: "" })) };
}

function partsOf(r: AnalyzeResult): {
  ownerOf: Map<string, string | null>;
  partOf: (owns: (dir: string | null) => boolean, repo: (path: string) => boolean) => Part;
  /** `partOf` for one owner and its own repo, by lookup: a catalogue has thousands of recipes. */
  ownPart: (dir: string) => Part;
} {
  const owner = recipeOwner(r.workspace.recipes);
  const ownerOf = new Map(r.findings.map((f) => [f.id, owner(f.root, f.file)] as const));
  const drafts = new Map<string, Draft>();
  for (const it of r.items) {
    const d = findRule(it.problem.rule)?.fix?.draft?.(it.problem, r.workspace);
    if (d) drafts.set(it.finding.id, d);
  }
  const used = new Map<string, string[]>();
  for (const it of r.items) {
    const u = directiveUse(it);
    if (u) used.set(it.finding.id, [...(used.get(it.finding.id) ?? []), u]);
  }
  const harnessRepo = r.series.repos.find((x) => x.kind === "harness")?.path ?? "";
  /** The part made of these findings, refusals (both in the result's order) and repos with their patches. */
  const part = (
    findings: Finding[],
    refused: PatchSeries["refused"],
    repos: Repo[],
    patches: PatchFile[],
  ): Part => ({
    key: "",
    wide: "",
    findings,
    repos,
    patches,
    refused: refused.map((x) => ({ ...x, repo: ownerOf.get(x.findingId) ?? harnessRepo })),
    drafts: findings.flatMap((f) => (drafts.has(f.id) ? [[f.id, drafts.get(f.id)!] as [string, Draft]] : [])),
    used: findings.flatMap((f) => used.get(f.id) ?? []),
  });
  const partOf = (owns: (dir: string | null) => boolean, repo: (path: string) => boolean): Part =>
    part(
      r.findings.filter((f) => owns(ownerOf.get(f.id) ?? null)),
      r.series.refused.filter((x) => owns(ownerOf.get(x.findingId) ?? null)),
      r.series.repos.filter((x) => repo(x.path)),
      r.series.patches.filter((p) => repo(p.repo.path)),
    );
  let index: {
    findings: Map<string | null, Finding[]>;
    refused: Map<string | null, PatchSeries["refused"]>;
    repos: Map<string | null, Repo[]>;
    patches: Map<string | null, PatchFile[]>;
  } | null = null;
  const ownPart = (dir: string): Part => {
    index ??= {
      findings: group(r.findings, (f) => ownerOf.get(f.id) ?? null),
      refused: group(r.series.refused, (x) => ownerOf.get(x.findingId) ?? null),
      repos: group(r.series.repos, (x) => x.path),
      patches: group(r.series.patches, (p) => p.repo.path),
    };
    return part(
      index.findings.get(dir) ?? [],
      index.refused.get(dir) ?? [],
      index.repos.get(dir) ?? [],
      index.patches.get(dir) ?? [],
    );
  };
  return { ownerOf, partOf, ownPart };
}

function group<T>(xs: T[], key: (x: T) => string | null): Map<string | null, T[]> {
  const m = new Map<string | null, T[]>();
  for (const x of xs) {
    const k = key(x);
    const list = m.get(k);
    if (list) list.push(x);
    else m.set(k, [x]);
  }
  return m;
}

/** What a `cross` rule keeps of a recipe: nothing for a recipe of a kind it does not judge. */
export function crossFacts(rule: RegisteredRule, recipe: Recipe): { facts: unknown[]; lookups: string[] } {
  if (!rule.cross || !rule.meta.kinds.includes(recipe.kind)) return { facts: [], lookups: [] };
  return { facts: rule.cross.facts(recipe), lookups: rule.cross.lookups(recipe) };
}

// Apart, so that a cache hit assembles its stored parts without loading the rules.
