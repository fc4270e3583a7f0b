/**
 * Two observations of the deploy phase (verify/deploy.ts) that read what swarm made of a stack file:
 * - `render`: a golang-templated config as swarm rendered it for the task, read back with `docker
 *   exec <task container> cat <target>` — the file swarm mounted into that very container, so no
 *   stand-in command has to print it (the stand-in only sleeps) and the check needs no log timing;
 * - `inspect`: `docker service inspect` of the service (and its task's container) against the compose
 *   key: `container_name`, `build`, `links` and `restart`, which `docker stack deploy` converts or drops
 *   (docker/cli `cli/compose/convert/service.go`: the container spec has no name, build or links;
 *   `convertRestartPolicy` takes `deploy.restart_policy`, else converts `restart`).
 * `docker exec` reaches the task because the daemon DOCKER_HOST names runs it; on a multi-node swarm
 * whose task lands elsewhere no container is found and the observation is not made (inconclusive).
 */
import { readFileSync } from "node:fs";
import type { RestartPolicy, SwarmProbe } from "../analyzers/rule.js";
import { isInside } from "../core/paths.js";
import { asMap as obj } from "../swarm/compose.js";
import type { Yaml } from "../swarm/compose.js";
import type { CommandRecord, StackSpec, SwarmSession } from "../swarm/stack.js";

/** One phase's observation; `ok: null` when it could not be made (the deploy a probe needs failed). */
export interface Observation {
  ok: boolean | null;
  evidence: string;
}

export function lastLines(s: string, n = 3): string {
  return s.trim().split("\n").slice(-n).join(" | ");
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * The template's first line that prints `{{ env "VAR" }}`, as a pattern for the rendered line: its
 * text around the actions literally (whitespace loosely: `{{-` trims it), the first such action
 * captured, every other action any text.
 */
export function renderedLine(template: string, variable: string): { line: string; re: RegExp } | null {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(variable)) return null;
  const print = new RegExp(`^\\{\\{-?\\s*env\\s+"${variable}"\\s*-?\\}\\}$`);
  for (const line of template.split("\n")) {
    const parts = line.split(/(\{\{-?[\s\S]*?-?\}\})/);
    if (!parts.some((p, i) => i % 2 === 1 && print.test(p))) continue;
    let captured = false;
    const body = parts
      .map((p, i) => {
        if (i % 2 === 1) {
          if (captured || !print.test(p)) return ".*?";
          captured = true;
          return "(.*?)";
        }
        return p.split(/\s+/).map(escapeRe).join("\\s*");
      })
      .join("");
    return { line: line.trim(), re: new RegExp(`^\\s*${body}\\s*$`) };
  }
  return null;
}

/**
 * What `docker stack deploy` said it ignores: each key of "Ignoring unsupported options: a, b" and
 * of the "Ignoring deprecated options:" block (`container_name: Setting the container name is not
 * supported.`), with the line that says it.
 */
export function ignoredOptions(output: string): Map<string, string> {
  const out = new Map<string, string>();
  let deprecated = false;
  for (const raw of output.split("\n")) {
    const line = raw.trim();
    const unsupported = /^Ignoring unsupported options: (.+)$/.exec(line);
    if (unsupported) {
      for (const k of unsupported[1]!.split(",")) out.set(k.trim(), line);
      deprecated = false;
    } else if (/^Ignoring deprecated options:/.test(line)) {
      deprecated = true;
    } else if (deprecated) {
      const m = /^([a-z_]+): (.+)$/.exec(line);
      if (m) out.set(m[1]!, line);
      else if (line) deprecated = false;
    }
  }
  return out;
}

const policyText = (p: RestartPolicy) =>
  `condition ${p.condition}${p.maxAttempts ? `, max_attempts ${p.maxAttempts}` : ""}`;
const samePolicy = (a: RestartPolicy, b: RestartPolicy) =>
  a.condition === b.condition && (a.maxAttempts ?? 0) === (b.maxAttempts ?? 0);

/** The stack file's `deploy.restart_policy` of a service (swarm's default `any` when there is none). */
function filePolicy(svc: Yaml): { policy: RestartPolicy; written: boolean } {
  const p = obj(obj(svc.deploy).restart_policy);
  const written = obj(svc.deploy).restart_policy !== undefined;
  const max = Number(p.max_attempts ?? 0);
  return {
    policy: {
      condition: typeof p.condition === "string" ? p.condition : "any",
      ...(max > 0 ? { maxAttempts: max } : {}),
    },
    written,
  };
}

