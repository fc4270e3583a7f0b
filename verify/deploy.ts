/**
 * `verify`'s deploy phase: a recipe finding whose rule says what to observe on a swarm (`Rule.swarm`)
 * is deployed unpatched and patched as uniquely named stacks on a real swarm (DOCKER_HOST, e.g. the
 * one `redfix swarm up` started), with the `.env.sample`'s `COMPOSE_FILE` overlays and the one the
 * finding is in, and observed the same way both times. Each docker command, its exit status and its
 * output go to `verify/<id>/swarm-<phase>.log`; the outcome to `verification.swarm`. Everything the
 * phase made is removed afterwards, also on Ctrl-C.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Finding, SwarmVerification } from "../core/finding.js";
import { runProcess } from "../core/process.js";
import type { SwarmProbe } from "../analyzers/rule.js";
import { defaultConfig } from "../load/config.js";
import { loadWorkspace } from "../load/workspace.js";
import { analyze } from "../pipeline/analyze.js";
import { findRule } from "../pipeline/registry.js";
import type { RunDir } from "../reports/read-run-dir.js";
import { docker } from "../swarm/daemon.js";
import { ensureStandin } from "../swarm/image.js";
import { dockerEndpoint } from "../swarm/endpoint.js";
import type { DockerEndpoint } from "../swarm/endpoint.js";
import { SwarmSession } from "../swarm/stack.js";
import type { CommandRecord, StackSpec } from "../swarm/stack.js";
import type { WorkspaceCopy } from "./patched-copy.js";
import { inspectProbe, lastLines, renderProbe } from "./swarm-observations.js";
import type { Observation } from "./swarm-observations.js";
import { recipeEnv } from "./validators.js";

export interface DeployOptions {
  /** `standin`: every image is replaced by the local stand-in; `real`: the recipe's images. */
  images: "standin" | "real";
  timeoutMs: number;
}

type Yaml = Record<string, unknown>;
const obj = (v: unknown): Yaml => (v && typeof v === "object" && !Array.isArray(v) ? (v as Yaml) : {});

/**
 * The swarm DOCKER_HOST, else the current docker context, else the default socket reaches
 * (swarm/endpoint.ts), or why none.
 */
export async function reachSwarm(
  env: NodeJS.ProcessEnv = process.env,
): Promise<DockerEndpoint | { reason: string }> {
  const endpoint = dockerEndpoint(env);
  if ("reason" in endpoint) return endpoint;
  const { host, source } = endpoint;
  const at = `${host} (${source})`;
  // `docker version` first: with no daemon, `docker info --format` of a 20.10 client prints only a
  // template error.
  const v = await docker(host, ["version", "--format", "{{.Server.Version}}"], 20_000);
  if (v.missing) return { reason: "the docker client is not installed (Debian: docker.io)" };
  if (v.exitCode !== 0) {
    const why = firstLine(v.output.trim().split("\n").filter(Boolean).at(-1) ?? "");
    return { reason: `no docker daemon at ${at} (start one with \`redfix swarm up\`): ${why}` };
  }
  const r = await docker(
    host,
    ["info", "--format", "{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}"],
    20_000,
  );
  const [state, manager] = r.stdout.trim().split(" ");
  if (state !== "active") return { reason: `the docker daemon at ${at} is not in a swarm (${state})` };
  if (manager !== "true") return { reason: `the docker daemon at ${at} is not a swarm manager` };
  return endpoint;
}

function firstLine(s: string): string {
  return s.trim().split("\n")[0] ?? "";
}

export class DeployPhase {
  private problems: Promise<Map<string, { rule: string; data: unknown }>> | null = null;
  private constructor(
    private readonly rd: RunDir,
    private readonly before: WorkspaceCopy,
    private readonly session: SwarmSession | null,
    private readonly unavailable: string | null,
    private readonly endpoint: DockerEndpoint | null = null,
  ) {}

  /** Reaches the swarm once for the whole run; a phase without one marks its findings skipped. */
  static async open(rd: RunDir, before: WorkspaceCopy, opts: DeployOptions): Promise<DeployPhase> {
    const reach = await reachSwarm();
    if ("reason" in reach) return new DeployPhase(rd, before, null, reach.reason);
    let image: string | null = null;
    if (opts.images === "standin") {
      try {
        image = await ensureStandin(reach.host);
      } catch (e) {
        return new DeployPhase(rd, before, null, (e as Error).message);
      }
    }
    const session = new SwarmSession(reach.host, image, opts.timeoutMs);
    return new DeployPhase(rd, before, session, null, reach);
  }

  /** Removes everything the phase made on the swarm. */
  async dispose(): Promise<void> {
    await this.session?.cleanup();
  }

