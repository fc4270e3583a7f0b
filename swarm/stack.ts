/**
 * Recipes deployed as stacks on a swarm, the way `abra app deploy` does it: `docker stack config`
 * merges the overlays and interpolates the app's environment, the external secrets and networks the
 * stack needs are created, then `docker stack deploy`. With stand-in images every service that names
 * an image runs the stand-in, kept alive by `sleep`; a service that names none stays without one
 * (that is what `docker stack deploy` must reject). Every command, its exit status and its output is
 * kept, and a session removes everything it made.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import type { ProcessResult } from "../core/process.js";
import { asMap, loadStack } from "./compose.js";
import type { Yaml } from "./compose.js";
import { docker } from "./daemon.js";

export interface CommandRecord {
  command: string[];
  exitCode: number | null;
  timedOut: boolean;
  durationMs: number;
  output: string;
}

export interface StackSpec {
  /** The recipe folder; compose file names are relative to it. */
  dir: string;
  files: string[];
  env: Record<string, string>;
  stack: string;
}

const obj = asMap;

/** A literal `$` of the merged file survives the second interpolation of `docker stack deploy`. */
function escapeDollars(v: unknown): unknown {
  if (typeof v === "string") return v.replace(/\$/g, "$$$$");
  if (Array.isArray(v)) return v.map(escapeDollars);
  if (v && typeof v === "object") {
    return Object.fromEntries(Object.entries(v as Yaml).map(([k, x]) => [k, escapeDollars(x)]));
  }
  return v;
}

export class SwarmSession {
  readonly prefix: string;
  readonly log: CommandRecord[] = [];
  private stacks: string[] = [];
  private secrets = new Set<string>();
  private networks = new Set<string>();
  private readonly work: string;
  private closing = false;
  private cleaning: Promise<void> | null = null;
  private readonly inflight = new Set<Promise<ProcessResult>>();
  private seq = 0;

  constructor(
    readonly host: string,
    readonly image: string | null,
    readonly timeoutMs = 120_000,
  ) {
    this.prefix = `rf${randomBytes(3).toString("hex")}`;
    this.work = mkdtempSync(join(tmpdir(), "redfix-stacks-"));
  }

  /** A new stack name of this session (short: swarm names of configs stay under 64 characters). */
  stackName(tag: string): string {
    return `${this.prefix}_${++this.seq}${tag.replace(/[^a-z0-9]/gi, "").slice(0, 6)}`;
  }

  /**
   * A docker command, kept in `into` and the session's log. Once `cleanup` has begun, only removals
   * run: whatever else is still under way (an interrupted verify) stops with an error.
   */
  async run(
    args: string[],
    into: CommandRecord[],
    opts: { timeoutMs?: number; input?: string; removal?: boolean } = {},
  ) {
    if (this.closing && !opts.removal) throw new Error("the swarm session is being removed");
    const pending = docker(this.host, args, opts.timeoutMs ?? this.timeoutMs, opts.input);
    this.inflight.add(pending);
    let r: ProcessResult;
    try {
      r = await pending;
    } finally {
      this.inflight.delete(pending);
    }
    const rec: CommandRecord = {
      command: ["docker", ...args],
      exitCode: r.exitCode,
      timedOut: r.timedOut,
      durationMs: r.durationMs,
      output: r.output,
    };
    into.push(rec);
    this.log.push(rec);
    return r;
  }

  /** Deploys the spec; the deploy command's record (exit status 0: deployed). */
  async deploy(spec: StackSpec, into: CommandRecord[]): Promise<{ ok: boolean; stack: Yaml | null }> {
    const merged = this.config(spec, into);
    if (!merged) return { ok: false, stack: null };
    const services = obj(merged.services);
    if (this.image) {
      for (const [, v] of Object.entries(services)) {
        const s = obj(v);
        if (typeof s.image !== "string") continue;
        s.image = this.image;
        // Stays up, and stops at once when the stack is removed (PID 1 ignores an untrapped TERM).
        s.entrypoint = ["sh", "-c", 'trap "exit 0" TERM; sleep 86400 & wait'];
        s.stop_grace_period = "2s";
        delete s.command;
        s.healthcheck = { disable: true };
      }
    }
    for (const [name, v] of Object.entries(obj(merged.secrets))) {
      const s = obj(v);
      if (s.external) await this.ensureSecret(typeof s.name === "string" ? s.name : name, into);
    }
    for (const [name, v] of Object.entries(obj(merged.networks))) {
      const n = obj(v);
      if (n.external) await this.ensureNetwork(typeof n.name === "string" ? n.name : name, into);
    }
    const file = join(this.work, `${spec.stack}.yml`);
    writeFileSync(file, stringify(escapeDollars(merged), { version: "1.1" }));
    this.stacks.push(spec.stack);
    const r = await this.run(
      ["stack", "deploy", "--resolve-image", "never", "--prune", "-c", file, spec.stack],
      into,
    );
    return { ok: r.exitCode === 0, stack: merged };
  }

