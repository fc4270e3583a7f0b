/**
 * The analyze cache (`--cache`, `--cache-location`, as in ESLint). A run is keyed by everything its
 * result depends on: the bytes of every file under the recipes and harness roots (of a git folder
 * only what names commits and tags: HEAD, refs, packed-refs, config), the resolved config, the
 * command's options, the external programs it runs (caddy, git) and redfix itself (its version and
 * the build of its compiled files). An unchanged workspace reuses the stored findings, patches and
 * drafts, and when the run directory still holds what that run wrote, it is not written again.
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
 *
 * `caddy adapt` results are kept in the same file, keyed by the Caddyfile's text, its imports, the
 * sample env and the caddy binary: an unchanged Caddyfile is never adapted again.
 */
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  statSync,
  writeFileSync,
  type Dirent,
} from "node:fs";
import { delimiter, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { PACKAGE_ROOT, VERSION } from "../core/package.js";
import type { Finding } from "../core/finding.js";
import type { RedfixConfig } from "../load/config.js";
import type { AdaptStore } from "../load/caddy.js";
import type { CaddyAdaptResult } from "../load/configs/index.js";
import { analysisConfig, analyze, type AnalyzeOptions, type AnalyzeOutcome } from "./analyze.js";
import { uniqueRepoNames } from "./series.js";
import { loadWorkspace } from "../load/workspace.js";
import type { FolderKind } from "../load/config.js";
import type { CrossFact } from "../analyzers/rule.js";
import { recipeOwner, type Increment } from "./incremental.js";
import { assemble, crossFacts, cutAlongRecipes, whole, type Part } from "./parts.js";
import { RULES, type RegisteredRule } from "./registry.js";

export const DEFAULT_CACHE_FILE = ".redfixcache";
/** Bumped when the stored shape changes: an older file is then ignored, never misread. */
const FORMAT = 3;
/** One entry per workspace and options; the oldest go first beyond this many. */
const MAX_ENTRIES = 16;
/** Stored `caddy adapt` results; the least recently used go first beyond this many. */
const MAX_ADAPT = 20_000;

/** What a run gives besides the findings, patches and drafts (those are in its parts). */
interface Stored {
  /** Absent in an entry written before directives were checked. */
  unusedDirectives?: string[];
  rules: string[];
  config: RedfixConfig;
  run: AnalyzeOutcome["run"];
}

interface Entry {
  key: string;
  /** Everything but the files: redfix, tools, config and options. Recipe parts hold only under it. */
  base: string;
  result: Stored;
  /** Recipe folder → its part of the result. */
  recipes: Record<string, Part>;
  rest: Part;
  /** The run directory written from this result, and the size and mtime of each file in it then. */
  outputs: { dir: string; stamp: string } | null;
  used: number;
}

interface CacheFile {
  format: number;
  entries: Record<string, Entry>;
  adapt: Record<string, { result: CaddyAdaptResult; used: number }>;
}

/** How a run used the cache: observable, so tests count work rather than time it. */
export interface CacheStats {
  mode: "hit" | "incremental" | "full";
  /** Recipes in the workspace. */
  recipes: number;
  /** Recipe folders the `recipe`-scope rules ran on (all of them in a full run, none on a hit). */
  analyzed: string[];
  /** Recipes loaded (parsed): the changed ones, and those a changed cross-recipe fact reaches. */
  loaded: number;
  /** `caddy adapt` processes started (not answered by the cache). */
  adaptRuns: number;
  /** `caddy adapt` results answered by the cache. */
  adaptReused: number;
}

export interface Cached {
  outcome: AnalyzeOutcome;
  /** True when the result came from the cache. */
  hit: boolean;
  stats: CacheStats;
  /** Whether `dir` still holds exactly what was written from this result (then nothing needs writing). */
  written(dir: string): boolean;
  /** Records the run directory just written from this result; saves the cache file. */
  wrote(dir: string): void;
}

/** `--cache-location`: a file, or a folder (existing, or named with a trailing slash) to hold `.redfixcache`. */
export function cacheFile(location: string | undefined): string {
  const path = resolve(location ?? DEFAULT_CACHE_FILE);
  const isDir = /[\\/]$/.test(location ?? "") || (existsSync(path) && statSync(path).isDirectory());
  return isDir ? join(path, DEFAULT_CACHE_FILE) : path;
}

export async function analyzeCached(options: AnalyzeOptions, file: string): Promise<Cached> {
  // The store is the cache's own, never part of a key.
  const { adaptStore: _ignored, ...opts } = options;
  const config = analysisConfig(opts);
  const root = resolve(opts.recipes);
  const harness = opts.harness ? resolve(opts.harness) : null;
  const scope = digest(
    JSON.stringify({ root, harness, rules: opts.rules ?? [], profile: opts.profile, options: opts.options }),
  );
  const tools = toolStamp();
  const base = digest(
    JSON.stringify({
      version: VERSION,
      build: buildStamp(),
      tools,
      config,
      opts: { ...opts, recipes: root, harness },
    }),
  );
  const trees = new Map<string, string>();
  const key = digest(base, treeDigest(root, trees), harness ? treeDigest(harness) : "");
  const cache = readCache(file);
  const old = cache.entries[scope];
  const stats: CacheStats = {
    mode: "hit",
    recipes: 0,
    analyzed: [],
    loaded: 0,
    adaptRuns: 0,
    adaptReused: 0,
  };
  let entry: Entry;
  let hit = false;
  if (old && old.key === key) {
    entry = old;
    hit = true;
    stats.recipes = Object.keys(old.recipes).length;
  } else {
    const adaptStore = persistentAdapt(cache, tools[0]!, stats);
    const parts = old?.base === base ? old.recipes : {};
    let run = await incrementalRun({ ...opts, adaptStore }, config, parts, trees);
    // A patch outside its finding's own repo (never made by today's codemods) cannot be cut along
    // recipes: analyze the whole workspace afresh and store no parts.
    if (!run) run = await incrementalRun({ ...opts, adaptStore }, config, {}, trees, true);
    if (!run) throw new Error("analyze cache: a full run cannot be incomplete");
    stats.mode = Object.keys(parts).length > 0 ? "incremental" : "full";
    stats.recipes = run.recipes;
    stats.analyzed = run.analyzed;
    stats.loaded = run.loaded;
    entry = { key, base, result: run.result, recipes: run.parts, rest: run.rest, outputs: null, used: 0 };
  }
  entry.used = Date.now();
  cache.entries[scope] = entry;
  const rules = entry.result.rules
    .map((id) => RULES.find((x) => x.meta.id === id))
    .filter((x): x is RegisteredRule => x !== undefined);
  // The caller may set the command line's --fail-on on the config: not on the stored one.
  const outcome: AnalyzeOutcome = {
    ...entry.result,
    ...assemble([...Object.values(entry.recipes), entry.rest]),
    unusedDirectives: entry.result.unusedDirectives ?? [],
    config: structuredClone(entry.result.config),
    rules,
  };
  if (!hit) saveCache(file, cache);
  return {
    outcome,
    hit,
    stats,
    written: (dir) => entry.outputs?.dir === resolve(dir) && entry.outputs.stamp === outputStamp(dir),
    wrote: (dir) => {
      entry.outputs = { dir: resolve(dir), stamp: outputStamp(dir) };
      saveCache(file, cache);
    },
  };
}

interface RunParts {
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
    rules: r.rules.map((x) => x.meta.id),
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

/** The cache file's `caddy adapt` results as analyze's store, keyed also by the caddy binary. */
function persistentAdapt(cache: CacheFile, caddy: string, stats: CacheStats): AdaptStore {
  const k = (key: string) => digest(caddy, key);
  return {
    get(key) {
      const hit = cache.adapt[k(key)];
      if (!hit) return undefined;
      hit.used = Date.now();
      stats.adaptReused++;
      return hit.result;
    },
    set(key, result) {
      stats.adaptRuns++;
      cache.adapt[k(key)] = { result, used: Date.now() };
    },
  };
}

function readCache(file: string): CacheFile {
  try {
    const c = JSON.parse(readFileSync(file, "utf8")) as CacheFile;
    if (c.format === FORMAT && c.entries && typeof c.entries === "object" && c.adapt) return c;
  } catch {
    // missing, unreadable or from another version: start afresh
  }
  return { format: FORMAT, entries: {}, adapt: {} };
}

function saveCache(file: string, cache: CacheFile): void {
  const keep = Object.entries(cache.entries)
    .sort((a, b) => b[1].used - a[1].used)
    .slice(0, MAX_ENTRIES);
  cache.entries = Object.fromEntries(keep);
  const adapt = Object.entries(cache.adapt);
  if (adapt.length > MAX_ADAPT)
    cache.adapt = Object.fromEntries(adapt.sort((a, b) => b[1].used - a[1].used).slice(0, MAX_ADAPT));
  mkdirSync(dirname(file), { recursive: true });
  // Through a rename: two runs sharing a cache file never leave half of one behind.
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(cache));
  renameSync(tmp, file);
}

function digest(...parts: string[]): string {
  const h = createHash("sha256");
  for (const p of parts) h.update(p).update("\0");
  return h.digest("hex");
}

/**
 * Every file under `root` by path and contents, in name order. Of a git folder only the files that
 * say which commits and tags there are: objects are immutable, and walking them would cost more
 * than the analysis. A symlink is hashed as its target's text, not followed.
 */
export function treeDigest(root: string, folders?: Map<string, string>): string {
  const h = createHash("sha256");
  const walk = (dir: string, rel: string): void => {
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (e) {
      h.update(`${rel}\0unreadable ${(e as NodeJS.ErrnoException).code}\0`);
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const path = join(dir, e.name);
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.name === ".git") gitDigest(h, path, r);
      else if (e.isDirectory() && folders && !rel) {
        // Each top-level folder (a recipe) by its own digest, kept for the incremental cache.
        const sub = treeDigest(path);
        folders.set(path, sub);
        h.update(`${r}\0folder\0${sub}\0`);
      } else if (e.isDirectory()) walk(path, r);
      else if (e.isFile()) fileDigest(h, path, r);
      else h.update(`${r}\0${e.isSymbolicLink() ? "symlink" : "other"}\0`);
    }
  };
  walk(root, "");
  return h.digest("hex");
}

