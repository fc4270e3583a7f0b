/**
 * The workspace model: every recipe under the analyzed folder, each file read and parsed once.
 * Loading never throws on bad input: unreadable or unparsable files and references that escape a
 * recipe become load problems (RF001/RF002 findings), and everything else is still loaded.
 */
import { isInside } from "../core/paths.js";
import { existsSync, lstatSync, readFileSync, readdirSync, realpathSync, statSync } from "node:fs";
import { basename, isAbsolute, join, relative, resolve, sep } from "node:path";
import type { RootName } from "../core/finding.js";
import type { HarnessModel } from "../harness/model.js";
import { parseComposeFile } from "./compose.js";
import type { ComposeFile, TopLevelEntry } from "./compose.js";
import type { RedfixConfig } from "./config.js";
import { excludeMatcher } from "./config.js";
import {
  composeFileCombinations,
  MAX_COMPOSE_FILE_CHARS,
  MAX_COMPOSE_FILES,
  parseAbraSh,
  parseEnvSample,
} from "./env.js";
import type { FolderKind } from "./config.js";
import {
  ABRA_BASE,
  ABRA_OVERLAY,
  PLAIN_BASE,
  PLAIN_OVERLAY,
  STACK_FILE,
  classify,
  isComposeName,
} from "./kinds.js";
import type { KindVerdict } from "./kinds.js";
import picomatch from "picomatch";
import type { AbraScript, EnvSample } from "./env.js";
import { readGitInfo } from "./git.js";
import type { GitInfo } from "./git.js";
import { mergeStack } from "./merge.js";
import type { StackCombination } from "./merge.js";
import type { CaddyAdaptResult } from "./configs/caddy-adapt.js";
import { isReadFailure, readSource } from "../core/source.js";
import type { Position, Range, SourceFile } from "../core/source.js";

/** What the loader could not take: a file it cannot parse or decode, or a reference to a file it must not read. */
export type LoadProblemKind = "unparsable" | "bad-reference";

export interface LoadProblem {
  kind: LoadProblemKind;
  recipe: string;
  root: RootName;
  /** Path relative to the root. */
  file: string;
  /** A range in `source` when the file was read; otherwise `position`. */
  source?: SourceFile;
  range?: Range;
  position?: Position;
  message: string;
  /** What makes the finding's id stable. */
  key: string;
}

export interface FileReference {
  kind: "config" | "secret";
  entry: TopLevelEntry;
  composeFile: ComposeFile;
  /** Absolute path when it stays inside the recipe. */
  absPath: string | null;
  /** The file's text, when it is inside the recipe, exists and decodes. */
  source: SourceFile | null;
  /**
   * `caddy adapt` of a Caddyfile config (load/caddy.ts, run by analyze after loading): as it is, and
   * with every bare service-name upstream stack-qualified (what RF120's fix writes). Absent when not run.
   */
  caddyAdapt?: { before: CaddyAdaptResult; qualified?: CaddyAdaptResult };
}

export interface Recipe {
  name: string;
  /** Absolute path of the recipe folder (the root of its repo). */
  dir: string;
  /** The recipe folder relative to the analyzed root (`""` when the root is the recipe). */
  relDir: string;
  /** What the folder is (load/kinds.ts), and the signals that said so. */
  kind: FolderKind;
  kindSignals: string[];
  composeFiles: ComposeFile[];
  base: ComposeFile | null;
  overlays: ComposeFile[];
  combinations: StackCombination[];
  envSample: EnvSample | null;
  abraSh: AbraScript | null;
  readme: SourceFile | null;
  fileRefs: FileReference[];
  /**
   * What read-only bind mounts of the recipe's own files hold: the source path as written (`./conf`) →
   * its file, or for a folder each file directly in it (`./conf/app.ini`), small ones only.
   */
  bindFiles: Map<string, SourceFile>;
  git: GitInfo | null;
  problems: LoadProblem[];
}

export interface Workspace {
  /** Absolute path of the analyzed folder. */
  root: string;
  recipes: Recipe[];
  /** The CI harness given with `--harness`, loaded by its language adapters. */
  harness: HarnessModel | null;
  config: RedfixConfig;
  problems: LoadProblem[];
  /** Folders under the root that were not analyzed, each with why (relative path; `.` for the root). */
  skipped: SkippedFolder[];
  /**
   * Recipes the incremental cache did not load (their files are unchanged and no cross-recipe fact
   * they look up changed): their place, and what the `cross` rules stored of them. Absent otherwise.
   */
  deferred?: DeferredRecipe[];
}

