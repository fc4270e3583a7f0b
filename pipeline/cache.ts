/**
 * The analyze cache (`--cache`, `--cache-location`, as in ESLint). A run is keyed by everything its
 * result depends on: the bytes of every file under the recipes and harness roots (of a git folder
 * only what names commits and tags: HEAD, refs, packed-refs, config), the resolved config, the
 * command's options, the external programs it runs (caddy, git) and redfix itself (its version and
 * the build of its compiled files). An
 * unchanged workspace reuses the stored findings, patches and drafts, and when the run directory
 * still holds what that run wrote, it is not written again. Any change re-analyzes the whole
 * workspace: rules see all recipes at once (RF120 compares them), so a recipe's part cannot be
 * replayed alone yet.
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
import type { PatchSeries } from "../core/patch.js";
import type { RedfixConfig } from "../load/config.js";
import type { Draft } from "../codemods/codemod.js";
import { analysisConfig, analyze, type AnalyzeOptions, type AnalyzeResult } from "./analyze.js";
import { RULES, type RegisteredRule } from "./registry.js";

/** What the CLI needs of an analysis; a cached run has no workspace model to give. */
export type AnalyzeOutcome = Omit<AnalyzeResult, "workspace" | "items">;

/**
 * The outcome of a fresh analysis without its workspace model: once the run directory is being
 * written, the parsed documents are garbage, and a catalogue's report can use their memory.
 */
export function outcomeOf(r: AnalyzeResult): AnalyzeOutcome {
  return {
    config: r.config,
    findings: r.findings,
    unusedDirectives: r.unusedDirectives,
    series: r.series,
    upstream: r.upstream,
    rules: r.rules,
    run: r.run,
  };
}

export const DEFAULT_CACHE_FILE = ".redfixcache";
/** Bumped when the stored shape changes: an older file is then ignored, never misread. */
const FORMAT = 1;
/** One entry per workspace and options; the oldest go first beyond this many. */
const MAX_ENTRIES = 16;

interface Stored {
  findings: Finding[];
  /** Absent in an entry written before directives were checked. */
  unusedDirectives?: string[];
  series: PatchSeries;
  upstream: Draft[];
  rules: string[];
  config: RedfixConfig;
  run: AnalyzeOutcome["run"];
}

interface Entry {
  key: string;
  result: Stored;
  /** The run directory written from this result, and the size and mtime of each file in it then. */
  outputs: { dir: string; stamp: string } | null;
  used: number;
}

interface CacheFile {
  format: number;
  entries: Record<string, Entry>;
}

export interface Cached {
  outcome: AnalyzeOutcome;
  /** True when the result came from the cache. */
  hit: boolean;
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

export async function analyzeCached(opts: AnalyzeOptions, file: string): Promise<Cached> {
  const config = analysisConfig(opts);
  const root = resolve(opts.recipes);
  const harness = opts.harness ? resolve(opts.harness) : null;
  const scope = digest(
    JSON.stringify({ root, harness, rules: opts.rules ?? [], profile: opts.profile, options: opts.options }),
  );
  const key = digest(
    JSON.stringify({
      version: VERSION,
      build: buildStamp(),
      tools: toolStamp(),
      config,
      opts: { ...opts, recipes: root, harness },
    }),
    treeDigest(root),
    harness ? treeDigest(harness) : "",
  );
  const cache = readCache(file);
  const old = cache.entries[scope];
  let entry: Entry;
  let hit = false;
  if (old && old.key === key) {
    entry = old;
    hit = true;
  } else {
    const r = await analyze(opts);
    entry = {
      key,
      result: {
        findings: r.findings,
        unusedDirectives: r.unusedDirectives,
        series: r.series,
        upstream: r.upstream,
        rules: r.rules.map((x) => x.meta.id),
        config: r.config,
        run: r.run,
      },
      outputs: null,
      used: 0,
    };
  }
  entry.used = Date.now();
  cache.entries[scope] = entry;
  const rules = entry.result.rules
    .map((id) => RULES.find((x) => x.meta.id === id))
    .filter((x): x is RegisteredRule => x !== undefined);
  // The caller may set the command line's --fail-on on the config: not on the stored one.
  const outcome: AnalyzeOutcome = {
    ...entry.result,
    unusedDirectives: entry.result.unusedDirectives ?? [],
    config: structuredClone(entry.result.config),
    rules,
  };
  if (!hit) saveCache(file, cache);
  return {
    outcome,
    hit,
    written: (dir) => entry.outputs?.dir === resolve(dir) && entry.outputs.stamp === outputStamp(dir),
    wrote: (dir) => {
      entry.outputs = { dir: resolve(dir), stamp: outputStamp(dir) };
      saveCache(file, cache);
    },
  };
}

function readCache(file: string): CacheFile {
  try {
    const c = JSON.parse(readFileSync(file, "utf8")) as CacheFile;
    if (c.format === FORMAT && c.entries && typeof c.entries === "object") return c;
  } catch {
    // missing, unreadable or from another version: start afresh
  }
  return { format: FORMAT, entries: {} };
}

function saveCache(file: string, cache: CacheFile): void {
  const keep = Object.entries(cache.entries)
    .sort((a, b) => b[1].used - a[1].used)
    .slice(0, MAX_ENTRIES);
  cache.entries = Object.fromEntries(keep);
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
export function treeDigest(root: string): string {
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
      else if (e.isDirectory()) walk(path, r);
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
