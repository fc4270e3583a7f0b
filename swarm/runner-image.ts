/**
 * The runner image `verify --on swarm` replays the bundled example harness in: a Debian bookworm root
 * file system made by `debootstrap --variant=minbase` with what the harness's replays run (pytest and
 * PyYAML, PostgreSQL for the restore tests, murmurd for the Mumble handshake, caddy for `caddy adapt`,
 * git for release tags, bash and coreutils for the entrypoint sandbox), put into an image with
 * `docker import` — no registry anywhere. The root file system is cached as a tarball keyed by
 * everything that shapes it (suite, mirror, packages, trimming), and the image tag is that key: a
 * second build is a `docker image inspect`, a fresh throwaway dockerd needs only `docker import`.
 */
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { runProcess, which } from "../core/process.js";
import { docker } from "./daemon.js";

export const RUNNER_SUITE = "bookworm";
export const RUNNER_MIRROR = "http://deb.debian.org/debian";
/** What the example harness's replays need, and nothing a replay would not use. */
export const RUNNER_PACKAGES = [
  "bash",
  "caddy",
  "ca-certificates",
  "coreutils",
  "git",
  "mumble-server",
  "postgresql",
  "python3",
  "python3-pytest",
  "python3-yaml",
];
/**
 * Removed from the root file system: package caches and lists (no apt-get runs in a replay), docs,
 * and LLVM with its solver (PostgreSQL loads its JIT provider lazily and runs without JIT when it
 * cannot; the harness's queries are far below `jit_above_cost`). With dockerd's vfs storage driver
 * every task copies the whole image, so its size is each replay's start-up cost.
 */
const TRIMMED = [
  "var/cache/apt",
  "var/lib/apt/lists",
  "usr/share/doc",
  "usr/share/man",
  "usr/share/info",
  "usr/share/locale",
  "usr/lib/x86_64-linux-gnu/libLLVM-14.so.1",
  "usr/lib/x86_64-linux-gnu/libz3.so.4",
];
/** Bumped when the way the image is made changes (the key, hence the tag, changes with it). */
const RECIPE_VERSION = 1;
export const RUNNER_REPO = "redfix/runner";

/** The content key of the runner image: the tag's version and the cached tarball's name. */
export function runnerKey(): string {
  const spec = JSON.stringify({
    v: RECIPE_VERSION,
    suite: RUNNER_SUITE,
    mirror: RUNNER_MIRROR,
    packages: [...RUNNER_PACKAGES].sort(),
    trimmed: TRIMMED,
  });
  return createHash("sha256").update(spec).digest("hex").slice(0, 16);
}

export const runnerTag = (key = runnerKey()): string => `${RUNNER_REPO}:${key}`;

/** `$XDG_CACHE_HOME/redfix`, else `~/.cache/redfix`. */
export function cacheDir(): string {
  const xdg = process.env.XDG_CACHE_HOME;
  return join(xdg && xdg.startsWith("/") ? xdg : join(homedir(), ".cache"), "redfix");
}

/** A problem that stops the build (printed as one line, exit 2). */
export class RunnerImageError extends Error {}

export interface BuildOptions {
  /** Make the root file system again even when its tarball is cached. */
  rebuild?: boolean;
  /** Progress lines (what is being done, and how long it took). */
  say?: (line: string) => void;
}

/** Whether the image is on the daemon at `host`. */
export async function hasImage(host: string, image: string): Promise<boolean> {
  const r = await docker(host, ["image", "inspect", "--format", "{{.Id}}", image], 30_000);
  return r.exitCode === 0;
}

/** Builds (or finds) the runner image on the daemon at `host`; returns its tag. */
export async function buildRunnerImage(host: string, opts: BuildOptions = {}): Promise<string> {
  const say = opts.say ?? (() => undefined);
  const key = runnerKey();
  const tag = runnerTag(key);
  if (!opts.rebuild && (await hasImage(host, tag))) {
    say(`${tag} is already on the daemon`);
    return tag;
  }
  const tarball = await runnerTarball(opts);
  const started = Date.now();
  const r = await docker(
    host,
    [
      "import",
      "--change",
      "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
      "--change",
      "ENV LANG=C.UTF-8",
      "--change",
      `LABEL org.redfix.runner=${key}`,
      "--change",
      'CMD ["/bin/bash"]',
      tarball,
      tag,
    ],
    900_000,
  );
  if (r.exitCode !== 0) throw new RunnerImageError(`docker import failed: ${lastLine(r.output)}`);
  say(`imported ${tag} in ${Math.round((Date.now() - started) / 1000)} s`);
  return tag;
}

