/**
 * Every process redfix starts for verification goes through here: no shell, its own process group,
 * and a timeout that kills the whole group (pytest's children, a database a test started), so a
 * hung test cannot outlive its budget.
 */
import { accessSync, constants } from "node:fs";
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

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string>;
  /** false: the child sees only `env` (a validator that must not read this process's variables). */
  inheritEnv?: boolean;
  timeoutMs: number;
  input?: string;
}

export async function runProcess(file: string, args: string[], opts: RunOptions): Promise<ProcessResult> {
  const started = process.hrtime.bigint();
  const child = execa(file, args, {
    cwd: opts.cwd,
    env: opts.inheritEnv === false ? { ...opts.env } : { ...process.env, ...opts.env },
    extendEnv: false,
    all: true,
    reject: false,
    detached: true,
    stripFinalNewline: false,
    maxBuffer: 32 * 1024 * 1024,
    ...(opts.input !== undefined ? { input: opts.input } : { stdin: "ignore" }),
  });
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