export interface DeferredRecipe {
  name: string;
  dir: string;
  relDir: string;
  kind: FolderKind;
  /** Rule id → the facts its `cross` stored for this recipe. */
  facts: Record<string, unknown[]>;
}

export interface SkippedFolder {
  path: string;
  reason: string;
}

/** A folder holding a compose file of any of the names read (load/kinds.ts). */
export function isRecipeDir(dir: string): boolean {
  return safeList(dir).some(isComposeName);
}

const NO_COMPOSE = "no compose file (compose.yml, docker-compose*.yml or *stack*.yml)";

/** The incremental cache's choice of recipe folders not to load (see `loadWorkspace`). */
export type Defer = (dir: string) => Omit<DeferredRecipe, "name" | "dir" | "relDir"> | null;

/**
 * `defer` (the incremental cache): the recipe folders not to load; each is listed in `deferred`
 * with the kind and facts `defer` gives, where it would have been loaded.
 */
export function loadWorkspace(rootArg: string, config: RedfixConfig, defer?: Defer): Workspace {
  const steps = loading(rootArg, config, defer);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * `loadWorkspace`, handing each recipe to `loaded` as soon as it is read, and letting the event loop
 * run between recipes: work started on a recipe (its `caddy adapt` child processes) runs while the
 * rest load.
 */
export async function loadWorkspaceAsync(
  rootArg: string,
  config: RedfixConfig,
  loaded: (recipe: Recipe) => void,
  defer?: Defer,
): Promise<Workspace> {
  const steps = loading(rootArg, config, defer);
  let turned = performance.now();
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    loaded(step.value);
    // A turn of the event loop every few milliseconds, not after each of thousands of recipes.
    if (performance.now() - turned >= YIELD_EVERY_MS) {
      await new Promise<void>((go) => setImmediate(go));
      turned = performance.now();
    }
  }
}

const YIELD_EVERY_MS = 4;

/** The loader, one recipe at a time: yields each recipe once loaded, returns the workspace. */
function* loading(rootArg: string, config: RedfixConfig, defer?: Defer): Generator<Recipe, Workspace> {
  const root = resolve(rootArg);
  const excluded = excludeMatcher(config);
  const ws: Workspace = { root, recipes: [], harness: null, config, problems: [], skipped: [] };
  const forced = kindMatcher(config);
  const take = (dir: string, relDir: string, name: string, files: string[]): Recipe | null => {
    const kind = forced(relDir || ".") ?? forced(name);
    if (kind === "skip") {
      ws.skipped.push({ path: relDir || ".", reason: "`kinds` in the config says skip" });
      return null;
    }
    const deferred = relDir ? defer?.(dir) : null;
    if (deferred) {
      (ws.deferred ??= []).push({ name, dir, relDir, ...deferred });
      return null;
    }
    const recipe = loadRecipe(dir, relDir, name, excluded, kind, files);
    ws.recipes.push(recipe);
    return recipe;
  };
  const rootFiles = safeList(root);
  if (rootFiles.some(isComposeName)) {
    const recipe = take(root, "", basename(root), rootFiles);
    if (recipe) yield recipe;
    return ws;
  }
  let entries: string[] = [];
  try {
    entries = readdirSync(root).sort();
  } catch (e) {
    throw new Error(`cannot read ${rootArg}: ${(e as Error).message}`);
  }
  for (const name of entries) {
    if (name.startsWith(".") || name === "node_modules") continue;
    const dir = join(root, name);
    let st;
    try {
      st = lstatSync(dir);
    } catch {
      continue;
    }
    if (excluded(name)) {
      if (st.isDirectory()) ws.skipped.push({ path: name, reason: "excluded by the config's `exclude`" });
      continue;
    }
    if (st.isSymbolicLink()) {
      if (isRecipeDir(dir)) {
        ws.skipped.push({ path: name, reason: "a symlink; folders are analyzed only as real folders" });
        ws.problems.push({
          kind: "bad-reference",
          recipe: name,
          root: "recipes",
          file: name,
          position: { line: 1, column: 1 },
          message: `${name} is a symlink; recipes are analyzed only as real folders, so it was skipped`,
          key: "symlinked-recipe",
        });
      }
      continue;
    }
    if (!st.isDirectory()) continue;
    // The folder is listed once: what makes it a recipe is also what the recipe loads.
    const files = safeList(dir);
    if (files.some(isComposeName)) {
      const recipe = take(dir, name, name, files);
      if (recipe) yield recipe;
    } else ws.skipped.push({ path: name, reason: NO_COMPOSE });
  }
  return ws;
}

