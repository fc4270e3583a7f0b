/**
 * The analyze cache (`--cache`, `--cache-location`, as in ESLint). A run is keyed by everything its
 * result depends on: the bytes of every file under the recipes and harness roots (of a git folder
 * only what names commits and tags: HEAD, refs, packed-refs, config), the config file (its path, its
 * bytes, whether it lies in a recipe folder), the command's options, the external programs it runs
 * (caddy, git) and redfix itself (its version and the build of its compiled files: the rules, the
 * profiles and options defined in code). An unchanged workspace reuses the stored findings, patches
 * and drafts, and when the run directory still holds what that run wrote, it is not written again.
 *
 * A hit loads none of the analysis: not the rules, the codemods, the config parser nor the report
 * (what it needs is in this module, pipeline/cache-key.ts and core/). The key needs no resolved
 * config, and the outcome carries the rules' metadata as stored. Only a miss loads
 * pipeline/cache-miss.ts, which analyzes (incrementally after a change) and cuts the result into
 * the parts stored here.
 *
 * `caddy adapt` results are kept in the same file, keyed by the Caddyfile's text, its imports, the
 * sample env and the caddy binary: an unchanged Caddyfile is never adapted again.
 */
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  writeSync,
} from "node:fs";
import { dirname, join, resolve } from "node:path";
import { VERSION } from "../core/package.js";
import type { RuleMeta } from "../analyzers/rule.js";
import type { AdaptStore } from "../load/caddy.js";
import type { CaddyAdaptResult } from "../load/configs/index.js";
import type { AnalyzeOptions, AnalyzeOutcome } from "./analyze.js";
import { assemble } from "./assemble.js";
import type { Stored } from "./cache-miss.js";
import type { Part } from "./parts.js";
import { buildStamp, configStamp, digest, outputStamp, toolStamp, treeDigest } from "./cache-key.js";

/**
 * An analysis as the cache gives it: of the rules only their metadata (for SARIF and the run
 * directory), so that a hit needs no registry. A fresh analysis's outcome is one too.
 */
export type CachedOutcome = Omit<AnalyzeOutcome, "rules"> & { rules: { meta: RuleMeta }[] };

export const DEFAULT_CACHE_FILE = ".redfixcache";
/** Bumped when the stored shape changes: an older file is then ignored, never misread. */
const FORMAT = 5;
/** One entry per workspace and options; the oldest go first beyond this many. */
const MAX_ENTRIES = 16;
/** Stored `caddy adapt` results; the least recently used go first beyond this many. */
const MAX_ADAPT = 20_000;

/** What decides whether an entry is a hit, and what it wrote: read before any result. */
interface EntryHead {
  key: string;
  /** Everything but the files: redfix, tools, config and options. Recipe parts hold only under it. */
  base: string;
  /** The run directory written from this result, and the size and mtime of each file in it then. */
  outputs: { dir: string; stamp: string } | null;
  used: number;
}

interface EntryBody {
  result: Stored;
  /** Recipe folder → its part of the result. */
  recipes: Record<string, Part>;
  rest: Part;
}

type AdaptRecords = Record<string, { result: CaddyAdaptResult; used: number }>;

/**
 * The cache file as read: its first line is the head (the format, each entry's head and where its
 * body lies, where the `caddy adapt` results lie), then the bodies, each one line of JSON. A hit
 * parses the head and its own entry's body only; what a run does not touch is written back as it
 * was read, byte for byte, never parsed. Everything is ASCII (JSON escapes the rest), so the bytes
 * are read as latin1, with no UTF-8 decoding.
 */
interface CacheFile {
  /** Each entry's head, and its body as parsed and/or as bytes (in pieces when this run wrote it). */
  entries: Map<string, { head: EntryHead; body: EntryBody | null; raw: Buffer[] | null }>;
  adapt: AdaptRecords | null;
  adaptRaw: Buffer | null;
}