  private probeOf(finding: Finding): Promise<SwarmProbe | null> {
    this.problems ??= analyze({
      recipes: this.before.recipes,
      rules: this.rd.run.rules,
      ...(this.before.harness ? { harness: this.before.harness } : {}),
    }).then(
      (r) => new Map(r.items.map((i) => [i.finding.id, { rule: i.problem.rule, data: i.problem.data }])),
    );
    return this.problems.then((m) => {
      const p = m.get(finding.id);
      const rule = p ? findRule(p.rule) : undefined;
      return rule?.swarm && p ? rule.swarm(p.data) : null;
    });
  }

  /** The finding's swarm evidence, or undefined when its rule observes nothing on a swarm. */
  async verify(finding: Finding, after: WorkspaceCopy, dir: string): Promise<SwarmVerification | undefined> {
    const fix = finding.fix;
    const repo = this.rd.run.repos.find((r) => r.name === fix?.repo);
    if (!fix || !repo || repo.kind === "harness") return undefined;
    const rule = findRule(finding.rule);
    if (!rule?.swarm) return undefined;
    if (!this.session) return { verdict: "skipped", reason: this.unavailable ?? "no swarm" };
    const probe = await this.probeOf(finding);
    if (!probe) return { verdict: "skipped", reason: "this finding has nothing to deploy" };
    const session = this.session;
    const observe = async (phase: "before" | "after", copy: WorkspaceCopy): Promise<Observation> => {
      const log: CommandRecord[] = [];
      const stacks: string[] = [];
      let o: Observation;
      try {
        o = await observeProbe(
          session,
          probe,
          copy.repoPath(fix.repo),
          this.before,
          fix.repo,
          phase,
          log,
          stacks,
        );
      } catch (e) {
        o = { ok: null, evidence: `the probe failed: ${(e as Error).message}` };
      } finally {
        await session.removeStacks(stacks, log);
      }
      writeFileSync(join(dir, `swarm-${phase}.log`), renderLog(log, o, this.endpoint));
      return o;
    };
    const b = await observe("before", this.before);
    const a = await observe("after", after);
    const out: SwarmVerification = { verdict: swarmVerdict(b, a), before: asResult(b), after: asResult(a) };
    if (this.endpoint) out.endpoint = { host: this.endpoint.host, source: this.endpoint.source };
    if (b.ok === null || a.ok === null) out.reason = [b, a].find((x) => x.ok === null)!.evidence;
    return out;
  }
}

const asResult = (o: Observation) => ({ ok: o.ok === true, evidence: o.evidence });

/** Red before and green after confirms the fix; green after is required; an observation that could
 * not be made leaves it inconclusive. */
export function swarmVerdict(b: Observation, a: Observation): SwarmVerification["verdict"] {
  if (a.ok === false) return "defect";
  if (b.ok === null || a.ok === null) return "inconclusive";
  return b.ok ? "not-reproduced" : "confirmed-fix";
}

function renderLog(log: CommandRecord[], o: Observation, endpoint: DockerEndpoint | null): string {
  const parts = log.map(
    (c) =>
      `$ ${c.command.join(" ")}\n# exit ${c.exitCode ?? "killed"}${c.timedOut ? " (timed out)" : ""}, ${c.durationMs} ms\n${c.output}${c.output.endsWith("\n") || !c.output ? "" : "\n"}`,
  );
  const head = endpoint ? `# swarm: ${endpoint.host} (${endpoint.source})\n` : "";
  return `${head}${parts.join("\n")}\n# ${o.ok === null ? "no observation" : o.ok ? "ok" : "not ok"}: ${o.evidence}\n`;
}

/**
 * The app's environment as abra would give it (`.env.sample`, `abra.sh` exports) under `stack`, with
 * its `COMPOSE_FILE` overlays and the `extra` ones. An overlay the sample enables in a commented
 * block (`#COMPOSE_FILE="compose.yml:compose.smtp.yml"` and the variables right below it) is enabled
 * the way a maintainer would: that block's lines uncommented.
 */
function specFor(dir: string, stack: string, extra: string[]): StackSpec {
  const recipe = loadWorkspace(dir, defaultConfig()).recipes[0];
  const env = recipe ? recipeEnv(recipe) : {};
  const files = (env.COMPOSE_FILE ?? "compose.yml").split(":").filter(Boolean);
  const missing = extra.filter((f) => !files.includes(f));
  if (missing.length > 0 && recipe?.envSample) {
    const vars = recipe.envSample.variables;
    const i = vars.findIndex(
      (v) => v.commented && v.name === "COMPOSE_FILE" && missing.every((f) => v.value.split(":").includes(f)),
    );
    if (i !== -1) {
      for (let k = i; k < vars.length && vars[k]!.commented; k++) {
        if (k > i && vars[k]!.line !== vars[k - 1]!.line + 1) break;
        if (k === i || env[vars[k]!.name] === undefined) env[vars[k]!.name] = vars[k]!.value;
      }
      files.splice(0, files.length, ...env.COMPOSE_FILE!.split(":").filter(Boolean));
    }
  }
  for (const f of extra) if (!files.includes(f)) files.push(f);
  env.STACK_NAME = stack;
  env.DOMAIN = `${stack.replace(/_/g, "-")}.example.com`;
  return { dir, files, env, stack };
}