/** The kind the config's `kinds` forces on a folder (its path relative to the root), if any. */
function kindMatcher(config: RedfixConfig): (relDir: string) => FolderKind | "skip" | null {
  const entries = Object.entries(config.kinds).map(
    ([glob, kind]) => [picomatch(glob, { dot: true }), kind] as const,
  );
  return (relDir) => entries.find(([m]) => m(relDir))?.[1] ?? null;
}

function loadRecipe(
  dir: string,
  relDir: string,
  name: string,
  excluded: (p: string) => boolean,
  forced: FolderKind | null,
  files: string[],
): Recipe {
  const recipe: Recipe = {
    name,
    dir,
    relDir,
    kind: "compose-project",
    kindSignals: [],
    composeFiles: [],
    base: null,
    overlays: [],
    combinations: [],
    envSample: null,
    abraSh: null,
    readme: null,
    fileRefs: [],
    bindFiles: new Map(),
    git: null,
    problems: [],
  };
  const rel = (f: string) => (relDir ? `${relDir}/${f}` : f);
  const read = (f: string): SourceFile | null => {
    if (excluded(rel(f))) return null;
    const abs = join(dir, f);
    const r = readInside(recipe, abs, rel(f));
    if (r === null) return null;
    if (isReadFailure(r)) {
      recipe.problems.push({
        kind: r.kind === "not-a-file" ? "bad-reference" : "unparsable",
        recipe: name,
        root: "recipes",
        file: rel(f),
        position: r.position,
        message: r.message,
        key: `read:${f}`,
      });
      return null;
    }
    return r;
  };

  // Every compose file is parsed once; which of them make the stack depends on the kind they show.
  const parsed = new Map<string, { cf: ComposeFile | null; problems: LoadProblem[] }>();
  for (const f of files.filter(isComposeName)) {
    const before = recipe.problems.length;
    const src = read(f);
    const readProblems = recipe.problems.splice(before);
    if (!src) {
      if (readProblems.length > 0) parsed.set(f, { cf: null, problems: readProblems });
      continue;
    }
    const cf = parseComposeFile(src, f);
    parsed.set(f, {
      cf,
      problems: cf.problems.map((p) => ({
        kind: "unparsable" as const,
        recipe: name,
        root: "recipes" as const,
        file: src.path,
        source: src,
        range: p.range,
        message: p.message,
        key: `parse:${f}:${p.message}`,
      })),
    });
  }
  const envSample = files.includes(".env.sample") ? read(".env.sample") : null;
  const sample = envSample ? parseEnvSample(envSample) : null;
  const verdict: KindVerdict = forced
    ? { kind: forced, signals: ["`kinds` in the config"] }
    : classify({
        files,
        compose: [...parsed.values()].flatMap((p) => (p.cf ? [p.cf] : [])),
        envSample: sample,
        hasAbraSh: files.includes("abra.sh"),
      });
  recipe.kind = verdict.kind;
  recipe.kindSignals = verdict.signals;

  const [baseName, overlayNames] = stackFiles(
    recipe.kind,
    files.filter((f) => parsed.has(f)),
  );
  for (const f of [baseName, ...overlayNames]) {
    if (!f) continue;
    const p = parsed.get(f)!;
    recipe.problems.push(...p.problems);
    if (!p.cf) continue;
    recipe.composeFiles.push(p.cf);
    if (f === baseName) recipe.base = p.cf;
    else recipe.overlays.push(p.cf);
  }

  // `.env.sample` and abra.sh are abra's: a compose project's `.env.sample` is no list of COMPOSE_FILE combinations.
  if (recipe.kind === "abra-recipe") {
    recipe.envSample = sample;
    if (files.includes("abra.sh")) {
      const src = read("abra.sh");
      if (src) recipe.abraSh = parseAbraSh(src);
    }
  }
  if (files.includes("README.md")) recipe.readme = read("README.md");

  recipe.combinations = combinations(recipe, read);
  recipe.fileRefs = fileReferences(recipe, read);
  recipe.bindFiles = readOnlyBindFiles(recipe, read);
  // Most recipes of a large workspace are not clones: skip the failing stat of a missing `.git`.
  recipe.git = files.includes(".git") ? readGitInfo(dir) : null;
  return recipe;
}

