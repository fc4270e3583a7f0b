/**
 * The git operations of `redfix apply`, all through execa without a shell. Commits are built with
 * plumbing on a temporary index outside the repo (read-tree, apply --cached, write-tree, commit-tree,
 * update-ref): the user's HEAD, index and working tree are never written, so a failure at any point
 * cannot leave the repo on another branch or with changed files.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { execa } from "execa";

export interface GitResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface GitRunOptions {
  input?: string;
  env?: Record<string, string>;
  /** Network operations (push, fetch, ls-remote) get longer. */
  timeoutMs?: number;
}

/** A git command that failed where failure is not an answer (exit status other than the expected ones). */
export class GitError extends Error {
  constructor(
    readonly args: string[],
    readonly result: GitResult,
  ) {
    super(`git ${args[0]} failed: ${firstLine(result.stderr || result.stdout) || `exit ${result.exitCode}`}`);
  }
}

const LOCAL_TIMEOUT_MS = 60_000;
export const NETWORK_TIMEOUT_MS = 180_000;

export class Repo {
  constructor(
    readonly dir: string,
    /** Extra environment for every git call (tests pass a fixed identity and dates). */
    readonly env: Record<string, string> = {},
  ) {}

  async run(args: string[], opts: GitRunOptions = {}): Promise<GitResult> {
    // `ext::` remotes run commands: never, whatever the repo's or user's config says.
    const r = await execa("git", ["-c", "protocol.ext.allow=never", ...args], {
      cwd: this.dir,
      input: opts.input ?? "",
      reject: false,
      timeout: opts.timeoutMs ?? LOCAL_TIMEOUT_MS,
      forceKillAfterDelay: 2_000,
      stripFinalNewline: false,
      // A push must never wait for a password prompt; messages are parsed, so they must be English.
      env: { GIT_TERMINAL_PROMPT: "0", LC_ALL: "C", ...this.env, ...opts.env },
    });
    if (r.timedOut) throw new Error(`git ${args[0]} in ${this.dir} timed out`);
    return { stdout: String(r.stdout), stderr: String(r.stderr), exitCode: r.exitCode ?? 1 };
  }

  /** Runs git and returns its trimmed stdout; any non-zero exit is a GitError. */
  async ok(args: string[], opts: GitRunOptions = {}): Promise<string> {
    const r = await this.run(args, opts);
    if (r.exitCode !== 0) throw new GitError(args, r);
    return r.stdout.trim();
  }

  async isWorkTreeRoot(): Promise<boolean> {
    const r = await this.run(["rev-parse", "--show-prefix"]);
    return r.exitCode === 0 && r.stdout.trim() === "";
  }

  /** The checked-out branch, or null when HEAD is detached. */
  async currentBranch(): Promise<string | null> {
    const r = await this.run(["symbolic-ref", "--quiet", "--short", "HEAD"]);
    return r.exitCode === 0 ? r.stdout.trim() : null;
  }

  /** `git status --porcelain` with untracked files listed one by one; empty when clean. */
  async status(): Promise<string> {
    const args = ["status", "--porcelain=v1", "--untracked-files=all", "--ignore-submodules=none"];
    const r = await this.run(args);
    if (r.exitCode !== 0) throw new GitError(args, r);
    // Not trimmed at the start: the first two columns are the status of the first path.
    return r.stdout.replace(/\n+$/, "");
  }

  /** An operation in progress (merge, rebase, cherry-pick, bisect) also makes a tree not ready. */
  async operationInProgress(): Promise<string | null> {
    for (const [file, what] of [
      ["MERGE_HEAD", "a merge"],
      ["rebase-merge", "a rebase"],
      ["rebase-apply", "a rebase or am"],
      ["CHERRY_PICK_HEAD", "a cherry-pick"],
      ["REVERT_HEAD", "a revert"],
      ["BISECT_LOG", "a bisect"],
    ] as const) {
      // --git-path answers relative to the working directory, or absolute for a linked worktree.
      if (existsSync(resolve(this.dir, await this.ok(["rev-parse", "--git-path", file])))) return what;
    }
    return null;
  }