function fileDigest(h: ReturnType<typeof createHash>, path: string, rel: string): void {
  h.update(`${rel}\0`);
  try {
    const buf = readFileSync(path);
    h.update(`${buf.length}\0`).update(buf);
  } catch (e) {
    h.update(`unreadable ${(e as NodeJS.ErrnoException).code}`);
  }
  h.update("\0");
}

function gitDigest(h: ReturnType<typeof createHash>, dotGit: string, rel: string): void {
  let gitDir = dotGit;
  try {
    if (!statSync(dotGit).isDirectory()) {
      const text = readFileSync(dotGit, "utf8");
      h.update(`${rel}\0${text}\0`);
      const m = /^gitdir: (.+)$/m.exec(text);
      if (!m) return;
      gitDir = resolve(dirname(dotGit), m[1]!.trim());
    }
  } catch {
    return;
  }
  for (const f of ["HEAD", "packed-refs", "config", "commondir"]) {
    const p = join(gitDir, f);
    if (existsSync(p)) fileDigest(h, p, `${rel}/${f}`);
  }
  const refs = (dir: string, r: string): void => {
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (e.isDirectory()) refs(join(dir, e.name), `${r}/${e.name}`);
      else if (e.isFile()) fileDigest(h, join(dir, e.name), `${r}/${e.name}`);
    }
  };
  refs(join(gitDir, "refs"), `${rel}/refs`);
}