/**
 * The overlay combinations judged: every `COMPOSE_FILE` named in `.env.sample` (commented lines too),
 * and, when the sample sets an uncommented COMPOSE_FILE (abra's default chain), that chain with each
 * overlay the sample never names; without one, the base alone and the base with each overlay. Combinations holding a file that
 * did not parse are left out: judging them would report the parse error again as missing services.
 */
function combinations(recipe: Recipe, read: (f: string) => SourceFile | null): StackCombination[] {
  const usable = (f: ComposeFile) => f.problems.length === 0;
  const byName = new Map(recipe.composeFiles.map((f) => [f.name, f]));
  const out: StackCombination[] = [];
  const seen = new Set<string>();
  let over = 0;
  const add = (files: ComposeFile[], origin: StackCombination["origin"]) => {
    const id = files.map((f) => f.name).join(":");
    if (seen.has(id) || !files.every(usable)) return;
    seen.add(id);
    // Thousands of (commented) COMPOSE_FILE lines would mean thousands of merged stacks, each
    // analyzed: the first MAX_COMBINATIONS are, the rest are counted in a finding.
    if (out.length >= MAX_COMBINATIONS) {
      over++;
      return;
    }
    out.push(mergeStack(files, origin));
  };
  let truncated: { variable: { valueRange: Range } } | null = null;
  // The `.env.sample`'s COMPOSE_FILE lines, resolved first: the uncommented one is abra's default chain.
  const fromEnv: { files: ComposeFile[]; commented: boolean; complete: boolean }[] = [];
  const named = new Set<string>();
  for (const c of recipe.envSample ? composeFileCombinations(recipe.envSample) : []) {
    if (c.truncated) truncated ??= c;
    const files: ComposeFile[] = [];
    let complete = true;
    for (const name of c.files) {
      named.add(name);
      const f = byName.get(name) ?? subfolderOverlay(recipe, name, read);
      if (f) {
        byName.set(name, f);
        files.push(f);
        continue;
      }
      complete = false;
      // abra reads only uncommented lines: a commented COMPOSE_FILE is an example to copy, not a deploy.
      if (c.variable.commented) continue;
      if (!recipe.problems.some((p) => p.key === `compose-file:${name}`)) {
        recipe.problems.push({
          kind: "bad-reference",
          recipe: recipe.name,
          root: "recipes",
          file: recipe.envSample!.source.path,
          source: recipe.envSample!.source,
          range: c.variable.valueRange,
          message: `COMPOSE_FILE names ${name}, which the recipe does not have`,
          key: `compose-file:${name}`,
        });
      }
    }
    fromEnv.push({ files, commented: c.variable.commented, complete });
  }
  // Of the uncommented lines only the last is deployed (each assignment replaces the one before).
  const lastSet = fromEnv.findLastIndex((e) => !e.commented);
  const chain = fromEnv[lastSet]?.complete ? fromEnv[lastSet].files : null;
  if (recipe.kind === "swarm-stack" && recipe.base && STACK_FILE.test(recipe.base.name)) {
    for (const f of recipe.composeFiles) add([f], "base");
  } else if (chain && chain.length > 0) {
    // An app's env starts as a copy of `.env.sample`: abra deploys the uncommented COMPOSE_FILE chain,
    // and an overlay the sample never names is enabled by appending it to that chain. The base alone
    // is no deployment then (its services may need an overlay of the chain, e.g. the database's).
    add(chain, "env-sample");
    for (const o of recipe.overlays) if (!named.has(o.name)) add([...chain, o], "overlay");
  } else if (recipe.base) {
    add([recipe.base], "base");
    for (const o of recipe.overlays) add([recipe.base, o], "overlay");
  }
  fromEnv.forEach((e, i) => {
    if (e.complete && (e.commented || i === lastSet)) add(e.files, "env-sample");
  });
  const envSample = recipe.envSample;
  if (envSample && (over > 0 || truncated)) {
    const total = out.length + over;
    recipe.problems.push({
      kind: "unparsable",
      recipe: recipe.name,
      root: "recipes",
      file: envSample.source.path,
      source: envSample.source,
      range: truncated?.variable.valueRange ?? { start: 0, end: 0 },
      message:
        over > 0
          ? `COMPOSE_FILE names ${total.toLocaleString("en-US")} combinations of compose files: ${out.length} of ${total.toLocaleString("en-US")} combinations analyzed, the rest were not`
          : `COMPOSE_FILE grows past ${MAX_COMPOSE_FILE_CHARS} characters or ${MAX_COMPOSE_FILES} files (\${COMPOSE_FILE} repeated?): only the start of it was analyzed`,
      key: "compose-file-bound",
    });
  }
  return out;
}

