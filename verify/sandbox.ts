/**
 * Where verify runs the harness's tests: the tests execute recipe code (a restore test runs the
 * recipe's backup hooks), so each replay runs in a bubblewrap sandbox by default — the host mounted
 * read-only, only the temporary copy and a private `/tmp` writable, its own PID namespace (nothing it
 * starts outlives it), a new session (no terminal injection). Network stays shared: harness tests
 * reach services. Without bwrap, or with `--no-sandbox`, replays run unsandboxed in a PID namespace of
 * their own where one is available, and verify says so loudly.
 */
import { spawnSync } from "node:child_process";
import { minimalEnv, runProcess, which, type ProcessResult, type RunOptions } from "../core/process.js";

export interface Sandbox {
  /** "bwrap" when replays are sandboxed; "none" otherwise. */
  kind: "bwrap" | "none";
  /** Why there is no sandbox (asked for with --no-sandbox, or bwrap missing or not working here). */
  reason?: string;
}

let probed: Sandbox | null = null;

/** Whether bubblewrap works on this machine (user namespaces may be off, or we may be in a container). */
export function detectSandbox(disabled: boolean): Sandbox {
  if (disabled) return { kind: "none", reason: "--no-sandbox was given" };
  if (probed) return probed;
  const bwrap = which("bwrap");
  if (!bwrap) return (probed = { kind: "none", reason: "bubblewrap (bwrap) is not installed" });
  const r = spawnSync(bwrap, [...bwrapArgs([], "/"), "--", "true"], {
    timeout: 10_000,
    stdio: ["ignore", "ignore", "pipe"],
    env: minimalEnv(),
  });
  probed =
    r.status === 0
      ? { kind: "bwrap" }
      : {
          kind: "none",
          reason: `bwrap does not work here: ${r.stderr?.toString().trim().split("\n")[0] ?? `exit ${r.status}`}`,
        };
  return probed;
}

function bwrapArgs(writable: string[], cwd: string, readable: string[] = []): string[] {
  return [
    "--ro-bind",
    "/",
    "/",
    "--dev",
    "/dev",
    "--proc",
    "/proc",
    "--tmpfs",
    "/tmp",
    // The private /tmp hides the host's: what a replay must read there (the run directory) comes back read-only.
    ...readable.flatMap((d) => ["--ro-bind", d, d]),
    ...writable.flatMap((d) => ["--bind", d, d]),
    "--unshare-pid",
    "--unshare-ipc",
    "--unshare-uts",
    "--die-with-parent",
    "--new-session",
    "--chdir",
    cwd,
    "--setenv",
    "HOME",
    "/tmp",
    "--setenv",
    "TMPDIR",
    "/tmp",
  ];
}

/**
 * Runs a program of a replay: in the sandbox with only `writable` (the copy) writable, or unsandboxed
 * in a PID namespace of its own. `opts.cwd` is required.
 */
export function runReplayProcess(
  sandbox: Sandbox,
  writable: string[],
  file: string,
  args: string[],
  opts: RunOptions & { cwd: string; readable?: string[] },
): Promise<ProcessResult> {
  if (sandbox.kind === "bwrap") {
    const argv = [...bwrapArgs(writable, opts.cwd, opts.readable ?? []), "--", file, ...args];
    return runProcess(which("bwrap")!, argv, opts).then((r) => ({ ...r, command: [file, ...args] }));
  }
  return runProcess(file, args, { ...opts, pidNamespace: true });
}
