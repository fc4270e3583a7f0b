/**
 * Release tags of a recipe repo, read from `.git` directly: a spawn of git per recipe would dominate
 * the analysis of a large workspace. Loose tag refs name an object whose type (annotated `tag` or
 * lightweight `commit`) is read from its zlib header; packed refs carry a `^` peeled line after
 * annotated tags. Objects only in packs fall back to one `git for-each-ref` call.
 */
import { existsSync, lstatSync, readdirSync, readFileSync, realpathSync } from "node:fs";
import { join, resolve } from "node:path";
import { isInside } from "../core/paths.js";
import { readFileSafe } from "../core/safe-file.js";
import { inflateSync } from "node:zlib";
import { execFileSync } from "node:child_process";

export interface GitTag {
  name: string;
  annotated: boolean;
  /** The object the ref names (a tag object or a commit). */
  object: string;
}

export interface GitInfo {
  gitDir: string;
  tags: GitTag[];
  /** `remote.origin.url` when set. */
  originUrl: string | null;
}

export function readGitInfo(repoDir: string): GitInfo | null {
  const gitDir = resolveGitDir(repoDir);
  if (!gitDir) return null;
  const tags = new Map<string, GitTag>();
  let unknown = false;
  const packed = join(gitDir, "packed-refs");
  if (existsSync(packed)) {
    const lines = gitFile(gitDir, packed).split("\n");
    let last: GitTag | null = null;
    for (const line of lines) {
      if (line.startsWith("^") && last) {
        last.annotated = true;
        continue;
      }
      const m = /^([0-9a-f]{40,64}) refs\/tags\/(.+)$/.exec(line);
      last = null;
      if (m) {
        const tag: GitTag = { name: m[2]!, annotated: false, object: m[1]! };
        tags.set(tag.name, tag);
        last = tag;
      }
    }
  }
  const tagDir = join(gitDir, "refs", "tags");
  for (const name of listRefs(tagDir, "")) {
    const object = gitFile(gitDir, join(tagDir, name)).trim();
    const type = looseObjectType(gitDir, object);
    if (type === null) unknown = true;
    tags.set(name, { name, object, annotated: type === "tag" });
  }
  if (unknown) {
    for (const t of gitForEachRef(repoDir)) tags.set(t.name, t);
  }
  return {
    gitDir,
    tags: [...tags.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    originUrl: readOriginUrl(gitDir),
  };
}

/**
 * The repo's git directory, only when it is inside the recipe: a `.git` file's `gitdir:` or a `.git`
 * symlink that leads elsewhere (another repo's tags and origin) is not followed.
 */
function resolveGitDir(repoDir: string): string | null {
  const dotGit = join(repoDir, ".git");
  try {
    const st = lstatSync(dotGit);
    let dir: string | null = null;
    if (st.isDirectory()) return dotGit;
    if (st.isSymbolicLink()) dir = dotGit;
    else if (st.isFile() && st.size < 4096) {
      const m = /^gitdir: (.+)$/m.exec(readFileSync(dotGit, "utf8"));
      dir = m ? resolve(repoDir, m[1]!.trim()) : null;
    }
    if (!dir) return null;
    const real = realpathSync(dir);
    return isInside(realpathSync(repoDir), real) ? real : null;
  } catch {
    return null;
  }
}

/**
 * The git commands analyze runs on a recipe repo: no shell, a fixed environment with no global or
 * system config, fsmonitor and hooks off, `--end-of-options` before anything taken from the repo.
 */
function gitEnv(): Record<string, string> {
  return {
    PATH: process.env.PATH || "/usr/bin:/bin",
    HOME: "/nonexistent",
    LC_ALL: "C",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_TERMINAL_PROMPT: "0",
  };
}
const GIT_SAFE = [
  "-c",
  "core.fsmonitor=false",
  "-c",
  "core.hooksPath=/dev/null",
  "-c",
  "protocol.allow=never",
];

/** A file of the git directory through the safe reader (no FIFO, no link out, a size cap); "" otherwise. */
function gitFile(gitDir: string, file: string): string {
  const r = readFileSafe(file, { root: gitDir, maxBytes: 16 * 1024 * 1024 });
  return r.ok ? r.bytes.toString("utf8") : "";
}

function listRefs(dir: string, prefix: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const e of entries) {
    if (e.isDirectory()) out.push(...listRefs(join(dir, e.name), `${prefix}${e.name}/`));
    else if (e.isFile()) out.push(`${prefix}${e.name}`);
  }
  return out;
}

function looseObjectType(gitDir: string, sha: string): string | null {
  try {
    if (!/^[0-9a-f]{40,64}$/.test(sha)) return null;
    const r = readFileSafe(join(gitDir, "objects", sha.slice(0, 2), sha.slice(2)), {
      root: gitDir,
      maxBytes: 64 * 1024 * 1024,
    });
    if (!r.ok) return null;
    const raw = r.bytes;
    const head = inflateSync(raw, { finishFlush: 2 /* Z_SYNC_FLUSH: only the header is needed */ })
      .subarray(0, 16)
      .toString("latin1");
    return head.split(" ")[0] ?? null;
  } catch {
    return null;
  }
}

function gitForEachRef(repoDir: string): GitTag[] {
  try {
    const out = execFileSync(
      "git",
      [...GIT_SAFE, "for-each-ref", "--format=%(refname:strip=2) %(objecttype) %(objectname)", "refs/tags"],
      { cwd: repoDir, encoding: "utf8", timeout: 10_000, stdio: ["ignore", "pipe", "ignore"], env: gitEnv() },
    );
    return out
      .split("\n")
      .filter(Boolean)
      .map((l) => {
        const [name = "", type = "", object = ""] = l.split(" ");
        return { name, annotated: type === "tag", object };
      });
  } catch {
    return [];
  }
}

function readOriginUrl(gitDir: string): string | null {
  try {
    const cfg = gitFile(gitDir, join(gitDir, "config"));
    const m = /\[remote "origin"\][^[]*?\burl\s*=\s*(\S+)/.exec(cfg);
    return m ? m[1]! : null;
  } catch {
    return null;
  }
}

/** `compose.yml` as it is at a tag, for rules that judge releases (RF204). */
export function showFileAtRef(repoDir: string, ref: string, path: string): string | null {
  try {
    return execFileSync("git", [...GIT_SAFE, "show", "--no-textconv", "--end-of-options", `${ref}:${path}`], {
      cwd: repoDir,
      env: gitEnv(),
      encoding: "utf8",
      timeout: 10_000,
      stdio: ["ignore", "pipe", "ignore"],
      maxBuffer: 4 * 1024 * 1024,
    });
  } catch {
    return null;
  }
}

const atRef = new Map<string, string | null>();

/**
 * A file's content at a tag, read lazily and once per process (RF140 compares config files with the
 * last release). Tags are immutable, so the cache never goes stale; null when git or the file is absent.
 */
export function fileAtTag(repoDir: string, tag: string, path: string): string | null {
  const key = `${repoDir}\0${tag}\0${path}`;
  if (!atRef.has(key)) atRef.set(key, showFileAtRef(repoDir, `refs/tags/${tag}`, path));
  return atRef.get(key) ?? null;
}