/**
 * An overlay `COMPOSE_FILE` names in a sub-folder (`postgres/compose.tune.yml`): abra passes the path to
 * compose as is, relative to the recipe. Read and parsed once, inside the recipe only.
 */
function subfolderOverlay(
  recipe: Recipe,
  name: string,
  read: (f: string) => SourceFile | null,
): ComposeFile | null {
  if (!name.includes("/") || isAbsolute(name) || name.split("/").includes("..")) return null;
  const rel = name.replace(/^\.\//, "");
  if (!existsSync(join(recipe.dir, rel))) return null;
  const src = read(rel);
  if (!src) return null;
  const cf = parseComposeFile(src, name);
  for (const p of cf.problems) {
    recipe.problems.push({
      kind: "unparsable",
      recipe: recipe.name,
      root: "recipes",
      file: src.path,
      source: src,
      range: p.range,
      message: p.message,
      key: `parse:${name}:${p.message}`,
    });
  }
  recipe.composeFiles.push(cf);
  recipe.overlays.push(cf);
  return cf;
}

const BIND_FILE_MAX = 256 * 1024;
const BIND_DIR_FILES = 32;

/** The files behind read-only bind mounts from inside the recipe, for rules that judge their content. */
function readOnlyBindFiles(recipe: Recipe, read: (f: string) => SourceFile | null): Map<string, SourceFile> {
  const out = new Map<string, SourceFile>();
  const take = (written: string, rel: string) => {
    const abs = join(recipe.dir, rel);
    let st;
    try {
      st = statSync(abs);
    } catch {
      return;
    }
    if (!st.isFile() || st.size > BIND_FILE_MAX) return;
    // Read for evidence only: a file that does not decode (an image in a mounted folder) is no finding.
    const before = recipe.problems.length;
    const src = read(rel);
    recipe.problems.splice(before);
    if (src) out.set(written, src);
  };
  for (const cf of recipe.composeFiles) {
    for (const svc of cf.services) {
      for (const m of svc.volumes) {
        const s = m.source;
        if (m.type !== "bind" || !m.readOnly || !s || s.includes("$") || isAbsolute(s) || s.startsWith("~"))
          continue;
        const rel = relative(recipe.dir, resolve(recipe.dir, s)).split(sep).join("/");
        if (rel.startsWith("..") || rel === "" || out.has(s)) continue;
        const abs = join(recipe.dir, rel);
        let st;
        try {
          st = lstatSync(abs);
        } catch {
          continue;
        }
        if (st.isFile()) take(s, rel);
        else if (st.isDirectory()) {
          for (const f of safeList(abs).slice(0, BIND_DIR_FILES))
            take(`${s.replace(/\/+$/, "")}/${f}`, `${rel}/${f}`);
        }
      }
    }
  }
  return out;
}

/** Whether a recipe path lies under a submodule path named in the recipe's `.gitmodules`. */
function inSubmodule(dir: string, relPath: string): boolean {
  let text: string;
  try {
    text = readFileSync(join(dir, ".gitmodules"), "utf8");
  } catch {
    return false;
  }
  return [...text.matchAll(/^\s*path\s*=\s*(.+?)\s*$/gm)].some(
    (m) => relPath === m[1] || relPath.startsWith(`${m[1]}/`),
  );
}

/** Stack combinations analyzed per recipe; the rest are counted in a finding. */
export const MAX_COMBINATIONS = 256;

function fileReferences(recipe: Recipe, read: (f: string) => SourceFile | null): FileReference[] {
  const out: FileReference[] = [];
  const seen = new Set<string>();
  for (const cf of recipe.composeFiles) {
    for (const [kind, entries] of [
      ["config", cf.configs],
      ["secret", cf.secrets],
    ] as const) {
      for (const entry of entries) {
        if (!entry.file) continue;
        const ref: FileReference = { kind, entry, composeFile: cf, absPath: null, source: null };
        out.push(ref);
        const p = entry.file.value;
        if (p.includes("$")) continue; // interpolated at deploy time: nothing to resolve statically
        const problem = (message: string, key: string) =>
          recipe.problems.push({
            kind: "bad-reference",
            recipe: recipe.name,
            root: "recipes",
            file: cf.source.path,
            source: cf.source,
            range: entry.file!.range,
            message,
            key: `${key}:${cf.name}:${entry.name}`,
          });
        const abs = isAbsolute(p) ? p : resolve(recipe.dir, p);
        if (!isInside(recipe.dir, abs)) {
          problem(`${kind} \`${entry.name}\` file ${p} escapes the recipe folder; it was not read`, "escape");
          continue;
        }
        if (!existsSync(abs)) {
          // A file of a git submodule that is not checked out: present in a recursive clone.
          if (inSubmodule(recipe.dir, relative(recipe.dir, abs).split(sep).join("/"))) continue;
          let dangling = false;
          try {
            dangling = lstatSync(abs).isSymbolicLink();
          } catch {
            dangling = false;
          }
          problem(
            dangling
              ? `${kind} \`${entry.name}\` file ${p} is a dangling symlink`
              : `${kind} \`${entry.name}\` file ${p} does not exist`,
            "missing",
          );
          continue;
        }
        let real: string;
        try {
          real = realpathSync.native(abs);
        } catch {
          problem(`${kind} \`${entry.name}\` file ${p} cannot be resolved`, "unresolvable");
          continue;
        }
        if (!isInside(realpathSync.native(recipe.dir), real)) {
          problem(
            `${kind} \`${entry.name}\` file ${p} is a symlink to ${real}, outside the recipe folder; it was not read`,
            "escape",
          );
          continue;
        }
        ref.absPath = abs;
        const relPath = relative(recipe.dir, abs).split(sep).join("/");
        if (seen.has(relPath)) {
          ref.source = out.find((r) => r.source && r.absPath === abs)?.source ?? null;
          continue;
        }
        seen.add(relPath);
        if (statSync(real).isFile()) ref.source = read(relPath);
      }
    }
  }
  return out;
}

/**
 * Reads a file of the recipe, following a symlink only when it stays inside the recipe.
 * Returns null when the file is absent.
 */
function readInside(recipe: Recipe, abs: string, relPath: string) {
  let st;
  try {
    st = lstatSync(abs);
  } catch {
    return null;
  }
  if (st.isSymbolicLink()) {
    let real: string;
    try {
      real = realpathSync.native(abs);
    } catch {
      return {
        kind: "not-a-file" as const,
        message: `${relPath} is a dangling symlink`,
        byteOffset: 0,
        position: { line: 1, column: 1 },
      };
    }
    if (!isInside(realpathSync.native(recipe.dir), real)) {
      return {
        kind: "not-a-file" as const,
        message: `${relPath} is a symlink to ${real}, outside the recipe folder; it was not read`,
        byteOffset: 0,
        position: { line: 1, column: 1 },
      };
    }
    const r = readSource(real, relPath, undefined, recipe.dir);
    if (!isReadFailure(r)) r.absPath = abs;
    return r;
  }
  return readSource(abs, relPath, undefined, recipe.dir);
}

/**
 * The base file and overlays a kind reads: abra's `compose.yml` + `compose.*.yml`; a stack's
 * stack-named file (or its compose file) + its overlays; a compose project's `compose.yml` or
 * `docker-compose.yml` + the overlays named after it.
 */
function stackFiles(kind: FolderKind, files: string[]): [string | undefined, string[]] {
  const pick = (bases: string[], overlay: RegExp): [string | undefined, string[]] => {
    const base = bases.find((f) => files.includes(f));
    return [base, base ? files.filter((f) => overlay.test(f) && f !== base).sort() : []];
  };
  if (kind === "abra-recipe") {
    const r = pick(ABRA_BASE, ABRA_OVERLAY);
    return r[0] ? r : pick(PLAIN_BASE, PLAIN_OVERLAY);
  }
  if (kind === "swarm-stack") {
    const stacks = files
      .filter((f) => STACK_FILE.test(f))
      .sort((a, b) => a.length - b.length || (a < b ? -1 : 1));
    // Several stack files side by side are several stacks (`stack-proxy.yml`, `stack-voting.yml`): each
    // is read, and judged alone (see `combinations`), never merged as overlays of the first.
    if (stacks.length > 0) return [stacks[0], stacks.slice(1)];
  }
  const abra = pick(ABRA_BASE, ABRA_OVERLAY);
  if (abra[0]) return abra;
  const plain = pick(PLAIN_BASE, PLAIN_OVERLAY);
  if (plain[0]) return plain;
  return [files.filter(isComposeName).sort()[0], []];
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

/** Path of a recipe file relative to the analyzed root. */
export function recipePath(recipe: Recipe, file: string): string {
  return recipe.relDir ? `${recipe.relDir}/${file}` : file;
}