  /** The object a ref names, or null when it does not exist. */
  async resolve(ref: string): Promise<string | null> {
    const r = await this.run(["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]);
    return r.exitCode === 0 ? r.stdout.trim() : null;
  }

  async treeOf(commit: string): Promise<string> {
    return this.ok(["rev-parse", `${commit}^{tree}`]);
  }

  /**
   * Runs `body` with GIT_INDEX_FILE pointing at a fresh index in a temp dir, loaded with `commit`'s
   * tree. The temp dir is removed afterwards, whatever happens.
   */
  async withIndexAt<T>(commit: string, body: (index: Record<string, string>) => Promise<T>): Promise<T> {
    const dir = mkdtempSync(join(tmpdir(), "redfix-apply-index-"));
    const env = { GIT_INDEX_FILE: join(dir, "index") };
    try {
      await this.ok(["read-tree", commit], { env });
      return await body(env);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /**
   * Whether the tree of `commit` already carries the patches: they reverse-apply, last to first, on it.
   * A tree without the change lacks the patch's post-image, so the reverse check fails there.
   */
  async carries(commit: string, patchFiles: string[]): Promise<boolean> {
    return this.withIndexAt(commit, async (env) => {
      const r = await this.run(["apply", "--cached", "--reverse", "--check", ...[...patchFiles].reverse()], {
        env,
      });
      return r.exitCode === 0;
    });
  }

  /**
   * Whether the patches apply cleanly on `commit`: each alone (each is computed against the unpatched
   * repo), or in order (a run directory of an older redfix). Only `--check`: nothing is written, not
   * even objects (a `--3way` check would write blobs and still miss conflicts, so none is tried here).
   */
  async appliesCleanlyOn(commit: string, patchFiles: string[]): Promise<string | null> {
    return this.withIndexAt(commit, async (env) => {
      // One invocation: git applies the patches in sequence in memory, a later one on an earlier's result.
      const r = await this.run(["apply", "--cached", "--check", ...patchFiles], { env });
      if (r.exitCode === 0) return null;
      for (const file of patchFiles) {
        const alone = await this.run(["apply", "--cached", "--check", file], { env });
        if (alone.exitCode !== 0) return applyFailure(patchFiles, r);
      }
      return null;
    });
  }

  /**
   * A commit with the patches applied on `parent`, or null when they change nothing. Writes objects
   * only; no ref, index or file of the user's. A patch that does not apply as it is gets a real 3-way
   * merge when it is part of a series (see `withPreimageIds`).
   */
  async commitPatches(
    parent: string,
    patches: PatchToApply[],
    message: string,
    seriesBase: string,
  ): Promise<string | null> {
    return this.withIndexAt(parent, async (env) => {
      for (const p of patches) {
        const first = await this.run(["apply", "--cached", "--3way", p.file], { env });
        if (first.exitCode === 0) continue;
        const annotated = p.earlier.length > 0 ? await this.withPreimageIds(seriesBase, p) : null;
        const again =
          annotated === null
            ? first
            : await this.run(["apply", "--cached", "--3way", "-"], { env, input: annotated });
        if (again.exitCode !== 0)
          throw new PatchDoesNotApply(applyFailure([p.file], again), annotated !== null);
      }
      const tree = await this.ok(["write-tree"], { env });
      if (tree === (await this.treeOf(parent))) return null;
      return this.ok(["commit-tree", tree, "-p", parent, "-F", "-"], { input: message });
    });
  }

  /**
   * Every patch of a series is computed against the unpatched base, so after the earlier patches of
   * its group its context may not match (two patches may even carry the same version bump).
   * `git apply --3way` can merge it if the patch names its pre-image blobs, which redfix's patches do
   * not: this applies it on `seriesBase` in a throw-away index (a run directory of an older redfix,
   * whose patch N was computed on top of patches 1..N-1: on `seriesBase` with those applied) and
   * returns the patch with `index <pre>..<post>` lines added (null when it does not apply there). The
   * blobs it writes are unreachable objects, nothing else.
   */
  async withPreimageIds(seriesBase: string, p: PatchToApply): Promise<string | null> {
    const text = readFileSync(p.file, "utf8");
    const paths = [...text.matchAll(/^diff --git a\/(\S+) b\/(\S+)$/gm)].map((m) => [m[1]!, m[2]!] as const);
    if (paths.length === 0) return null;
    const zeros = "0".repeat(seriesBase.length);
    return this.withIndexAt(seriesBase, async (env) => {
      if ((await this.run(["apply", "--cached", "--check", p.file], { env })).exitCode !== 0) {
        if ((await this.run(["apply", "--cached", ...p.earlier], { env })).exitCode !== 0) return null;
      }
      const pre = await Promise.all(paths.map(([a]) => this.indexBlob(a, env)));
      if ((await this.run(["apply", "--cached", p.file], { env })).exitCode !== 0) return null;
      const post = await Promise.all(paths.map(([, b]) => this.indexBlob(b, env)));
      return withIndexLines(
        text,
        pre.map((b) => b ?? zeros),
        post.map((b) => b ?? zeros),
      );
    });
  }

  private async indexBlob(path: string, env: Record<string, string>): Promise<string | null> {
    const line = await this.ok(["ls-files", "--stage", "--", path], { env });
    return line ? (line.split(/\s+/)[1] ?? null) : null;
  }

  /**
   * Moves `ref` from `oldValue` to `newValue` atomically; `oldValue` null means the ref must not exist
   * yet, `newValue` null deletes it. A concurrent change of the ref makes git refuse.
   */
  async updateRef(ref: string, newValue: string | null, oldValue: string | null): Promise<void> {
    if (newValue === null) {
      await this.ok(["update-ref", "-m", "redfix apply: roll back", "-d", ref, oldValue ?? ""]);
      return;
    }
    await this.ok(["update-ref", "-m", "redfix apply", ref, newValue, oldValue ?? ""]);
  }

  /** The URL a remote name stands for; a URL or path is returned as it is. */
  async remoteUrl(remote: string): Promise<string | null> {
    if (remoteProblem(remote)) return null;
    const r = await this.run(["remote", "get-url", "--", remote]);
    if (r.exitCode === 0) return r.stdout.trim();
    return /[:/\\]/.test(remote) ? remote : null;
  }

  /** The commit a remote has at `ref`, or null when it has none. */
  async lsRemote(remote: string, ref: string): Promise<string | null> {
    const r = await this.run(["ls-remote", "--exit-code", "--end-of-options", remote, ref], {
      timeoutMs: NETWORK_TIMEOUT_MS,
    });
    if (r.exitCode === 2) return null;
    if (r.exitCode !== 0) throw new GitError(["ls-remote", remote, ref], r);
    const line = r.stdout.split("\n").find((l) => l.endsWith(`\t${ref}`));
    return line ? line.split("\t")[0]! : null;
  }
}

/**
 * Why a remote (a name, URL or path given with --push) may not be used, or null. It must not read as
 * an option (`--upload-pack=cmd`), hold control characters or whitespace, or name a transport that
 * runs a command (`ext::`).
 */
export function remoteProblem(remote: string): string | null {
  if (remote === "") return "is empty";
  if (remote.startsWith("-")) return "starts with `-` (it would be read as an option)";
  if ([...remote].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f || /\s/.test(c)))
    return "holds whitespace or control characters";
  if (/^ext::/i.test(remote) || /^[a-z][a-z0-9+.-]*::/i.test(remote))
    return "names a remote helper transport (`<helper>::`)";
  return null;
}

/** Why a branch name may not be used, or null (git's own `check-ref-format` runs as well). */
export function branchProblem(branch: string): string | null {
  if (branch === "") return "is empty";
  if (branch.startsWith("-")) return "starts with `-` (it would be read as an option)";
  if (!/^[A-Za-z0-9._/+@-]+$/.test(branch)) return "holds characters other than letters, digits and ._/+@-";
  return null;
}

export class PatchDoesNotApply extends Error {
  constructor(
    message: string,
    /** It applies after the earlier patches of its series, but does not merge without them. */
    readonly needsEarlierPatches: boolean,
  ) {
    super(message);
  }
}

export interface PatchToApply {
  file: string;
  /** The patches before it in its repo's series, which it was computed on top of. */
  earlier: string[];
}

/** The outcome of one ref of a `git push --porcelain`. */
export interface PushOutcome {
  /** `*` new, ` ` fast-forward, `+` forced, `=` up to date, `!` rejected. */
  flag: string;
  summary: string;
  reason: string;
}

export function parsePushPorcelain(stdout: string, dst: string): PushOutcome | null {
  for (const line of stdout.split("\n")) {
    const m = /^(.)\t([^\t]*)\t(.*)$/.exec(line);
    if (!m) continue;
    const [, flag = "", refs = "", rest = ""] = m;
    if (!refs.endsWith(`:${dst}`)) continue;
    const reason = /\((.*)\)\s*$/.exec(rest)?.[1] ?? "";
    return { flag, summary: rest, reason };
  }
  return null;
}

function applyFailure(patches: string[], r: GitResult): string {
  const msg = (r.stderr || r.stdout)
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !/^(Falling back|repository lacks the necessary blob)/i.test(l));
  const names = patches.map((p) => p.split(/[\\/]/).pop() ?? p).join(", ");
  return `${names} does not apply: ${msg.find((l) => /^error:/.test(l)) ?? msg[0] ?? `exit ${r.exitCode}`}`;
}

export function firstLine(s: string): string {
  return (
    s
      .split("\n")
      .map((l) => l.trim())
      .find((l) => l !== "") ?? ""
  );
}

/**
 * The patch with an `index <pre>..<post>` line in each file's header (blob ids, one per file in
 * order), which `git apply -3` needs to find the pre-image when the patch does not apply as it is.
 */
export function withIndexLines(text: string, pre: readonly string[], post: readonly string[]): string {
  let section = -1;
  let inHeader = false;
  const out: string[] = [];
  for (const line of text.split("\n")) {
    if (line.startsWith("diff --git ")) {
      section++;
      inHeader = true;
    } else if (inHeader && line.startsWith("index ")) {
      continue;
    } else if (inHeader && line.startsWith("--- ")) {
      out.push(`index ${pre[section]}..${post[section]}`);
      inHeader = false;
    }
    out.push(line);
  }
  return out.join("\n");
}
