/**
 * One-shot work on a swarm: a `replicated-job` service (one task, no restart) on an image every node
 * has, with files shipped as swarm configs (the cluster store carries them to whichever node runs the
 * task: no shared volume, no registry), its output read back with `docker service logs`, and the
 * service removed. Everything a session makes carries its label, so `cleanup` finds it all again,
 * also after an interrupted run.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { onExit, type ProcessResult } from "../core/process.js";
import { docker } from "./daemon.js";

export const JOB_LABEL = "org.redfix.jobs";
/** Swarm refuses a config over 500 KiB; each chunk stays well under it. */
export const CHUNK_BYTES = 400 * 1024;
/** Where a task finds its shipped chunks, in order (`cat <dir>/*` reassembles them). */
export const SHIPPED_DIR = "/redfix/in";

export interface Shipment {
  /** Config names, in order. */
  configs: string[];
  bytes: number;
}

export interface JobSpec {
  /** Appended to the session's prefix: the service name. */
  tag: string;
  image: string;
  /** argv of the task (no shell unless argv is one). */
  command: string[];
  env: Record<string, string>;
  /** Mounted at SHIPPED_DIR/NN. */
  shipment?: Shipment;
  /** CPUs the scheduler sets aside for the task (`--reserve-cpu`). */
  reserveCpus?: number;
  /** Longest run once the task is running. */
  timeoutMs: number;
  /** Longest wait before it runs (the swarm may be busy: tasks queue until a node has room). */
  pendingMs: number;
}

export interface JobResult {
  service: string;
  /** The node's host name ("" when the task was never placed). */
  node: string;
  /** The task's final state (complete, failed, rejected, …) or "timeout". */
  state: string;
  /** The swarm's error for the task, if any. */
  error: string;
  /** The task's output (stdout and stderr), as `docker service logs --raw` gives it. */
  logs: string;
  /** From running to done. */
  durationMs: number;
  /** From `service create` to running (scheduling, and the container made from the image). */
  startMs: number;
}

export interface NodeCapacity {
  id: string;
  hostname: string;
  cpus: number;
}

