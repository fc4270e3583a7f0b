/** Test support: temp dirs, git repos, and running analyze on a tree. */
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, sep } from "node:path";

export const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: "redfix test",
  GIT_AUTHOR_EMAIL: "test@redfix.invalid",
  GIT_COMMITTER_NAME: "redfix test",
  GIT_COMMITTER_EMAIL: "test@redfix.invalid",
  GIT_AUTHOR_DATE: "2026-01-01T00:00:00Z",
  GIT_COMMITTER_DATE: "2026-01-01T00:00:00Z",
  GIT_CONFIG_NOSYSTEM: "1",
  HOME: tmpdir(),
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
    env: GIT_ENV,
    encoding: "utf8",
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
