/**
 * What the analyze cache (pipeline/cache.ts) keys a run by, and how it tells a run directory is still
 * what it wrote: digests of file contents, of the compiled redfix, of the external programs, of the
 * config file. Only the file system and hashing here: a cache hit loads nothing of the analysis.
 */
import { createHash, type Hash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, readlinkSync, statSync, type Dirent } from "node:fs";
import { delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { PACKAGE_ROOT } from "../core/package.js";
import { findConfig, insideRecipe } from "../load/config-file.js";

export function digest(...parts: (string | Uint8Array)[]): string {
  const h = createHash("sha256");
  for (const p of parts) h.update(p).update("\0");
  return h.digest("hex");
}

/** A folder's entries in name order; null when it cannot be read. */
function entriesOf(dir: string): Dirent[] | null {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return null;
  }
  return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** `join(dir, name)` for a resolved `dir` and a name from it, by concatenation (join normalizes). */
function child(dir: string, name: string): string {
  return dir.endsWith("/") ? dir + name : `${dir}/${name}`;
}

/**
 * Every file under `root` by path and contents, in name order. Of a git folder only the files that
 * say which commits and tags there are: objects are immutable, and walking them would cost more
 * than the analysis. A symlink is hashed as its target's text, not followed. With `folders`, each
 * top-level folder (a recipe) is digested on its own and recorded there, for the incremental cache.
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
      const path = child(dir, e.name);
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.name === ".git") gitDigest(h, path, r);
      else if (e.isDirectory() && folders && !rel) {
        const sub = treeDigest(path);
        folders.set(path, sub);
        h.update(`${r}\0folder\0${sub}\0`);
      } else if (e.isDirectory()) walk(path, r);
      else if (e.isFile()) fileDigest(h, path, r);
      else if (e.isSymbolicLink()) h.update(`${r}\0symlink\0${linkText(path)}\0`);
      else h.update(`${r}\0other\0`);
    }
  };
  walk(resolve(root), "");
  return h.digest("hex");
}

function linkText(path: string): string {
  try {
    return readlinkSync(path);
  } catch (e) {
    return `unreadable ${(e as NodeJS.ErrnoException).code}`;
  }
}

function fileDigest(h: Hash, path: string, rel: string): void {
  try {
    const bytes = readFileSync(path);
    h.update(`${rel}\0${bytes.length}\0`).update(bytes);
  } catch (e) {
    h.update(`${rel}\0unreadable ${(e as NodeJS.ErrnoException).code}`);
  }
  h.update("\0");
}

function gitDigest(h: Hash, dotGit: string, rel: string): void {
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
    for (const e of entriesOf(dir) ?? []) {
      if (e.isDirectory()) refs(join(dir, e.name), `${r}/${e.name}`);
      else if (e.isFile()) fileDigest(h, join(dir, e.name), `${r}/${e.name}`);
    }
  };
  refs(join(gitDir, "refs"), `${rel}/refs`);
}

/** The path (below `dir`), size and mtime of each file under `dir`, in name order, into `h`. */
function statDigest(h: Hash, dir: string, only?: (e: Dirent) => boolean): void {
  const walk = (d: string, rel: string): void => {
    for (const e of entriesOf(d) ?? []) {
      const p = child(d, e.name);
      if (e.isDirectory()) walk(p, `${rel}${e.name}/`);
      else if (!only || only(e)) {
        const st = statSync(p, { throwIfNoEntry: false });
        if (st) h.update(`${rel}${e.name}\0${st.size}\0${st.mtimeMs}\0`);
      }
    }
  };
  walk(resolve(dir), "");
}

/**
 * The compiled redfix that runs, by the size and mtime of its files and templates: a rebuild with
 * the same version number must not reuse results of the code before it.
 */
let build: string | null = null;
export function buildStamp(): string {
  if (build) return build;
  const code = dirname(dirname(fileURLToPath(import.meta.url)));
  const h = createHash("sha256");
  // What the result and the run directory depend on; not the CLI, verify or apply.
  for (const d of ["core", "harness", "load", "analyzers", "codemods", "reports", "pipeline"]) {
    h.update(`${d}\0`);
    statDigest(h, join(code, d), (e) => e.isFile());
  }
  h.update("templates\0");
  statDigest(h, join(PACKAGE_ROOT, "templates"), (e) => e.isFile());
  build = h.digest("hex");
  return build;
}

/**
 * The external programs analyze runs, by where they are on PATH, size and mtime: installing caddy
 * turns RF120's skipped checks into real ones, so the cached result of a run without it is stale.
 */
const TOOLS = ["caddy", "git"];
export function toolStamp(): string[] {
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
export function outputStamp(dir: string): string {
  const h = createHash("sha256");
  statDigest(h, dir);
  return h.digest("hex");
}

/**
 * The config file a run of these options reads, found as load/config.ts finds it (`--config`, else
 * the first `redfix.config.yaml` from `cwd` upward, else the analyzed folder's), by its path, its
 * bytes and the recipe folder it lies in (which makes it untrusted). With the build stamp (which
 * covers the profiles and options defined in code) and the options, this stands for the resolved
 * config without parsing it. A `--config` that does not exist or cannot be read keys nothing a run
 * ever stored: the miss then fails as a run without the cache does.
 */
export function configStamp(recipes: string, explicit: string | undefined, cwd: string | undefined): string {
  if (explicit && !existsSync(explicit)) return `missing\0${explicit}`;
  const path = explicit ?? findConfig(recipes, cwd);
  if (!path) return "none";
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    return `unreadable\0${path}\0${(e as NodeJS.ErrnoException).code}`;
  }
  return digest(path, bytes, explicit ? "explicit" : (insideRecipe(path) ?? ""));
}