const TERMINAL = new Set(["complete", "failed", "rejected", "shutdown", "orphaned", "remove"]);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class JobSession {
  readonly prefix = `rfj${randomBytes(3).toString("hex")}`;
  private seq = 0;
  private generation = 0;
  private closing = false;
  /** Shipments by content, with how many holders still use each (identical copies share one). */
  private readonly shipped = new Map<string, { shipment: Promise<Shipment>; holders: number }>();
  private readonly work = mkdtempSync(join(tmpdir(), "redfix-jobs-"));
  private readonly forgetWork = onExit(() => rmSync(this.work, { recursive: true, force: true }));
  /** Creations under way: `cleanup` waits for them, so nothing is made after it has looked. */
  private readonly creating = new Set<Promise<ProcessResult>>();

  constructor(readonly host: string) {}

  private label(): string {
    return `${JOB_LABEL}=${this.prefix}`;
  }

  private async docker(args: string[], timeoutMs = 60_000): Promise<ProcessResult> {
    return docker(this.host, args, timeoutMs);
  }

  private create(args: string[]): Promise<ProcessResult> {
    const p = this.docker(args);
    this.creating.add(p);
    void p.finally(() => this.creating.delete(p));
    return p;
  }

  /** Ready, active nodes and their CPUs. */
  async nodes(): Promise<NodeCapacity[]> {
    const ls = await this.docker(["node", "ls", "--format", "{{.ID}}"]);
    const ids = ls.stdout.split("\n").filter(Boolean);
    if (ids.length === 0) return [];
    const r = await this.docker([
      "node",
      "inspect",
      "--format",
      "{{.ID}} {{.Status.State}} {{.Spec.Availability}} {{.Description.Resources.NanoCPUs}} {{.Description.Hostname}}",
      ...ids,
    ]);
    return r.stdout
      .split("\n")
      .map((l) => l.split(" "))
      .filter((f) => f[1] === "ready" && f[2] === "active")
      .map((f) => ({ id: f[0]!, hostname: f.slice(4).join(" "), cpus: Number(f[3]) / 1e9 }));
  }

  /**
   * Ships `data` as configs of CHUNK_BYTES each (named by content, made once per session while
   * anyone holds it: two findings fixed by one patch have identical copies); a multi-node swarm
   * hands them to whichever node runs the task. Each `ship` is matched by one `unship`.
   */
  ship(data: Buffer): Promise<Shipment> {
    const hash = createHash("sha256").update(data).digest("hex").slice(0, 16);
    const held = this.shipped.get(hash);
    if (held) {
      held.holders++;
      return held.shipment;
    }
    const shipment = this.createConfigs(hash, data);
    this.shipped.set(hash, { shipment, holders: 1 });
    shipment.catch(() => this.shipped.delete(hash));
    return shipment;
  }

  private async createConfigs(hash: string, data: Buffer): Promise<Shipment> {
    const configs: string[] = [];
    const generation = ++this.generation;
    try {
      for (let off = 0, i = 0; off < Math.max(1, data.length); off += CHUNK_BYTES, i++) {
        if (this.closing) throw new Error("the session is being removed");
        // A generation number too: a copy shipped again right after its configs went gets new names.
        const name = `${this.prefix}-${generation}-${hash}-${String(i).padStart(3, "0")}`;
        const file = join(this.work, name);
        writeFileSync(file, data.subarray(off, off + CHUNK_BYTES));
        const r = await this.create(["config", "create", "--label", this.label(), name, file]);
        rmSync(file, { force: true });
        if (r.exitCode !== 0) throw new Error(`docker config create failed: ${lastLine(r.output)}`);
        configs.push(name);
      }
    } catch (e) {
      if (configs.length > 0) await this.docker(["config", "rm", ...configs]);
      throw e;
    }
    return { configs, bytes: data.length };
  }

  /** Lets go of a shipment; its configs are removed when nobody holds it any more. */
  async unship(shipment: Shipment): Promise<void> {
    for (const [hash, held] of this.shipped) {
      if ((await held.shipment.catch(() => null)) !== shipment) continue;
      if (--held.holders > 0) return;
      this.shipped.delete(hash);
    }
    if (shipment.configs.length > 0) await this.docker(["config", "rm", ...shipment.configs]);
  }

  /** Runs one job to its end; the service is removed before this returns. */
  async run(spec: JobSpec): Promise<JobResult> {
    if (this.closing) throw new Error("the session is being removed");
    const service = `${this.prefix}-${++this.seq}-${spec.tag.replace(/[^a-z0-9-]/gi, "").slice(0, 30)}`;
    const args = [
      "service",
      "create",
      "--name",
      service,
      "--mode",
      "replicated-job",
      "--replicas",
      "1",
      "--restart-condition",
      "none",
      // The image is on the nodes, not in a registry: never look it up.
      "--no-resolve-image",
      "--detach",
      "--label",
      this.label(),
      "--container-label",
      this.label(),
      ...(spec.reserveCpus ? ["--reserve-cpu", String(spec.reserveCpus)] : []),
      ...Object.entries(spec.env).flatMap(([k, v]) => ["--env", `${k}=${v}`]),
      ...(spec.shipment?.configs ?? []).flatMap((c, i) => [
        "--config",
        `source=${c},target=${SHIPPED_DIR}/${String(i).padStart(3, "0")},mode=0444`,
      ]),
      spec.image,
      ...spec.command,
    ];
    const created = await this.create(args);
    if (created.exitCode !== 0) {
      return {
        service,
        node: "",
        state: "not created",
        error: lastLine(created.output),
        logs: "",
        durationMs: 0,
        startMs: 0,
      };
    }
    try {
      return await this.await(service, spec);
    } finally {
      await this.docker(["service", "rm", service]);
      await this.removeContainers(["--filter", `label=com.docker.swarm.service.name=${service}`]);
    }
  }

  /**
   * Docker before 24 leaves a finished job task's container behind when its service is removed
   * (moby/moby#44312): the ones on this daemon go too. Workers of a multi-node swarm on such a
   * version keep theirs (docs/scaling.md).
   */
  private async removeContainers(filter: string[]): Promise<void> {
    const ps = await this.docker(["ps", "-aq", ...filter]);
    const ids = ps.stdout.split("\n").filter(Boolean);
    if (ids.length > 0) await this.docker(["rm", "-f", ...ids]);
  }

  private async await(service: string, spec: JobSpec): Promise<JobResult> {
    const created = Date.now();
    let running: number | null = null;
    let last = { id: "", node: "", state: "new", error: "" };
    for (;;) {
      if (this.closing)
        return { service, ...pick(last), state: "interrupted", logs: "", durationMs: 0, startMs: 0 };
      const ps = await this.docker([
        "service",
        "ps",
        "--no-trunc",
        "--format",
        "{{.ID}}\t{{.Node}}\t{{.CurrentState}}\t{{.Error}}",
        service,
      ]);
      const row = ps.stdout.split("\n").find(Boolean)?.split("\t");
      if (row) {
        last = {
          id: row[0]!,
          node: row[1] ?? "",
          state: (row[2] ?? "").split(" ")[0]!.toLowerCase(),
          error: row[3] ?? "",
        };
      }
      if (last.state === "running" && running === null) running = Date.now();
      if (TERMINAL.has(last.state)) break;
      // The task's own `timeout` ends the test first; this catches a task that hangs past it.
      const late =
        running !== null
          ? Date.now() - running > spec.timeoutMs + 60_000
          : Date.now() - created > spec.pendingMs;
      if (late) {
        return {
          service,
          ...pick(last),
          state: "timeout",
          error: `${running === null ? `not running after ${Math.round(spec.pendingMs / 1000)} s (${last.state}${last.error ? `: ${last.error}` : ""})` : "still running past the timeout"}`,
          logs: last.id ? await this.logs(last.id) : "",
          durationMs: running === null ? 0 : Date.now() - running,
          startMs: running === null ? Date.now() - created : running - created,
        };
      }
      await sleep(running === null ? 300 : 500);
    }
    const durationMs = running === null ? 0 : Date.now() - running;
    const startMs = (running ?? Date.now()) - created;
    return { service, ...pick(last), logs: await this.logs(last.id), durationMs, startMs };
  }

  private async logs(task: string): Promise<string> {
    const r = await this.docker(["service", "logs", "--raw", "--no-trunc", task], 120_000);
    return r.stdout;
  }

  /** Removes every service and config of this session (by label), also ones a crash left behind. */
  async cleanup(): Promise<void> {
    this.closing = true;
    await Promise.allSettled([...this.creating]);
    const filter = ["--filter", `label=${this.label()}`];
    const services = await this.docker(["service", "ls", "-q", ...filter]);
    const ids = services.stdout.split("\n").filter(Boolean);
    if (ids.length > 0) await this.docker(["service", "rm", ...ids]);
    // A config stays in use until its tasks are gone: retry briefly.
    for (let attempt = 0; attempt < 20; attempt++) {
      const configs = await this.docker(["config", "ls", "-q", ...filter]);
      const cids = configs.stdout.split("\n").filter(Boolean);
      if (cids.length === 0) break;
      await this.docker(["config", "rm", ...cids]);
      await sleep(500);
    }
    await this.removeContainers(["--filter", `label=${this.label()}`]);
    this.shipped.clear();
    this.forgetWork();
    rmSync(this.work, { recursive: true, force: true });
  }
}

function pick(t: { node: string; state: string; error: string }) {
  return { node: t.node, state: t.state, error: t.error };
}

function lastLine(s: string): string {
  return s.trim().split("\n").filter(Boolean).at(-1) ?? "";
}