interface Head {
  format: number;
  entries: Record<string, EntryHead & { at: [number, number] }>;
  adapt: [number, number];
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
  outcome: CachedOutcome;
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
  const root = resolve(opts.recipes);
  const harness = opts.harness ? resolve(opts.harness) : null;
  const scope = digest(
    JSON.stringify({ root, harness, rules: opts.rules ?? [], profile: opts.profile, options: opts.options }),
  );
  const tools = toolStamp();
  // The working folder matters only through the config file found from it, which configStamp names.
  const { cwd: _cwd, ...keyed } = opts;
  const base = digest(
    JSON.stringify({
      version: VERSION,
      build: buildStamp(),
      tools,
      config: configStamp(root, opts.config, opts.cwd),
      // In name order: the same options spelled in another order are the same run.
      opts: Object.entries({ ...keyed, recipes: root, harness, rules: opts.rules ?? [] }).sort(([a], [b]) =>
        a < b ? -1 : 1,
      ),
    }),
  );
  const trees = new Map<string, string>();
  const key = digest(base, treeDigest(root, trees), harness ? treeDigest(harness) : "");
  const cache = readCache(file);
  const old = cache.entries.get(scope);
  const stats: CacheStats = {
    mode: "hit",
    recipes: 0,
    analyzed: [],
    loaded: 0,
    adaptRuns: 0,
    adaptReused: 0,
  };
  let head: EntryHead;
  let body = old?.head.key === key ? entryBody(old) : null;
  const hit = body !== null;
  if (old && body) {
    head = old.head;
    stats.recipes = Object.keys(body.recipes).length;
  } else {
    // The one place the analysis is loaded: a hit never needs it.
    const { missRun } = await import("./cache-miss.js");
    const adaptStore = persistentAdapt(cache, tools[0]!, stats);
    const parts = old?.head.base === base ? (entryBody(old)?.recipes ?? {}) : {};
    const run = await missRun({ ...opts, adaptStore }, parts, trees);
    stats.mode = Object.keys(parts).length > 0 ? "incremental" : "full";
    stats.recipes = run.recipes;
    stats.analyzed = run.analyzed;
    stats.loaded = run.loaded;
    head = { key, base, outputs: null, used: 0 };
    body = { result: run.result, recipes: run.parts, rest: run.rest };
    cache.entries.set(scope, { head, body, raw: null });
  }
  head.used = Date.now();
  // The caller may set the command line's --fail-on on the config: not on the stored one.
  const outcome: CachedOutcome = {
    ...body.result,
    ...assemble([...Object.values(body.recipes), body.rest]),
    unusedDirectives: body.result.unusedDirectives ?? [],
    config: structuredClone(body.result.config),
    rules: body.result.rules.map((meta) => ({ meta })),
  };
  if (!hit) saveCache(file, cache);
  return {
    outcome,
    hit,
    stats,
    written: (dir) => head.outputs?.dir === resolve(dir) && head.outputs.stamp === outputStamp(dir),
    wrote: (dir) => {
      head.outputs = { dir: resolve(dir), stamp: outputStamp(dir) };
      saveCache(file, cache);
    },
  };
}

/**
 * What `analyze` works from: the cache's answer with `--cache` (`file`), else a fresh analysis. A
 * fresh analysis's workspace model is collected before this returns, so the run directory and the
 * report reuse its memory; a hit loads none of the analysis.
 */
export async function analysisOutcome(
  opts: AnalyzeOptions,
  file: string | null,
): Promise<{ outcome: CachedOutcome; cached: Cached | null }> {
  const cached = file ? await analyzeCached(opts, file) : null;
  if (cached?.hit) return { outcome: cached.outcome, cached };
  const { analyze, outcomeOf, releaseAnalysis } = await import("./analyze.js");
  const outcome = cached ? cached.outcome : outcomeOf(await analyze(opts));
  await releaseAnalysis();
  return { outcome, cached };
}

/** The cache file's `caddy adapt` results as analyze's store, keyed also by the caddy binary. */
function persistentAdapt(cache: CacheFile, caddy: string, stats: CacheStats): AdaptStore {
  const k = (key: string) => digest(caddy, key);
  const records = adaptRecords(cache);
  return {
    get(key) {
      const hit = records[k(key)];
      if (!hit) return undefined;
      hit.used = Date.now();
      stats.adaptReused++;
      return hit.result;
    },
    set(key, result) {
      stats.adaptRuns++;
      records[k(key)] = { result, used: Date.now() };
    },
  };
}

function emptyCache(): CacheFile {
  return { entries: new Map(), adapt: {}, adaptRaw: null };
}

function readCache(file: string): CacheFile {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    return emptyCache(); // missing or unreadable: start afresh
  }
  try {
    const nl = bytes.indexOf(10);
    const head = JSON.parse(bytes.toString("latin1", 0, nl < 0 ? bytes.length : nl)) as Head;
    if (head.format !== FORMAT || typeof head.entries !== "object" || !Array.isArray(head.adapt))
      return emptyCache();
    const rest = bytes.subarray(nl + 1);
    const slice = ([from, to]: [number, number]): Buffer => {
      if (!(Number.isInteger(from) && Number.isInteger(to) && from >= 0 && from <= to && to <= rest.length))
        throw new Error("a body outside the file");
      return rest.subarray(from, to);
    };
    const cache: CacheFile = { entries: new Map(), adapt: null, adaptRaw: slice(head.adapt) };
    for (const [scope, { at, ...entry }] of Object.entries(head.entries))
      cache.entries.set(scope, { head: entry, body: null, raw: [slice(at)] });
    return cache;
  } catch {
    // not JSON, from another version or cut short: start afresh
    return emptyCache();
  }
}

