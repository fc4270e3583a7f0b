#!/usr/bin/env node
// `node scripts/layout-examples.mjs <dest>`: lays out the bundled example workspace as the git
// repositories it models. A repository cannot hold nested repositories, so `examples/recipes/<name>`
// and `examples/cc-ci` are plain folders here; this copies them to `<dest>/recipes/<name>` and
// `<dest>/cc-ci` and makes each a repository with its history of releases: one commit per file in the
// recipe's `release/` folder, oldest first, each tagged with an annotated `x.y.z+<upstream>` tag.
// Author, committer, dates and configuration are fixed, so two runs give the same commits and tags.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const EXAMPLES = resolve(dirname(fileURLToPath(import.meta.url)), "..", "examples");
const IDENTITY = { name: "Co-op Cloud Example Maintainer", email: "maintainers@example.coopcloud.tech" };
// 2026-01-01T00:00:00Z; each commit is one day after the previous one of its repository.
const EPOCH = 1767225600;
const DAY = 86400;
const REMOTE_BASE = "https://git.coopcloud.tech/coop-cloud";
const RELEASE = /^(\d+)\.(\d+)\.(\d+)\+(\S+)$/;
const SKIP = new Set(["__pycache__", ".pytest_cache", ".git"]);

function git(cwd, args, day = 0) {
  const when = `${EPOCH + day * DAY} +0000`;
  return execFileSync("git", args, {
    cwd,
    encoding: "utf8",
    timeout: 30_000,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: cwd,
      // The machine's git configuration (signing, hooks, default branch, autocrlf) stays out.
      GIT_CONFIG_GLOBAL: "/dev/null",
      GIT_CONFIG_NOSYSTEM: "1",
      GIT_AUTHOR_NAME: IDENTITY.name,
      GIT_AUTHOR_EMAIL: IDENTITY.email,
      GIT_COMMITTER_NAME: IDENTITY.name,
      GIT_COMMITTER_EMAIL: IDENTITY.email,
      GIT_AUTHOR_DATE: when,
      GIT_COMMITTER_DATE: when,
      TZ: "UTC",
      LC_ALL: "C",
    },
  });
}

function copyTree(from, to) {
  cpSync(from, to, { recursive: true, filter: (src) => !SKIP.has(basename(src)) });
}

function clearWorktree(dir) {
  for (const entry of readdirSync(dir)) if (entry !== ".git") rmSync(join(dir, entry), { recursive: true });
}

function initRepo(dir, name) {
  git(dir, ["init", "--quiet", "--initial-branch=main"]);
  git(dir, ["config", "core.autocrlf", "false"]);
  git(dir, ["config", "core.fileMode", "true"]);
  git(dir, ["remote", "add", "origin", `${REMOTE_BASE}/${name}.git`]);
}

function releasesOf(recipeDir) {
  const notes = join(recipeDir, "release");
  if (!existsSync(notes)) return [];
  return readdirSync(notes)
    .filter((f) => RELEASE.test(f))
    .sort((a, b) => {
      const x = RELEASE.exec(a).slice(1, 4).map(Number);
      const y = RELEASE.exec(b).slice(1, 4).map(Number);
      return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
    });
}

/** The recipe as it was at an earlier release: its version label and image tags at that release,
 * and only the release notes published by then. */
function rewindTo(dir, version, latest, published) {
  const upstream = RELEASE.exec(version)[4];
  const latestUpstream = RELEASE.exec(latest)[4];
  for (const file of readdirSync(dir).filter((f) => /^compose(\..+)?\.ya?ml$/.test(f))) {
    const path = join(dir, file);
    let text = readFileSync(path, "utf8").split(latest).join(version);
    if (upstream !== latestUpstream) text = text.split(`:${latestUpstream}`).join(`:${upstream}`);
    writeFileSync(path, text);
  }
  for (const note of readdirSync(join(dir, "release")))
    if (!published.includes(note)) rmSync(join(dir, "release", note));
}

function layoutRecipe(source, dest) {
  const name = basename(source);
  mkdirSync(dest, { recursive: true });
  initRepo(dest, name);
  const versions = releasesOf(source);
  if (versions.length === 0) {
    copyTree(source, dest);
    git(dest, ["add", "--all"]);
    git(dest, ["commit", "--quiet", "-m", `${name}: initial recipe`]);
    return [];
  }
  const latest = versions.at(-1);
  versions.forEach((version, i) => {
    clearWorktree(dest);
    copyTree(source, dest);
    if (version !== latest) rewindTo(dest, version, latest, versions.slice(0, i + 1));
    git(dest, ["add", "--all"]);
    git(dest, ["commit", "--quiet", "-m", `chore: publish ${version} release`], i);
    git(dest, ["tag", "--annotate", version, "-m", `${name} ${version}`], i);
  });
  return versions;
}

function main() {
  const dest = process.argv[2];
  if (!dest) {
    console.error("usage: node scripts/layout-examples.mjs <dest>");
    process.exit(2);
  }
  const root = resolve(dest);
  if (existsSync(root) && readdirSync(root).length > 0) {
    console.error(`${root} is not empty: lay the examples out into a new or empty folder`);
    process.exit(2);
  }
  const recipesDir = join(EXAMPLES, "recipes");
  for (const name of readdirSync(recipesDir).sort()) {
    const versions = layoutRecipe(join(recipesDir, name), join(root, "recipes", name));
    console.log(`recipes/${name}: ${versions.length > 0 ? versions.join(", ") : "no releases"}`);
  }
  const harness = join(root, "cc-ci");
  mkdirSync(harness, { recursive: true });
  initRepo(harness, "cc-ci");
  copyTree(join(EXAMPLES, "cc-ci"), harness);
  git(harness, ["add", "--all"]);
  git(harness, ["commit", "--quiet", "-m", "cc-ci: recipe CI harness"]);
  console.log("cc-ci: one commit");
}

main();