  /** The spec's files merged and interpolated (swarm/compose.ts); the result goes into the log. */
  config(spec: StackSpec, into: CommandRecord[]): Yaml | null {
    const started = Date.now();
    let doc: Yaml | null = null;
    let output: string;
    try {
      doc = loadStack(spec.dir, spec.files, spec.env);
      output = stringify(doc, { version: "1.1" });
    } catch (e) {
      output = `${(e as Error).message}\n`;
    }
    const rec: CommandRecord = {
      command: ["redfix", "merge", ...spec.files, `(STACK_NAME=${spec.stack})`],
      exitCode: doc ? 0 : 1,
      timedOut: false,
      durationMs: Date.now() - started,
      output,
    };
    into.push(rec);
    this.log.push(rec);
    return doc;
  }

  private async ensureSecret(name: string, into: CommandRecord[]): Promise<void> {
    if (this.secrets.has(name)) return;
    const has = await docker(this.host, ["secret", "inspect", name], 30_000);
    if (has.exitCode === 0) return;
    this.secrets.add(name);
    await this.run(["secret", "create", name, "-"], into, { input: randomBytes(12).toString("hex") });
  }

  async ensureNetwork(name: string, into: CommandRecord[]): Promise<void> {
    if (this.networks.has(name)) return;
    const has = await docker(this.host, ["network", "inspect", name], 30_000);
    if (has.exitCode === 0) return;
    this.networks.add(name);
    await this.run(["network", "create", "--driver", "overlay", "--attachable", name], into);
  }

  /** The id of a running container of `stack_service`, waiting up to `timeoutMs` for one. */
  async task(
    stack: string,
    service: string,
    into: CommandRecord[],
    timeoutMs = 90_000,
  ): Promise<string | null> {
    const deadline = Date.now() + timeoutMs;
    const filter = `label=com.docker.swarm.service.name=${stack}_${service}`;
    while (Date.now() < deadline) {
      const r = await docker(
        this.host,
        ["ps", "-q", "--filter", filter, "--filter", "status=running"],
        30_000,
      );
      const id = r.stdout.trim().split("\n")[0];
      if (r.exitCode === 0 && id) return id;
      await new Promise((res) => setTimeout(res, 1000));
    }
    await this.run(["service", "ps", "--no-trunc", `${stack}_${service}`], into);
    return null;
  }

  /** Removes stacks, waits for their containers to go, then removes their volumes. */
  async removeStacks(stacks: string[], into: CommandRecord[] = []): Promise<void> {
    if (stacks.length === 0) return;
    for (const stack of stacks) await this.run(["stack", "rm", stack], into, { removal: true });
    const filters = stacks.map((stack) => `label=com.docker.stack.namespace=${stack}`);
    const deadline = Date.now() + 60_000;
    const left = async (args: string[]) => {
      const names: string[] = [];
      for (const f of filters) {
        const r = await docker(this.host, [...args, "--filter", f], 30_000);
        names.push(...r.stdout.split("\n").filter(Boolean));
      }
      return names;
    };
    // Gone means: no service left, and no container, twice in a row (a task the swarm had already
    // scheduled may still create its container after the service is removed).
    let quiet = 0;
    while (Date.now() < deadline && quiet < 2) {
      const busy = (await left(["service", "ls", "-q"])).length + (await left(["ps", "-aq"])).length;
      quiet = busy === 0 ? quiet + 1 : 0;
      if (quiet < 2) await new Promise((res) => setTimeout(res, 500));
    }
    const vols = await left(["volume", "ls", "-q"]);
    if (vols.length > 0) await this.run(["volume", "rm", "-f", ...vols], into, { removal: true });
    // `docker stack rm` gives up on a network whose last task is still shutting down ("has active
    // endpoints") and does not come back to it: remove what is left once the containers are gone.
    for (const n of await left(["network", "ls", "-q"])) await this.removeNetwork(n, into);
    this.stacks = this.stacks.filter((s) => !stacks.includes(s));
  }

  /** Removes a network, retrying while the swarm still holds an endpoint on it (up to 10 s). */
  private async removeNetwork(name: string, into: CommandRecord[] = []): Promise<void> {
    for (let i = 0; i < 20; i++) {
      const r = await docker(this.host, ["network", "rm", name], 30_000);
      if (r.exitCode === 0 || /not found/i.test(r.output)) return;
      await new Promise((res) => setTimeout(res, 500));
    }
    await this.run(["network", "inspect", name], into);
  }

  /** Everything this session made: stacks (their services, networks, configs), volumes, secrets,
   * external networks; then its work folder. */
  cleanup(): Promise<void> {
    this.cleaning ??= this.removeAll();
    return this.cleaning;
  }

  private async removeAll(): Promise<void> {
    this.closing = true;
    // A deploy under way finishes first, so that what it creates is removed too.
    await Promise.allSettled([...this.inflight]);
    const into: CommandRecord[] = [];
    await this.removeStacks([...new Set(this.stacks)], into);
    // Containers of this session's stacks that outlived their services.
    const stray = await docker(this.host, ["ps", "-aq", "--filter", `name=${this.prefix}_`], 30_000);
    const ids = stray.stdout.split("\n").filter(Boolean);
    if (ids.length > 0) await docker(this.host, ["rm", "-f", "-v", ...ids], 60_000);
    // Networks go once the tasks that used them are gone; give the swarm a moment to release them.
    for (const n of this.networks) await this.removeNetwork(n);
    this.networks.clear();
    for (const s of this.secrets) await docker(this.host, ["secret", "rm", s], 30_000);
    this.secrets.clear();
    rmSync(this.work, { recursive: true, force: true });
  }
}