/**
 * The compiled redfix that runs, by the size and mtime of its files and templates: a rebuild with
 * the same version number must not reuse results of the code before it.
 */
let build: string | null = null;
function buildStamp(): string {
  if (build) return build;
  const code = dirname(dirname(fileURLToPath(import.meta.url)));
  const parts: string[] = [];
  const walk = (dir: string): void => {
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) {
        const st = statSync(p);
        parts.push(`${relative(code, p)}\0${st.size}\0${st.mtimeMs}`);
      }
    }
  };
  // What the result and the run directory depend on; not the CLI, verify or apply.
  for (const d of ["core", "harness", "load", "analyzers", "codemods", "reports", "pipeline"])
    walk(join(code, d));
  walk(join(PACKAGE_ROOT, "templates"));
  build = digest(...parts);
  return build;
}

/**
 * The external programs analyze runs, by where they are on PATH, size and mtime: installing caddy
 * turns RF120's skipped checks into real ones, so the cached result of a run without it is stale.
 */
const TOOLS = ["caddy", "git"];
function toolStamp(): string[] {
  return TOOLS.map((tool) => {
    for (const dir of (process.env.PATH ?? "").split(delimiter)) {
      if (!dir) continue;
      const st = statSync(join(dir, tool), { throwIfNoEntry: false });
      if (st?.isFile()) return `${join(dir, tool)}\0${st.size}\0${st.mtimeMs}`;
    }
    return `${tool} missing`;
  });
}

/** The size and mtime of every file of a run directory: what a later run compares to skip writing it. */
function outputStamp(dir: string): string {
  const parts: string[] = [];
  const walk = (d: string): void => {
    let entries: Dirent[];
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        const st = statSync(p, { throwIfNoEntry: false });
        if (st) parts.push(`${relative(dir, p)}\0${st.size}\0${st.mtimeMs}`);
      }
    }
  };
  walk(resolve(dir));
  return digest(...parts);
}
