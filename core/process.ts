/**
 * Every process redfix starts goes through here: no shell, a fixed minimal environment (nothing of
 * this process's environment — no forge token — and nothing a recipe chose), its own process group in
 * its own PID namespace where the machine allows one, and a timeout that kills the whole tree: pytest's
 * children, a database a test started, a `setsid` grandchild. Ctrl-C (SIGINT/SIGTERM) kills every
 * running tree and runs the registered clean-ups before redfix exits.
 */
import { accessSync, constants } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { execa } from "execa";

export interface ProcessResult {
  command: string[];
  exitCode: number | null;
  timedOut: boolean;
  durationMs: number;
  /** stdout and stderr interleaved, as a person would have seen them. */
  output: string;
  stdout: string;
  stderr: string;
  /** Set when the program could not be started at all (not installed). */
  missing?: string;
}

export interface ResourceLimits {
  /**
   * Memory limit in bytes: RLIMIT_DATA (heap and private anonymous mappings, which is where a Go or
   * Python program's memory goes), with the address space (RLIMIT_AS) at four times that, since a Go
   * runtime reserves far more address space than it uses.
   */
  memoryBytes?: number;
  /** CPU-time limit (RLIMIT_CPU) in seconds. */
  cpuSeconds?: number;
}

export interface RunOptions {
  cwd?: string;
  /**
   * Added to the fixed minimal environment (PATH, HOME, LANG, TMPDIR). Names come from redfix's own
   * code, never from a recipe: see `safeEnvName`.
   */
  env?: Record<string, string>;
  timeoutMs: number;
  input?: string;
  /** Resource limits (through `prlimit`, when installed). */
  limits?: ResourceLimits;
  /**
   * true: in a PID namespace of its own where the machine allows one (`unshare --pid --fork
   * --kill-child`), so even a `setsid` grandchild dies with it. Without, the process group is killed.
   */
  pidNamespace?: boolean;
}

/** The environment every child starts from. PATH is this process's: the invoking user chose it. */
export function minimalEnv(): Record<string, string> {
  return {
    PATH: process.env.PATH || "/usr/local/bin:/usr/bin:/bin",
    HOME: tmpdir(),
    TMPDIR: tmpdir(),
    LANG: "C.UTF-8",
    LC_ALL: "C.UTF-8",
  };
}

/**
 * Names a program's loader, runtime or shell reads for code or paths: never set from recipe data.
 * Everything else that looks like a plain variable name may carry a recipe's sample value.
 */
const DANGEROUS_ENV =
  /^(?:LD_|DYLD_|GCONV_PATH$|LOCPATH$|NLSPATH$|HOSTALIASES$|RES_OPTIONS$|MALLOC_|GLIBC_|PATH$|HOME$|SHELL$|ENV$|BASH_ENV$|BASH_FUNC_|IFS$|PS4$|CDPATH$|PYTHON|NODE_|NPM_|GIT_|DOCKER_|COMPOSE_|BUILDX_|GO|CGO_|SSL_|OPENSSL_|CURL_|HTTPS?_PROXY$|ALL_PROXY$|NO_PROXY$|XDG_|TMPDIR$|TERM|LANG$|LC_|TZDIR$|PERL|RUBY|JAVA_|_JAVA_|CLASSPATH$|XDG_)/i;

/** Whether a recipe-chosen variable name may reach a child's environment (for compose interpolation). */
export function safeEnvName(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]{0,127}$/.test(name) && !DANGEROUS_ENV.test(name);
}

let pidNamespaces: boolean | null = null;

/** Whether `unshare --pid --fork --kill-child` works here (root, or unprivileged user namespaces). */
export function pidNamespacesWork(): boolean {
  if (pidNamespaces === null) {
    const unshare = which("unshare");
    pidNamespaces =
      unshare !== null &&
      spawnSync(unshare, ["--pid", "--fork", "--kill-child", "true"], {
        timeout: 5000,
        stdio: "ignore",
        env: minimalEnv(),
      }).status === 0;
  }
  return pidNamespaces;
}

const live = new Set<number>();
const cleanups = new Set<() => void>();
let handlersInstalled = false;

