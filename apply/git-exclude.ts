/**
 * A run directory inside a git work tree (analyze run in a recipe repo, `.redfix/run` by default) is
 * not the user's change: it is listed in that repo's `.git/info/exclude`, which stays local, rather
 * than in a `.gitignore` that would have to be committed.
 */
import { existsSync, mkdirSync, readFileSync, statSync, appendFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";

export function excludeFromRepo(dir: string): void {
  const target = resolve(dir);
  let root: string | null = null;
  for (let d = target; ; d = dirname(d)) {
    if (existsSync(join(d, ".git"))) {
      root = d;
      break;
    }
    if (dirname(d) === d) break;
  }
  if (!root || root === target) return;
  const gitDir = commonGitDir(root);
  if (!gitDir) return;
  const file = join(gitDir, "info", "exclude");
  const pattern = `/${relative(root, target).split(sep).map(escapePattern).join("/")}/`;
  const text = existsSync(file) ? readFileSync(file, "utf8") : "";
  if (text.split("\n").includes(pattern)) return;
  mkdirSync(dirname(file), { recursive: true });
  appendFileSync(file, `${text === "" || text.endsWith("\n") ? "" : "\n"}${pattern}\n`);
}

/** `.git` itself, or for a linked worktree (`.git` is a `gitdir:` file) the repository's common dir. */
function commonGitDir(root: string): string | null {
  const dotGit = join(root, ".git");
  if (statSync(dotGit).isDirectory()) return dotGit;
  const m = /^gitdir:\s*(.+?)\s*$/m.exec(readFileSync(dotGit, "utf8"));
  if (!m) return null;
  const gitDir = resolve(root, m[1]!);
  const common = join(gitDir, "commondir");
  return existsSync(common) ? resolve(gitDir, readFileSync(common, "utf8").trim()) : gitDir;
}

/** A path segment as a gitignore pattern matches it literally: glob characters, `#`, `!` escaped. */
function escapePattern(segment: string): string {
  return segment.replace(/[\\*?[\]!#]/g, (c) => `\\${c}`).replace(/ $/, "\\ ");
}