/** The cached root file system tarball, made first when it is not cached (or `rebuild`). */
export async function runnerTarball(opts: BuildOptions = {}): Promise<string> {
  const say = opts.say ?? (() => undefined);
  const tarball = join(cacheDir(), `runner-${runnerKey()}.tar`);
  if (opts.rebuild || !existsSync(tarball)) await buildRootfs(tarball, say);
  else say(`root file system cached: ${tarball}`);
  return tarball;
}

function lastLine(s: string): string {
  return s.trim().split("\n").filter(Boolean).at(-1) ?? "";
}

/** Why debootstrap cannot run here, or null. */
export function cannotBootstrap(): string | null {
  if (typeof process.getuid === "function" && process.getuid() !== 0) {
    return "debootstrap needs root (or build the tarball elsewhere and put it in the cache)";
  }
  if (!which("debootstrap")) return "debootstrap is not installed (Debian: debootstrap)";
  if (!which("tar")) return "tar is not installed";
  return null;
}

async function buildRootfs(tarball: string, say: (line: string) => void): Promise<void> {
  const why = cannotBootstrap();
  if (why) throw new RunnerImageError(why);
  const cache = cacheDir();
  mkdirSync(cache, { recursive: true });
  // Built beside the cache, renamed into place when complete: a build interrupted or run twice at
  // once never leaves a half tarball under the final name.
  const work = mkdtempSync(join(cache, "build-"));
  const root = join(work, "root");
  try {
    const started = Date.now();
    say(`debootstrap ${RUNNER_SUITE} with ${RUNNER_PACKAGES.join(", ")} (a few minutes)`);
    const d = await runProcess(
      "debootstrap",
      ["--variant=minbase", `--include=${RUNNER_PACKAGES.join(",")}`, RUNNER_SUITE, root, RUNNER_MIRROR],
      { timeoutMs: 1_800_000 },
    );
    if (d.exitCode !== 0) {
      const log = join(root, "debootstrap", "debootstrap.log");
      const detail = existsSync(log) ? lastLine(readFileSync(log, "utf8")) : lastLine(d.output);
      throw new RunnerImageError(
        `debootstrap failed${d.timedOut ? " (timed out)" : ""}: ${detail || `exit ${d.exitCode}`}`,
      );
    }
    say(`debootstrap done in ${Math.round((Date.now() - started) / 1000)} s`);
    for (const p of TRIMMED) rmSync(join(root, p), { recursive: true, force: true });
    mkdirSync(join(root, "var", "lib", "apt", "lists", "partial"), { recursive: true });
    writeFileSync(join(root, "etc", "redfix-runner"), `${runnerKey()}\n`);
    const partial = join(work, "rootfs.tar");
    const t = await runProcess(
      "tar",
      ["-C", root, "--numeric-owner", "--one-file-system", "-cf", partial, "."],
      { timeoutMs: 900_000 },
    );
    if (t.exitCode !== 0) throw new RunnerImageError(`tar failed: ${lastLine(t.output)}`);
    renameSync(partial, tarball);
    say(`cached ${tarball} (${Math.round(statSync(tarball).size / 1e6)} MB)`);
  } finally {
    await removeRoot(work);
  }
}

/** debootstrap mounts /proc and /sys in the target while it runs: never delete through a mount. */
async function removeRoot(dir: string): Promise<void> {
  const mounted = () => {
    try {
      return readFileSync("/proc/self/mounts", "utf8")
        .split("\n")
        .map((l) => (l.split(" ")[1] ?? "").replace(/\\040/g, " "))
        .filter((p) => p === dir || p.startsWith(`${dir}/`))
        .sort((a, b) => b.length - a.length);
    } catch {
      return [];
    }
  };
  for (const m of mounted()) await runProcess("umount", ["-l", m], { timeoutMs: 10_000 });
  if (mounted().length === 0) rmSync(dir, { recursive: true, force: true });
}