/**
 * Runs `fn` when redfix is interrupted or exits (removing a temporary copy); returns the function
 * that unregisters it. Clean-ups are synchronous: they run from the `exit` event too.
 */
export function onExit(fn: () => void): () => void {
  installHandlers();
  cleanups.add(fn);
  return () => cleanups.delete(fn);
}

function runCleanups(): void {
  for (const pid of live) killGroup(pid, "SIGKILL");
  live.clear();
  for (const fn of [...cleanups]) {
    cleanups.delete(fn);
    try {
      fn();
    } catch {
      // one failed clean-up must not keep the others from running
    }
  }
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on("exit", runCleanups);
  for (const [signal, code] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
    ["SIGHUP", 129],
  ] as const) {
    process.on(signal, () => {
      // Another handler (verify's deploy phase removing its stacks) ends the process itself when
      // it is done; the `exit` event then runs the clean-ups. Otherwise they run now.
      if (process.listenerCount(signal) > 1) return;
      runCleanups();
      process.exit(code);
    });
  }
}

export async function runProcess(file: string, args: string[], opts: RunOptions): Promise<ProcessResult> {
  installHandlers();
  const started = process.hrtime.bigint();
  if (!executable(file)) {
    return {
      command: [file, ...args],
      exitCode: null,
      timedOut: false,
      durationMs: 0,
      output: "",
      stdout: "",
      stderr: "",
      missing: `${file} is not installed`,
    };
  }
  const prefix: string[] = [];
  const prlimit = opts.limits ? which("prlimit") : null;
  if (prlimit && opts.limits) {
    prefix.push(prlimit);
    if (opts.limits.memoryBytes)
      prefix.push(`--data=${opts.limits.memoryBytes}`, `--as=${4 * opts.limits.memoryBytes}`);
    if (opts.limits.cpuSeconds) prefix.push(`--cpu=${opts.limits.cpuSeconds}`);
    prefix.push("--");
  }
  if (opts.pidNamespace === true && pidNamespacesWork()) {
    // The forked child is PID 1 of a new namespace: when it dies (killed with unshare), the kernel
    // kills every process left in the namespace, however it detached itself.
    prefix.unshift(which("unshare")!, "--pid", "--fork", "--kill-child", "--");
  }
  const [bin, ...pre] = prefix.length ? prefix : [file];
  const child = execa(bin!, prefix.length ? [...pre, file, ...args] : args, {
    cwd: opts.cwd,
    env: { ...minimalEnv(), ...opts.env },
    extendEnv: false,
    all: true,
    reject: false,
    detached: true,
    stripFinalNewline: false,
    maxBuffer: 32 * 1024 * 1024,
    ...(opts.input !== undefined ? { input: opts.input } : { stdin: "ignore" }),
  });
  if (child.pid) live.add(child.pid);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup(child.pid, "SIGTERM");
    setTimeout(() => killGroup(child.pid, "SIGKILL"), 2000).unref();
  }, opts.timeoutMs);
  const r = await child;
  clearTimeout(timer);
  // Whatever the group left behind (a daemon a test forked) goes too.
  killGroup(child.pid, "SIGKILL");
  if (child.pid) live.delete(child.pid);
  const durationMs = Math.round(Number(process.hrtime.bigint() - started) / 1e6);
  const missing = (r as { code?: string }).code === "ENOENT" ? `${file} is not installed` : undefined;
  return {
    command: [file, ...args],
    exitCode: typeof r.exitCode === "number" ? r.exitCode : null,
    timedOut,
    durationMs,
    output: typeof r.all === "string" ? r.all : "",
    stdout: typeof r.stdout === "string" ? r.stdout : "",
    stderr: typeof r.stderr === "string" ? r.stderr : "",
    ...(missing ? { missing } : {}),
  };
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is already gone
  }
}

function executable(file: string): boolean {
  if (!file.includes("/")) return which(file) !== null;
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Whether a program is on PATH (checks are skipped, with this reason, when it is not). */
export function which(program: string): string | null {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, program);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not in this directory
    }
  }
  return null;
}