export async function renderProbe(
  session: SwarmSession,
  probe: Extract<SwarmProbe, { kind: "render" }>,
  spec: StackSpec,
  log: CommandRecord[],
): Promise<Observation> {
  const d = await session.deploy(spec, log);
  if (!d.ok || !d.stack)
    return { ok: null, evidence: `the stack did not deploy: ${lastLines(log.at(-1)!.output)}` };
  const svc = obj(obj(d.stack.services)[probe.service]);
  const mounts = Array.isArray(svc.configs) ? (svc.configs as unknown[]) : [];
  const mount = mounts.find((m) => (typeof m === "string" ? m : obj(m).source) === probe.config);
  if (mount === undefined) return { ok: null, evidence: `${probe.service} does not mount ${probe.config}` };
  const t = typeof mount === "string" ? undefined : obj(mount).target;
  const target = typeof t === "string" ? t : `/${probe.config}`;
  const file = obj(obj(d.stack.configs)[probe.config]).file;
  // The template is the recipe's own file: nothing outside the recipe is read.
  if (typeof file !== "string" || !isInside(spec.dir, file))
    return { ok: null, evidence: `config ${probe.config} has no file in the recipe` };
  let pattern: ReturnType<typeof renderedLine>;
  try {
    pattern = renderedLine(readFileSync(file, "utf8"), probe.variable);
  } catch (e) {
    return { ok: null, evidence: `reading the template of ${probe.config}: ${(e as Error).message}` };
  }
  if (!pattern)
    return { ok: null, evidence: `no line of ${probe.config}'s template prints env "${probe.variable}"` };
  const id = await session.task(spec.stack, probe.service, log);
  if (!id) return { ok: null, evidence: `no task of ${probe.service} came up` };
  const cat = await session.run(["exec", id, "cat", target], log);
  if (cat.exitCode !== 0) return { ok: null, evidence: `reading ${target} failed: ${lastLines(cat.output)}` };
  let line = "";
  let value: string | null = null;
  for (const l of cat.stdout.split("\n")) {
    const m = pattern.re.exec(l);
    if (m) {
      line = l.trim();
      value = m[1] ?? "";
      break;
    }
  }
  if (value === null)
    return { ok: null, evidence: `no line of ${target} as rendered matches \`${pattern.line}\`` };
  const expected = spec.env[probe.variable] ?? "";
  const shown = (v: string) => (v ? `"${v}"` : "empty");
  return {
    ok: value === expected,
    evidence: `${probe.service}'s task renders \`${line}\` (${target}, from \`${pattern.line}\`): env "${probe.variable}" is ${shown(value)}, the app's ${probe.variable} is ${expected ? `"${expected}"` : "unset"}`,
  };
}

export async function inspectProbe(
  session: SwarmSession,
  probe: Extract<SwarmProbe, { kind: "inspect" }>,
  spec: StackSpec,
  log: CommandRecord[],
): Promise<Observation> {
  const d = await session.deploy(spec, log);
  if (!d.ok || !d.stack)
    return { ok: null, evidence: `the stack did not deploy: ${lastLines(log.at(-1)!.output)}` };
  const said = ignoredOptions(log.at(-1)!.output).get(probe.key);
  const note = said ? ` (docker stack deploy: "${said}")` : "";
  const svc = obj(obj(d.stack.services)[probe.service]);
  const present = probe.key in svc;
  const full = `${spec.stack}_${probe.service}`;
  const id = await session.task(spec.stack, probe.service, log);
  if (!id) return { ok: null, evidence: `no task of ${probe.service} came up` };
  const insp = await session.run(
    ["service", "inspect", "--format", "{{json .Spec.TaskTemplate}}", full],
    log,
  );
  let template: Yaml;
  try {
    template = obj(JSON.parse(insp.stdout));
  } catch {
    return { ok: null, evidence: `docker service inspect ${full}: ${lastLines(insp.output)}` };
  }
  switch (probe.key) {
    case "container_name": {
      const n = await session.run(["inspect", "--format", "{{.Name}}", id], log);
      const name = n.stdout.trim().replace(/^\//, "");
      if (!present)
        return { ok: true, evidence: `no container_name; swarm named the task's container ${name}` };
      const want = String(svc.container_name);
      return {
        ok: name === want,
        evidence: `container_name: ${want} ${name === want ? "is honoured" : "is ignored"}: swarm named the task's container ${name}${note}`,
      };
    }
    case "build": {
      const image = String(obj(template.ContainerSpec).Image ?? "");
      if (!present) return { ok: !said, evidence: `no build; the service runs image ${image}${note}` };
      return {
        ok: !said,
        evidence: `build: ${JSON.stringify(svc.build)} ${said ? "is ignored" : "is not reported ignored"}: the service runs image ${image}, which nothing built${note}`,
      };
    }
    case "links": {
      // What links gave under compose (a name for the linked container), swarm's DNS gives by service name.
      const names = probe.links ?? [];
      const answers: string[] = [];
      let unresolved = 0;
      for (const name of names) {
        const r = await session.run(["exec", id, "nslookup", name], log);
        const found = /^Name:/m.test(r.stdout) && r.exitCode === 0;
        if (!found) unresolved++;
        answers.push(`${name} ${found ? "resolves" : "does not resolve"}`);
      }
      const dns = answers.length ? `; from the task ${answers.join(", ")}` : "";
      if (present) return { ok: !said, evidence: `links ${said ? "is ignored" : "is kept"}${dns}${note}` };
      return { ok: !said && unresolved === 0, evidence: `no links${dns}${note}` };
    }
    case "restart": {
      const rp = obj(template.RestartPolicy);
      const max = Number(rp.MaxAttempts ?? 0);
      const runs: RestartPolicy = {
        condition: typeof rp.Condition === "string" ? rp.Condition : "any",
        ...(max > 0 ? { maxAttempts: max } : {}),
      };
      const file = filePolicy(svc);
      const from = file.written ? "deploy.restart_policy" : "no deploy.restart_policy";
      if (present) {
        const means = probe.restart;
        if (!means) return { ok: null, evidence: `restart: ${String(svc.restart)} has no swarm equivalent` };
        const ok = samePolicy(runs, means);
        return {
          ok,
          evidence: `restart: ${String(svc.restart)} means ${policyText(means)}; swarm runs ${policyText(runs)} (${from}): ${ok ? "converted" : "ignored"}${note}`,
        };
      }
      const ok = samePolicy(runs, file.policy);
      return {
        ok,
        evidence: `no restart; ${file.written ? `deploy.restart_policy says ${policyText(file.policy)}` : "no deploy.restart_policy"}; swarm runs ${policyText(runs)}`,
      };
    }
  }
}
