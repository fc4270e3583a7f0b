/**
 * The workspace model: every recipe under the analyzed folder, each file read and parsed once.
 * Loading never throws on bad input: unreadable or unparsable files and references that escape a
 * recipe become load problems (RF001/RF002 findings), and everything else is still loaded.
 */
import { isInside } from "../core/paths.js";
import { existsSync, lstatSync, readdirSync, realpathSync, statSync } from "node:fs";
import { basename, isAbsolute, join, relative, resolve, sep } from "node:path";
import type { RootName } from "../core/finding.js";
import type { HarnessModel } from "../harness/model.js";
import { parseComposeFile } from "./compose.js";
import type { ComposeFile, TopLevelEntry } from "./compose.js";
import type { RedfixConfig } from "./config.js";
import { excludeMatcher } from "./config.js";
import { composeFileCombinations, parseAbraSh, parseEnvSample } from "./env.js";
import type { AbraScript, EnvSample } from "./env.js";
import { readGitInfo } from "./git.js";
import type { GitInfo } from "./git.js";
import { mergeStack } from "./merge.js";
import type { StackCombination } from "./merge.js";
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
}

export interface Recipe {
  name: string;
  /** Absolute path of the recipe folder (the root of its repo). */
  dir: string;
  /** The recipe folder relative to the analyzed root (`""` when the root is the recipe). */
  relDir: string;
  kind: "abra" | "compose";
  composeFiles: ComposeFile[];
  base: ComposeFile | null;
  overlays: ComposeFile[];
  combinations: StackCombination[];
  envSample: EnvSample | null;
  abraSh: AbraScript | null;
  readme: SourceFile | null;
  fileRefs: FileReference[];
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
}

const COMPOSE_BASE = ["compose.yml", "compose.yaml"];
const PLAIN_BASE = ["docker-compose.yml", "docker-compose.yaml"];
const OVERLAY = /^compose\.[^/]+\.ya?ml$/;
const PLAIN_OVERLAY = /^docker-compose\.[^/]+\.ya?ml$/;

export function isRecipeDir(dir: string): boolean {
  return [...COMPOSE_BASE, ...PLAIN_BASE].some((f) => existsSync(join(dir, f)));
}

export function loadWorkspace(rootArg: string, config: RedfixConfig): Workspace {
  const root = resolve(rootArg);
  const excluded = excludeMatcher(config);
  const ws: Workspace = { root, recipes: [], harness: null, config, problems: [] };
  if (isRecipeDir(root)) {
    ws.recipes.push(loadRecipe(root, "", basename(root), excluded));
    return ws;
  }
  let entries: string[] = [];
  try {
    entries = readdirSync(root).sort();
  } catch (e) {
    throw new Error(`cannot read ${rootArg}: ${(e as Error).message}`);
  }
  for (const name of entries) {
    if (name.startsWith(".") || name === "node_modules" || excluded(name)) continue;
    const dir = join(root, name);
    let st;
    try {
      st = lstatSync(dir);
    } catch {
      continue;
    }
    if (st.isSymbolicLink()) {
      if (isRecipeDir(dir)) {
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
    if (st.isDirectory() && isRecipeDir(dir)) ws.recipes.push(loadRecipe(dir, name, name, excluded));
  }
  return ws;
}

function loadRecipe(dir: string, relDir: string, name: string, excluded: (p: string) => boolean): Recipe {
  const recipe: Recipe = {
    name,
    dir,
    relDir,
    kind: COMPOSE_BASE.some((f) => existsSync(join(dir, f))) ? "abra" : "compose",
    composeFiles: [],
    base: null,
    overlays: [],
    combinations: [],
    envSample: null,
    abraSh: null,
    readme: null,
    fileRefs: [],
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

  const files = safeList(dir);
  const [baseNames, overlayPattern] =
    recipe.kind === "abra" ? [COMPOSE_BASE, OVERLAY] : [PLAIN_BASE, PLAIN_OVERLAY];
  const baseName = baseNames.find((f) => files.includes(f));
  const overlayNames = files.filter((f) => overlayPattern.test(f) && f !== baseName).sort();
  for (const f of [baseName, ...overlayNames]) {
    if (!f) continue;
    const src = read(f);
    if (!src) continue;
    const cf = parseComposeFile(src, f);
    for (const p of cf.problems) {
      recipe.problems.push({
        kind: "unparsable",
        recipe: name,
        root: "recipes",
        file: src.path,
        source: src,
        range: p.range,
        message: p.message,
        key: `parse:${f}:${p.message}`,
      });
    }
    recipe.composeFiles.push(cf);
    if (f === baseName) recipe.base = cf;
    else recipe.overlays.push(cf);
  }

  if (files.includes(".env.sample")) {
    const src = read(".env.sample");
    if (src) recipe.envSample = parseEnvSample(src);
  }
  if (files.includes("abra.sh")) {
    const src = read("abra.sh");
    if (src) recipe.abraSh = parseAbraSh(src);
  }
  if (files.includes("README.md")) recipe.readme = read("README.md");

  recipe.combinations = combinations(recipe);
  recipe.fileRefs = fileReferences(recipe, read);
  // Most recipes of a large workspace are not clones: skip the failing stat of a missing `.git`.
  recipe.git = files.includes(".git") ? readGitInfo(dir) : null;
  return recipe;
}

/**
 * The overlay combinations judged: the base alone, the base with each overlay, and every
 * `COMPOSE_FILE` named in `.env.sample` (commented lines too). Combinations holding a file that
 * did not parse are left out: judging them would report the parse error again as missing services.
 */
function combinations(recipe: Recipe): StackCombination[] {
  const usable = (f: ComposeFile) => f.problems.length === 0;
  const byName = new Map(recipe.composeFiles.map((f) => [f.name, f]));
  const out: StackCombination[] = [];
  const seen = new Set<string>();
  const add = (files: ComposeFile[], origin: StackCombination["origin"]) => {
    const id = files.map((f) => f.name).join(":");
    if (seen.has(id) || !files.every(usable)) return;
    seen.add(id);
    out.push(mergeStack(files, origin));
  };
  if (recipe.base) {
    add([recipe.base], "base");
    for (const o of recipe.overlays) add([recipe.base, o], "overlay");
  }
  for (const c of recipe.envSample ? composeFileCombinations(recipe.envSample) : []) {
    const files: ComposeFile[] = [];
    let complete = true;
    for (const name of c.files) {
      const f = byName.get(name);
      if (f) {
        files.push(f);
        continue;
      }
      complete = false;
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
    if (complete) add(files, "env-sample");
  }
  return out;
}

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
          real = realpathSync(abs);
        } catch {
          problem(`${kind} \`${entry.name}\` file ${p} cannot be resolved`, "unresolvable");
          continue;
        }
        if (!isInside(realpathSync(recipe.dir), real)) {
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
      real = realpathSync(abs);
    } catch {
      return {
        kind: "not-a-file" as const,
        message: `${relPath} is a dangling symlink`,
        byteOffset: 0,
        position: { line: 1, column: 1 },
      };
    }
    if (!isInside(realpathSync(recipe.dir), real)) {
      return {
        kind: "not-a-file" as const,
        message: `${relPath} is a symlink to ${real}, outside the recipe folder; it was not read`,
        byteOffset: 0,
        position: { line: 1, column: 1 },
      };
    }
    const r = readSource(real, relPath);
    if (!isReadFailure(r)) r.absPath = abs;
    return r;
  }
  return readSource(abs, relPath);
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
