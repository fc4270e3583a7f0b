/**
 * `verify --on swarm`: replays run as swarm jobs on a runner image (`redfix swarm image`). The
 * workspace copy a replay needs (the unpatched one, or a finding's patched one) is packed once as a
 * gzipped tarball and shipped as swarm configs; the task unpacks it, runs pytest exactly as a local
 * replay does (same arguments, `REDFIX_RECIPES_DIR`, a `timeout` that kills it), and prints each
 * copy's exit status, output and JUnit XML base64-encoded between markers, which are read back with
 * `docker service logs`. From there a swarm replay is recorded and counted like a local one.
 *
 * Placement: a replay alone reserves one CPU (two replays alone share a node only when each has a
 * core of its own); a run under load is one task running every copy at once, reserving a whole
 * node's CPUs, so that the load is on one machine and nothing else is scheduled beside it.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { onExit, runProcess } from "../core/process.js";
import { JobSession, SHIPPED_DIR } from "../swarm/jobs.js";
import type { Shipment } from "../swarm/jobs.js";
import { hasImage } from "../swarm/runner-image.js";
import { reachSwarm } from "./deploy.js";
import type { WorkspaceCopy } from "./patched-copy.js";

/** What one copy of a replay gave, wherever it ran. */
export interface ReplayOutcome {
  exitCode: number | null;
  timedOut: boolean;
  durationMs: number;
  output: string;
  /** pytest's JUnit XML, or null when it wrote none. */
  junit: string | null;
  /** Where it ran, for a swarm replay (and how long the task took to start). */
  swarm?: { service: string; node: string; startMs: number };
  /** Why the replay could not be run at all (the swarm could not run the task): it says nothing. */
  unavailable?: string;
}

/** `verify --on swarm` cannot start: printed as a usage error (exit 2). */
export class SwarmReplayError extends Error {}

/** The script every task runs (bash, fixed text; the variable parts are its arguments). */
const TASK_SCRIPT = `set -u
h=$1 r=$2 n=$3 t=$4; shift 4
w=/redfix/work; o=/redfix/out
mkdir -p "$w" "$o"
if ! cat ${SHIPPED_DIR}/* | tar -xzf - -C "$w" 2>"$o/unpack"; then
  echo "@@redfix:unavailable unpacking the shipped copy failed: $(tail -n 1 "$o/unpack")"; exit 0
fi
export REDFIX_RECIPES_DIR="$w/$r" PYTHONDONTWRITEBYTECODE=1 HOME=/tmp TMPDIR=/tmp
cd "$w/$h" || { echo "@@redfix:unavailable no harness in the shipped copy"; exit 0; }
for i in $(seq 1 "$n"); do
  ( s=$(date +%s%N)
    timeout -k 5 "$t" python3 -m pytest --junitxml="$o/$i.xml" "$@" >"$o/$i.out" 2>&1
    c=$?; e=$(date +%s%N)
    echo "$c $(( (e - s) / 1000000 ))" >"$o/$i.rc" ) &
done
wait
for i in $(seq 1 "$n"); do
  echo "@@redfix:$i:rc $(cat "$o/$i.rc")"
  echo "@@redfix:$i:output"; base64 "$o/$i.out"
  if [ -f "$o/$i.xml" ]; then echo "@@redfix:$i:junit"; base64 "$o/$i.xml"; fi
  echo "@@redfix:$i:end"
done
`;

/** Exit statuses of coreutils' `timeout`: 124 when it stopped the test, 137 when it had to kill it. */
const TIMED_OUT = new Set([124, 137]);

export interface SwarmReplayOptions {
  image: string;
  jobs: number;
  timeoutMs: number;
}

export class SwarmReplays {
  private readonly packed = new Map<string, Promise<Shipment>>();

  private constructor(
    private readonly session: JobSession,
    readonly image: string,
    /** CPUs a run under load reserves: the smallest ready node's, so it fits on any node. */
    private readonly nodeCpus: number,
    private readonly pendingMs: number,
  ) {}

  /** Reaches the swarm DOCKER_HOST names and checks the runner image is on its manager. */
  static async open(opts: SwarmReplayOptions): Promise<SwarmReplays> {
    const reach = await reachSwarm();
    if ("reason" in reach) throw new SwarmReplayError(`--on swarm: ${reach.reason}`);
    if (!(await hasImage(reach.host, opts.image))) {
      throw new SwarmReplayError(
        `--on swarm: the runner image ${opts.image} is not on the swarm at ${reach.host}: build it with \`redfix swarm image\` (and load it on every node)`,
      );
    }
    const session = new JobSession(reach.host);
    const nodes = await session.nodes();
    if (nodes.length === 0)
      throw new SwarmReplayError(`--on swarm: the swarm at ${reach.host} has no ready node`);
    const nodeCpus = Math.max(1, Math.floor(Math.min(...nodes.map((n) => n.cpus))));
    // A job queues while the swarm is full; it waits at most the time the jobs ahead of it take.
    const pendingMs = 600_000 + opts.timeoutMs * opts.jobs;
    return new SwarmReplays(session, opts.image, nodeCpus, pendingMs);
  }

  private ship(copy: WorkspaceCopy): Promise<Shipment> {
    let p = this.packed.get(copy.dir);
    if (!p) {
      p = pack(copy).then((data) => this.session.ship(data));
      this.packed.set(copy.dir, p);
      p.catch(() => this.packed.delete(copy.dir));
    }
    return p;
  }

  /** The copy's configs are removed (its replays are done). */
  async forget(copy: WorkspaceCopy): Promise<void> {
    const p = this.packed.get(copy.dir);
    this.packed.delete(copy.dir);
    const shipment = await p?.catch(() => null);
    if (shipment) await this.session.unship(shipment);
  }