async function observeProbe(
  session: SwarmSession,
  probe: SwarmProbe,
  dir: string,
  before: WorkspaceCopy,
  repo: string,
  phase: "before" | "after",
  log: CommandRecord[],
  stacks: string[],
): Promise<Observation> {
  const stack = session.stackName(phase[0]!);
  stacks.push(stack);
  switch (probe.kind) {
    case "deploy": {
      const d = await session.deploy(specFor(dir, stack, probe.files), log);
      const last = log.at(-1)!;
      return { ok: d.ok, evidence: `${d.ok ? "deployed" : "rejected"}: ${lastLines(last.output)}` };
    }
    case "write": {
      const d = await session.deploy(specFor(dir, stack, probe.files), log);
      if (!d.ok) return { ok: null, evidence: `the stack did not deploy: ${lastLines(log.at(-1)!.output)}` };
      const id = await session.task(stack, probe.service, log);
      if (!id) return { ok: null, evidence: `no task of ${probe.service} came up` };
      const w = await session.run(["exec", id, "sh", "-c", ': >> "$1"', "sh", probe.path], log);
      return w.exitCode === 0
        ? { ok: true, evidence: `${probe.path} is writable from ${probe.service}` }
        : { ok: false, evidence: `writing ${probe.path} from ${probe.service}: ${lastLines(w.output)}` };
    }
    case "render":
      return renderProbe(session, probe, specFor(dir, stack, probe.files), log);
    case "inspect":
      return inspectProbe(session, probe, specFor(dir, stack, probe.files), log);
    case "resolve":
      return resolveProbe(session, probe, dir, before, repo, stack, log, stacks);
    case "redeploy": {
      const tmp = mkdtempSync(join(tmpdir(), "redfix-release-"));
      try {
        const release = join(tmp, "r");
        const a = await runProcess(
          "git",
          ["-C", dir, "archive", "--format=tar", `--prefix=r/`, "-o", join(tmp, "r.tar"), probe.tag],
          { timeoutMs: 60_000 },
        );
        if (a.exitCode !== 0)
          return { ok: null, evidence: `git archive ${probe.tag} failed: ${firstLine(a.output)}` };
        const x = await runProcess("tar", ["-C", tmp, "-xf", join(tmp, "r.tar")], { timeoutMs: 60_000 });
        if (x.exitCode !== 0)
          return { ok: null, evidence: `unpacking ${probe.tag} failed: ${firstLine(x.output)}` };
        const first = await session.deploy(specFor(release, stack, probe.files), log);
        if (!first.ok)
          return {
            ok: null,
            evidence: `release ${probe.tag} did not deploy: ${lastLines(log.at(-1)!.output)}`,
          };
        const head = await session.deploy(specFor(dir, stack, probe.files), log);
        return head.ok
          ? { ok: true, evidence: `release ${probe.tag}, then the head: updated` }
          : { ok: false, evidence: `release ${probe.tag}, then the head: ${lastLines(log.at(-1)!.output)}` };
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    }
  }
}

/** `Name:`/`Address:` pairs of busybox's nslookup answer (the server's own lines come first). */
export function answerAddresses(output: string): string[] {
  const lines = output.split("\n");
  const start = lines.findIndex((l) => /^Name:/.test(l.trim()));
  if (start === -1) return [];
  return [
    ...new Set(
      lines
        .slice(start)
        .map((l) => /^Address(?:es)?(?:\s+\d+)?:\s*([0-9a-f.:]+)/i.exec(l.trim())?.[1])
        .filter((a): a is string => !!a),
    ),
  ].sort();
}

async function resolveProbe(
  session: SwarmSession,
  probe: Extract<SwarmProbe, { kind: "resolve" }>,
  dir: string,
  before: WorkspaceCopy,
  repo: string,
  stack: string,
  log: CommandRecord[],
  stacks: string[],
): Promise<Observation> {
  const d = await session.deploy(specFor(dir, stack, probe.files), log);
  if (!d.ok || !d.stack)
    return { ok: null, evidence: `the stack did not deploy: ${lastLines(log.at(-1)!.output)}` };
  const services = obj(d.stack.services);
  const consumerEntry = Object.entries(services).find(([, v]) =>
    (Array.isArray(obj(v).configs) ? (obj(v).configs as unknown[]) : []).some(
      (c) => obj(c).source === probe.config,
    ),
  );
  if (!consumerEntry) return { ok: null, evidence: `no service mounts config ${probe.config}` };
  const [consumer, consumerSvc] = consumerEntry;
  const mount = (obj(consumerSvc).configs as unknown[]).map(obj).find((c) => c.source === probe.config)!;
  const target = typeof mount.target === "string" ? mount.target : `/${probe.config}`;
  // The consumer's external networks: those it shares with other stacks.
  const netDefs = obj(d.stack.networks);
  const consumerNets = Object.keys(obj(obj(consumerSvc).networks)).length
    ? Object.keys(obj(obj(consumerSvc).networks))
    : Array.isArray(obj(consumerSvc).networks)
      ? (obj(consumerSvc).networks as string[])
      : [];
  const shared = consumerNets
    .filter((n) => obj(netDefs[n]).external)
    .map((n) => (typeof obj(netDefs[n]).name === "string" ? (obj(netDefs[n]).name as string) : n));
  // The workspace's other recipes with a service named like the host on a shared network.
  const named: (readonly [string, string])[] = [];
  for (const other of loadWorkspace(before.recipes, defaultConfig()).recipes) {
    if (other.name === repo) continue;
    const ns = session.stackName("n");
    const spec = specFor(before.repoPath(other.name), ns, []);
    const merged = session.config(spec, log);
    const svc = obj(obj(merged?.services)[probe.host]);
    const nets = Object.keys(obj(svc.networks)).length
      ? Object.keys(obj(svc.networks))
      : Array.isArray(svc.networks)
        ? (svc.networks as string[])
        : [];
    const names = nets.map((n) => {
      const def = obj(obj(merged?.networks)[n]);
      return def.external && typeof def.name === "string" ? def.name : def.external ? n : "";
    });
    if (!names.some((n) => shared.includes(n))) continue;
    stacks.push(ns);
    if ((await session.deploy(spec, log)).ok) named.push([ns, probe.host]);
  }
  const id = await session.task(stack, consumer, log);
  if (!id) return { ok: null, evidence: `no task of ${consumer} came up` };
  // Swarm's DNS answers for a service once its task is up on the network: wait for every stack's
  // service of that name, so the answer below is complete.
  for (const [owner, service] of [[stack, probe.service] as const, ...named]) {
    const full = `${owner}_${service}`;
    await session.task(owner, service, log, 60_000);
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const r = await docker(session.host, ["exec", id, "nslookup", full], 20_000);
      if (answerAddresses(r.stdout).length > 0) break;
      await new Promise((res) => setTimeout(res, 500));
    }
  }
  const cat = await session.run(["exec", id, "cat", target], log);
  if (cat.exitCode !== 0) return { ok: null, evidence: `reading ${target} failed: ${lastLines(cat.output)}` };
  const qualified = `${stack}_${probe.service}`;
  const name = cat.stdout.includes(qualified) ? qualified : probe.host;
  const line =
    cat.stdout
      .split("\n")
      .find((l) => new RegExp(`(^|[^A-Za-z0-9_.-])${name}([^A-Za-z0-9_-]|$)`).test(l))
      ?.trim() ?? "";
  const own = await session.run(
    ["service", "inspect", "--format", "{{json .Endpoint.VirtualIPs}}", qualified],
    log,
  );
  let vips: string[] = [];
  try {
    vips = (JSON.parse(own.stdout) as { Addr: string }[]).map((v) => v.Addr.split("/")[0]!);
  } catch {
    return { ok: null, evidence: `no virtual IP of ${qualified}` };
  }
  const ns = await session.run(["exec", id, "nslookup", name], log);
  const addrs = answerAddresses(ns.stdout);
  const ok = addrs.length === 1 && vips.includes(addrs[0]!);
  return {
    ok,
    evidence: `${consumer} renders \`${line}\` (${target}); ${name} resolves to ${addrs.join(", ") || "nothing"}; ${qualified} is ${vips.join(", ")}`,
  };
}

/**
 * Ctrl-C (or SIGTERM) during verify removes what the deploy phase made before redfix exits; the
 * returned function takes the handlers off again.
 */
export function removeOnInterrupt(phase: DeployPhase): () => void {
  const handler = (signal: NodeJS.Signals) => {
    process.stderr.write(`\nredfix: ${signal}: removing the stacks verify deployed…\n`);
    void phase.dispose().finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
  };
  process.once("SIGINT", handler);
  process.once("SIGTERM", handler);
  return () => {
    process.off("SIGINT", handler);
    process.off("SIGTERM", handler);
  };
}
