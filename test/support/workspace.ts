/** Test support: temp dirs, git repos, and running analyze on a tree. */
import { execFileSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, sep } from "node:path";

/** A fixed identity and dates, and no user or system config: commits are reproducible. */
export const GIT_ENV: Record<string, string> = {
  GIT_AUTHOR_NAME: "redfix test",
  GIT_AUTHOR_EMAIL: "test@redfix.invalid",
  GIT_COMMITTER_NAME: "redfix test",
  GIT_COMMITTER_EMAIL: "test@redfix.invalid",
  GIT_AUTHOR_DATE: "2026-01-01T00:00:00Z",
  GIT_COMMITTER_DATE: "2026-01-01T00:00:00Z",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
};

export function tempDir(prefix = "redfix-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", args, {
    cwd,
    env: { ...process.env, HOME: tmpdir(), ...GIT_ENV },
    encoding: "utf8",
    timeout: 30_000,
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/**
 * Copies a fixture tree into a fresh temp dir and makes it a git repo with one commit; a folder of
 * recipes becomes one repo per recipe, as recipes are in real life.
 */
export function repoFrom(fixture: string): string {
  const dir = tempDir();
  cpSync(fixture, dir, { recursive: true });
  const isRecipe = (d: string) =>
    ["compose.yml", "compose.yaml", "docker-compose.yml"].some((f) => existsSync(join(d, f)));
  const repos = isRecipe(dir)
    ? [dir]
    : readdirSync(dir)
        .map((n) => join(dir, n))
        .filter((d) => statSync(d).isDirectory() && isRecipe(d));
  for (const r of repos) {
    git(r, "init", "-q", "-b", "main");
    git(r, "add", "-A");
    git(r, "commit", "-q", "-m", "fixture");
  }
  return dir;
}

/** Every file of a tree (not `.git`), as relative path → bytes. */
export function treeFiles(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      if (name === ".git") continue;
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(relative(dir, p).split(sep).join("/"), readFileSync(p));
    }
  };
  walk(dir);
  return out;
}

/** Where the fixtures are: the source tree, not `dist/`. */
export const FIXTURES = join(process.cwd(), "test", "fixtures");

export interface HarnessLayout {
  recipes: string;
  harness: string;
  dispose(): void;
}

/**
 * Lays out a recipes tree and a harness tree side by side in a temp folder, as cc-ci sees them:
 * each recipe a git repo whose `releases/<tag>/compose.yml` become tagged commits (the head's
 * compose.yml last), and a copy of the harness, a git repo of its own when `harnessRepo`.
 */
export function harnessLayout(
  harnessTree: string,
  recipesTree: string,
  { harnessRepo }: { harnessRepo: boolean },
): HarnessLayout {
  const root = mkdtempSync(join(tmpdir(), "redfix-harness-"));
  const recipes = join(root, "recipes");
  for (const name of readdirSync(recipesTree)) {
    const src = join(recipesTree, name);
    if (!statSync(src).isDirectory()) continue;
    const dest = join(recipes, name);
    cpSync(src, dest, { recursive: true, filter: (p) => !p.startsWith(join(src, "releases")) });
    git(dest, "init", "--quiet", "--initial-branch=main");
    git(dest, "config", "core.autocrlf", "false");
    const releases = join(src, "releases");
    if (existsSync(releases)) {
      const head = readFileSync(join(dest, "compose.yml"), "utf8");
      for (const tag of readdirSync(releases).sort()) {
        writeFileSync(join(dest, "compose.yml"), readFileSync(join(releases, tag, "compose.yml")));
        git(dest, "add", "-A");
        git(dest, "commit", "--quiet", "--allow-empty", "-m", `release ${tag}`);
        git(dest, "tag", "-a", tag, "-m", tag);
      }
      writeFileSync(join(dest, "compose.yml"), head);
    }
    git(dest, "add", "-A");
    git(dest, "commit", "--quiet", "--allow-empty", "-m", "head");
  }
  const harness = join(root, "cc-ci");
  cpSync(harnessTree, harness, { recursive: true });
  if (harnessRepo) {
    git(harness, "init", "--quiet", "--initial-branch=main");
    git(harness, "config", "core.autocrlf", "false");
    git(harness, "add", "-A");
    git(harness, "commit", "--quiet", "-m", "harness");
  }
  return { recipes, harness, dispose: () => rmSync(root, { recursive: true, force: true }) };
}