/** An entry's body, parsed when first asked for; null when it cannot be (then the entry is a miss). */
function entryBody(entry: { body: EntryBody | null; raw: Buffer[] | null }): EntryBody | null {
  if (!entry.body && entry.raw) {
    try {
      const bytes = entry.raw.length === 1 ? entry.raw[0]! : Buffer.concat(entry.raw);
      const body = JSON.parse(bytes.toString("latin1")) as EntryBody;
      // Our own writing, but a file on disk all the same: a body of another shape is a miss, not a crash.
      if (!wellFormed(body)) throw new Error("not an entry body");
      entry.body = body;
    } catch {
      entry.raw = null;
    }
  }
  return entry.body;
}

function wellFormed(body: EntryBody): boolean {
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === "object" && v !== null && !Array.isArray(v);
  const isPart = (p: unknown): boolean =>
    isObject(p) &&
    ["findings", "repos", "patches", "refused", "drafts", "used"].every((k) => Array.isArray(p[k]));
  return (
    isObject(body) &&
    isObject(body.result) &&
    Array.isArray(body.result.rules) &&
    isObject(body.result.config) &&
    isObject(body.result.run) &&
    isObject(body.recipes) &&
    Object.values(body.recipes).every(isPart) &&
    isPart(body.rest)
  );
}

function adaptRecords(cache: CacheFile): AdaptRecords {
  if (!cache.adapt) {
    try {
      cache.adapt = JSON.parse(cache.adaptRaw!.toString("latin1")) as AdaptRecords;
    } catch {
      cache.adapt = {};
    }
    cache.adaptRaw = null;
  }
  return cache.adapt;
}

/** JSON in ASCII: what lies beyond it as `\uXXXX` escapes, which JSON.parse reads back as they were. */
function asciiJson(value: unknown): Buffer {
  const text = JSON.stringify(value).replace(
    /[\u0080-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  return Buffer.from(text, "latin1");
}

/**
 * An entry's body as `asciiJson` would write it, in one piece per recipe: a catalogue's body is tens
 * of megabytes, never held as one string (nor twice, as UTF-16 and as bytes).
 */
function bodyPieces(body: EntryBody): Buffer[] {
  const pieces = [Buffer.from('{"result":'), asciiJson(body.result), Buffer.from(',"recipes":{')];
  let first = true;
  for (const [dir, part] of Object.entries(body.recipes)) {
    pieces.push(Buffer.from(`${first ? "" : ","}`), asciiJson(dir), Buffer.from(":"), asciiJson(part));
    first = false;
  }
  pieces.push(Buffer.from('},"rest":'), asciiJson(body.rest), Buffer.from("}"));
  return pieces;
}

function saveCache(file: string, cache: CacheFile): void {
  const keep = [...cache.entries]
    .filter(([, e]) => e.body || e.raw)
    .sort((a, b) => b[1].head.used - a[1].head.used)
    .slice(0, MAX_ENTRIES);
  if (cache.adapt) {
    const adapt = Object.entries(cache.adapt);
    if (adapt.length > MAX_ADAPT)
      cache.adapt = Object.fromEntries(adapt.sort((a, b) => b[1].used - a[1].used).slice(0, MAX_ADAPT));
  }
  // Bodies are written back as read, or as this run first wrote them: recording a run directory
  // later copies them (the caller's later changes to the outcome, a baseline's marks, stay out).
  const bodies: Buffer[] = [];
  let at = 0;
  const place = (pieces: Buffer[]): [number, number] => {
    const from = at;
    for (const b of pieces) at += b.length;
    bodies.push(...pieces, NEWLINE);
    at += 1;
    return [from, at - 1];
  };
  const head: Head = { format: FORMAT, entries: {}, adapt: [0, 0] };
  for (const [scope, e] of keep) {
    e.raw ??= bodyPieces(e.body!);
    head.entries[scope] = { ...e.head, at: place(e.raw) };
  }
  head.adapt = place([cache.adapt ? asciiJson(cache.adapt) : (cache.adaptRaw ?? asciiJson({}))]);
  mkdirSync(dirname(file), { recursive: true });
  // Through a rename: two runs sharing a cache file never leave half of one behind.
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, "w");
  try {
    writeAll(fd, asciiJson(head));
    writeAll(fd, NEWLINE);
    for (const b of bodies) writeAll(fd, b);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

function writeAll(fd: number, bytes: Buffer): void {
  for (let off = 0; off < bytes.length;) off += writeSync(fd, bytes, off);
}

const NEWLINE = Buffer.from("\n");
