/**
 * A throwaway single-node Docker Swarm: `dockerd` with its data, exec-root, pidfile and socket in one
 * temporary folder (no iptables, no default bridge, the vfs storage driver, so it needs no kernel
 * module and leaves nothing in the host's Docker), then `docker swarm init`. `swarmDown` stops it
 * and removes the folder. A file `redfix-swarm.json` in the folder marks it as redfix's.
 */
import { spawn } from "node:child_process";
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runProcess, which } from "../core/process.js";

export const MARKER = "redfix-swarm.json";
const PREFIX = "redfix-swarm-";

export interface SwarmHandle {
  dir: string;
  pid: number;
  /** `unix://<dir>/docker.sock` */
  host: string;
}

/** A usage or environment problem that stops `swarm up` (printed as one line). */
export class SwarmError extends Error {}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Why dockerd cannot start here, or null. */
export function cannotStart(): string | null {
  if (typeof process.getuid === "function" && process.getuid() !== 0) {
    return "dockerd needs root (run `redfix swarm up` as root, or point DOCKER_HOST at an existing swarm)";
  }
  if (!which("dockerd")) return "dockerd is not installed (Debian: docker.io)";
  if (!which("docker")) return "the docker client is not installed (Debian: docker.io)";
  if (!existsSync("/sys/fs/cgroup") || readdirSync("/sys/fs/cgroup").length === 0) {
    return "no cgroup file system at /sys/fs/cgroup: dockerd cannot run containers here";
  }
  return null;
}

/** `docker` against `host`, no shell, a timeout. */
export function docker(host: string, args: string[], timeoutMs = 120_000, input?: string) {
  return runProcess("docker", args, {
    env: { DOCKER_HOST: host, DOCKER_CLI_HINTS: "false" },
    timeoutMs,
    ...(input !== undefined ? { input } : {}),
  });
}

function tail(file: string, lines = 8): string {
  try {
    return readFileSync(file, "utf8").trim().split("\n").slice(-lines).join("\n");
  } catch {
    return "";
  }
}

export async function swarmUp(opts: { timeoutMs?: number } = {}): Promise<SwarmHandle> {
  const why = cannotStart();
  if (why) throw new SwarmError(why);
  const timeoutMs = opts.timeoutMs ?? 90_000;
  const dir = mkdtempSync(join(tmpdir(), PREFIX));
  const host = `unix://${join(dir, "docker.sock")}`;
  const log = join(dir, "dockerd.log");
  const fd = openSync(log, "a");
  const child = spawn(
    "dockerd",
    [
      "--data-root",
      join(dir, "data"),
      "-H",
      host,
      "--exec-root",
      join(dir, "exec"),
      "--pidfile",
      join(dir, "docker.pid"),
      "--iptables=false",
      "--ip6tables=false",
      "--bridge=none",
      "--storage-driver=vfs",
    ],
    { detached: true, stdio: ["ignore", fd, fd] },
  );
  closeSync(fd);
  const pid = child.pid;
  if (!pid) {
    rmSync(dir, { recursive: true, force: true });
    throw new SwarmError("dockerd did not start");
  }
  child.unref();
  const handle: SwarmHandle = { dir, pid, host };
  writeFileSync(join(dir, MARKER), `${JSON.stringify(handle, null, 2)}\n`);
  const deadline = Date.now() + timeoutMs;
  let ready = false;
  while (Date.now() < deadline) {
    if (!alive(pid)) break;
    const r = await docker(host, ["version", "--format", "{{.Server.Version}}"], 10_000);
    if (r.exitCode === 0) {
      ready = true;
      break;
    }
    await sleep(500);
  }
  if (!ready) {
    const why = tail(log);
    await swarmDown(dir);
    throw new SwarmError(`dockerd did not come up within ${timeoutMs / 1000} s${why ? `: ${why}` : ""}`);
  }
  // A free port for the swarm's control plane: another swarm on this machine may hold 2377.
  const port = await freePort();
  const init = await docker(
    host,
    ["swarm", "init", "--advertise-addr", "127.0.0.1", "--listen-addr", `127.0.0.1:${port}`],
    60_000,
  );
  if (init.exitCode !== 0) {
    await swarmDown(dir);
    throw new SwarmError(`docker swarm init failed: ${init.output.trim()}`);
  }
  return handle;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** The folder of the socket a DOCKER_HOST names, as `swarm up` lays it out (`<dir>/docker.sock`). */
export function socketDir(host: string | undefined): string | null {
  return /^unix:\/\/(.+)\/docker\.sock$/.exec(host ?? "")?.[1] ?? null;
}

/** The redfix swarm folder a DOCKER_HOST points into, if it is one. */
export function swarmDirOf(host: string | undefined): string | null {
  const dir = socketDir(host);
  return dir && existsSync(join(dir, MARKER)) ? dir : null;
}

/** Every redfix swarm folder in the temp folder. */
export function swarmDirs(): string[] {
  return readdirSync(tmpdir())
    .filter((n) => n.startsWith(PREFIX) && existsSync(join(tmpdir(), n, MARKER)))
    .map((n) => join(tmpdir(), n));
}

/** Mount points at or under `dir`, deepest first. */
function mountsUnder(dir: string): string[] {
  let text = "";
  try {
    text = readFileSync("/proc/self/mounts", "utf8");
  } catch {
    return [];
  }
  return text
    .split("\n")
    .map((l) => l.split(" ")[1] ?? "")
    .map((p) => p.replace(/\\040/g, " "))
    .filter((p) => p === dir || p.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
}

/** Stops the swarm's dockerd (and the containers it runs) and removes its folder. */
export async function swarmDown(dir: string): Promise<void> {
  if (!existsSync(join(dir, MARKER))) throw new SwarmError(`${dir} is not a redfix swarm`);
  const handle = JSON.parse(readFileSync(join(dir, MARKER), "utf8")) as SwarmHandle;
  if (alive(handle.pid)) {
    // Leaving the swarm first lets dockerd stop its tasks in order; then the daemon itself.
    await docker(handle.host, ["swarm", "leave", "--force"], 30_000);
    const ids = await docker(handle.host, ["ps", "-aq"], 30_000);
    const list = ids.stdout.split("\n").filter(Boolean);
    if (list.length > 0) await docker(handle.host, ["rm", "-f", ...list], 60_000);
    process.kill(handle.pid, "SIGTERM");
    const deadline = Date.now() + 30_000;
    while (alive(handle.pid) && Date.now() < deadline) await sleep(200);
    if (alive(handle.pid)) process.kill(handle.pid, "SIGKILL");
    while (alive(handle.pid)) await sleep(100);
  }
  for (const m of mountsUnder(dir)) {
    await runProcess("umount", ["-l", m], { timeoutMs: 10_000 });
  }
  if (mountsUnder(dir).length > 0) {
    throw new SwarmError(`${dir} still has mounts; not removing it: ${mountsUnder(dir).join(", ")}`);
  }
  rmSync(dir, { recursive: true, force: true });
}