  /**
   * `copies` pytest processes at once over `args` (pytest's arguments after `-m pytest`, the test ids
   * after `--`) in one task; alone when `copies` is 1.
   */
  async run(
    copy: WorkspaceCopy,
    args: string[],
    copies: number,
    tag: string,
    timeoutMs: number,
  ): Promise<ReplayOutcome[]> {
    const fail = (why: string, where?: ReplayOutcome["swarm"]) =>
      Array.from({ length: copies }, () => ({
        exitCode: null,
        timedOut: false,
        durationMs: 0,
        output: "",
        junit: null,
        unavailable: why,
        ...(where ? { swarm: where } : {}),
      }));
    let shipment: Shipment;
    try {
      shipment = await this.ship(copy);
    } catch (e) {
      return fail(`the copy could not be shipped: ${(e as Error).message}`);
    }
    const harness = relative(copy.dir, copy.harness!);
    const recipes = relative(copy.dir, copy.recipes);
    const seconds = Math.max(1, Math.ceil(timeoutMs / 1000));
    const job = await this.session.run({
      tag,
      image: this.image,
      command: [
        "bash",
        "-c",
        TASK_SCRIPT,
        "redfix-replay",
        harness,
        recipes,
        String(copies),
        String(seconds),
        ...args,
      ],
      env: {},
      shipment,
      reserveCpus: copies > 1 ? this.nodeCpus : 1,
      timeoutMs,
      pendingMs: this.pendingMs,
    });
    const where = { service: job.service, node: job.node, startMs: job.startMs };
    const parsed = parseTaskOutput(job.logs, copies);
    if (parsed.unavailable) return fail(parsed.unavailable, where);
    return parsed.copies.map((c) =>
      c
        ? { ...c, swarm: where }
        : {
            exitCode: null,
            timedOut: job.state === "timeout",
            durationMs: job.durationMs,
            output: job.logs,
            junit: null,
            swarm: where,
            ...(job.state === "timeout"
              ? {}
              : {
                  unavailable: `the task ended ${job.state}${job.error ? `: ${job.error}` : ""} without a result`,
                }),
          },
    );
  }

  /** Removes every service and config the replays made. */
  async dispose(): Promise<void> {
    await this.session.cleanup();
  }
}

/** The copy as a gzipped tarball (without pytest's scratch folders of local replays). */
async function pack(copy: WorkspaceCopy): Promise<Buffer> {
  const dir = mkdtempSync(join(tmpdir(), "redfix-ship-"));
  const forget = onExit(() => rmSync(dir, { recursive: true, force: true }));
  try {
    const file = join(dir, "copy.tar.gz");
    const r = await runProcess(
      "tar",
      ["-C", copy.dir, "--exclude=./.redfix-junit-*", "--numeric-owner", "-czf", file, "."],
      { timeoutMs: 300_000 },
    );
    if (r.exitCode !== 0) throw new Error(`tar failed: ${r.output.trim().split("\n").at(-1) ?? ""}`);
    return readFileSync(file);
  } finally {
    forget();
    rmSync(dir, { recursive: true, force: true });
  }
}

type Copy = Omit<ReplayOutcome, "swarm" | "unavailable">;

/** Reads the markers the task printed back into one outcome per copy (null: that copy printed none). */
export function parseTaskOutput(
  logs: string,
  copies: number,
): { copies: (Copy | null)[]; unavailable?: string } {
  const out: (Copy | null)[] = Array.from({ length: copies }, () => null);
  const lines = logs.split("\n");
  const unavailable = lines.find((l) => l.startsWith("@@redfix:unavailable "));
  if (unavailable) return { copies: out, unavailable: unavailable.slice("@@redfix:unavailable ".length) };
  let i = 0;
  while (i < lines.length) {
    const rc = /^@@redfix:(\d+):rc (\d+) (\d+)$/.exec(lines[i]!);
    i++;
    if (!rc) continue;
    const n = Number(rc[1]);
    let section = "";
    const parts: Record<string, string[]> = { output: [], junit: [] };
    let ended = false;
    for (; i < lines.length; i++) {
      const m = /^@@redfix:(\d+):(output|junit|end)$/.exec(lines[i]!);
      if (m && Number(m[1]) === n) {
        if (m[2] === "end") {
          ended = true;
          i++;
          break;
        }
        section = m[2]!;
      } else if (section) parts[section]!.push(lines[i]!);
    }
    if (!ended || n < 1 || n > copies) continue;
    const code = Number(rc[2]);
    const text = (key: string) => Buffer.from(parts[key]!.join(""), "base64").toString("utf8");
    out[n - 1] = {
      exitCode: code,
      timedOut: TIMED_OUT.has(code),
      durationMs: Number(rc[3]),
      output: text("output"),
      junit: parts.junit!.length > 0 ? text("junit") : null,
    };
  }
  return { copies: out };
}

/**
 * Ctrl-C (or SIGTERM) during verify removes what `parts` made on the swarm (deployed stacks, replay
 * jobs) before redfix exits, saying what; the returned function takes the handlers off again.
 */
export function removeAllOnInterrupt(parts: { what: string; dispose(): Promise<void> }[]): () => void {
  const handler = (signal: NodeJS.Signals) => {
    const what = parts.map((p) => p.what).join(" and ");
    process.stderr.write(`\nredfix: ${signal}: removing ${what}…\n`);
    void Promise.allSettled(parts.map((p) => p.dispose())).finally(() =>
      process.exit(signal === "SIGINT" ? 130 : 143),
    );
  };
  process.once("SIGINT", handler);
  process.once("SIGTERM", handler);
  return () => {
    process.off("SIGINT", handler);
    process.off("SIGTERM", handler);
  };
}
