/**
 * Test support for `redfix apply`: a workspace of real git repos (two recipes and a harness, each with
 * a bare remote) and a run directory over them, built from test/fixtures/apply; snapshots of a repo's
 * refs, index and files to prove that nothing was touched.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, sep } from "node:path";
import { PACKAGE_ROOT } from "../../core/package.js";
import type { ApplyOptions } from "../../apply/apply.js";
import { GIT_ENV, git as gitIn } from "../support/workspace.js";

export const FIXTURES = join(PACKAGE_ROOT, "test", "fixtures", "apply");

export { GIT_ENV } from "../support/workspace.js";

/** git in a test repo, its output trimmed. */
export function git(cwd: string, ...args: string[]): string {
  return gitIn(cwd, ...args).trim();
}

export interface Workspace {
  root: string;
  recipes: string;
  harness: string;
  run: string;
  repo: { discourse: string; gitea: string; ccci: string };
  remote: { discourse: string; gitea: string; ccci: string };
  cleanup(): void;
}

export function makeWorkspace(): Workspace {
  const root = mkdtempSync(join(tmpdir(), "redfix-apply-test-"));
  const recipes = join(root, "recipes");
  const harness = join(root, "cc-ci");
  cpSync(join(FIXTURES, "recipes"), recipes, { recursive: true });
  cpSync(join(FIXTURES, "cc-ci"), harness, { recursive: true });
  const repo = { discourse: join(recipes, "discourse"), gitea: join(recipes, "gitea"), ccci: harness };
  const remote = {
    discourse: join(root, "remotes", "discourse.git"),
    gitea: join(root, "remotes", "gitea.git"),
    ccci: join(root, "remotes", "cc-ci.git"),
  };
  for (const key of ["discourse", "gitea", "ccci"] as const) {
    git(root, "init", "-q", "--bare", "-b", "main", remote[key]);
    git(repo[key], "init", "-q", "-b", "main");
    git(repo[key], "add", "-A");
    git(repo[key], "commit", "-q", "-m", "initial");
    git(repo[key], "remote", "add", "origin", remote[key]);
    git(repo[key], "push", "-q", "origin", "main");
  }
  const run = join(root, "run");
  cpSync(join(FIXTURES, "run"), run, { recursive: true });
  const runJson = {
    tool: { name: "redfix", version: "0.1.0" },
    roots: { recipes, harness },
    repos: [
      { name: "cc-ci", kind: "harness", path: harness },
      { name: "discourse", kind: "recipe", path: repo.discourse },
      { name: "gitea", kind: "recipe", path: repo.gitea },
    ],
  };
  writeFileSync(join(run, "run.json"), `${JSON.stringify(runJson, null, 2)}\n`);
  return {
    root,
    recipes,
    harness,
    run,
    repo,
    remote,
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** Everything `redfix apply` could change in a repo: HEAD, every ref, the index, the files, the status. */
export function snapshot(dir: string): string {
  const bare = git(dir, "rev-parse", "--is-bare-repository") === "true";
  const state: Record<string, unknown> = {
    refs: git(dir, "for-each-ref", "--format=%(refname) %(objectname)"),
  };
  if (!bare) {
    state.head = `${git(dir, "rev-parse", "HEAD")} ${git(dir, "rev-parse", "--symbolic-full-name", "HEAD")}`;
    state.status = git(dir, "status", "--porcelain=v1", "--untracked-files=all");
    state.index = hash(readFileSync(join(dir, ".git", "index")));
    state.files = [...files(dir)].map(([p, h]) => `${p} ${h}`);
  }
  return JSON.stringify(state, null, 1);
}

function files(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      if (name === ".git") continue;
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(relative(dir, p).split(sep).join("/"), hash(readFileSync(p)));
    }
  };
  walk(dir);
  return out;
}

function hash(b: Buffer): string {
  return createHash("sha256").update(b).digest("hex").slice(0, 16);
}

/** Options for applyPlan with the test identity, printing into `lines`. */
export function applyOptions(lines: string[], over: Partial<ApplyOptions> = {}): ApplyOptions {
  return {
    dryRun: false,
    pr: "none",
    tokenEnv: "REDFIX_GITEA_TOKEN",
    agitDescription: "base64",
    env: {},
    gitEnv: GIT_ENV,
    print: (l) => lines.push(l),
    ...over,
  };
}

/** A file's text at a ref. */
export function show(dir: string, ref: string, path: string): string {
  return execFileSync("git", ["show", `${ref}:${path}`], { cwd: dir, encoding: "utf8", timeout: 30_000 });
}

/** The files a patch series gives when applied with plain `git apply` to a scratch copy of the base. */
export function expectedAfter(dir: string, base: string, patches: string[], path: string): string {
  const scratch = mkdtempSync(join(tmpdir(), "redfix-apply-expected-"));
  try {
    git(scratch, "init", "-q");
    git(scratch, "fetch", "-q", dir, base);
    git(scratch, "checkout", "-q", "FETCH_HEAD");
    for (const p of patches) git(scratch, "apply", p);
    return readFileSync(join(scratch, path), "utf8");
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
