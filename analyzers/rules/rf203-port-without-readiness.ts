import { evaluateValue, moduleConstant } from "../../harness/evaluate.js";
import type { StaticValue } from "../../harness/evaluate.js";
import { findConstant, findFunction, recipeOfPath } from "../../harness/model.js";
import type {
  HarnessConnect,
  HarnessExpr,
  HarnessFunction,
  HarnessModel,
  HarnessModule,
  HarnessTest,
} from "../../harness/model.js";
import { dottedName } from "../../harness/resolve.js";
import type { Recipe } from "../../load/workspace.js";
import type { ProblemEvidence, Rule } from "../rule.js";
import { recipeMetaModule } from "./rf200-harness-support.js";

/** Helper calls followed from a test to the socket it opens. */
const MAX_CHAIN = 6;
/** Ports that speak HTTP whatever the recipe says. */
const HTTP_PORTS = new Set([80, 443]);
/** The lifecycle's `getattr(meta, "HTTP_TIMEOUT", 10)` when the meta names none. */
const DEFAULT_HTTP_TIMEOUT = 10;
const RETRY_PARAM = /^(max_)?(attempts|retries|tries)$|^(max)?(Attempts|Retries|Tries)$/;
const DELAY_PARAM = /delay|interval|backoff|wait/i;

/** An argument bound to a parameter: its expression, read in the caller's module and bindings. */
interface Bound {
  expr: HarnessExpr;
  module: HarnessModule;
  env: Map<string, Bound>;
}

interface Reached {
  connect: HarnessConnect;
  module: HarnessModule;
  port: number;
  /** The functions from the test to the connect, outermost first. */
  chain: { module: HarnessModule; fn: HarnessFunction; env: Map<string, Bound> }[];
}

/** A parameter that bounds the retries of a helper on the way to the socket. */
export interface RetryBudget {
  /** Harness path and offsets of the number to raise (a default, or the constant it names). */
  file: string;
  start: number;
  end: number;
  attempts: number;
  raised: number;
  /** What the number is: `HANDSHAKE_ATTEMPTS` or `retry_handshake(attempts=…)`. */
  what: string;
}

export interface Rf203Data {
  port: number;
  kind: "tcp" | "tls";
  nodeId: string;
  /** The recipe's meta module, when it has one. */
  metaFile: string | null;
  healthPath: string | null;
  /** Whether the harness machinery reads a `READY_PROBE` at all (else adding one does nothing). */
  probeSupported: boolean;
  /** The probe in the harness's conventions: key → value, port key first. */
  probe: [string, number][];
  /** A probe the recipe already has, for another port: there is room for one only. */
  otherProbe: boolean;
  retry: RetryBudget | null;
}

export const rf203: Rule = {
  meta: {
    id: "RF203",
    name: "harness-port-without-readiness",
    description: "harness: a test on a non-HTTP port with no readiness gate for that port",
    severity: "warning",
    target: "harness",
    classification: "harness-defect",
    fixable: true,
    docs: `The harness calls a deployment ready when its \`HEALTH_PATH\` answers 200 over HTTP. A test that opens a
socket on a non-HTTP port (Mumble's TLS voice port 64738) is then racing the service behind that port: the
health path may be served by a sidecar (mumble's \`status\` nginx) that is up long before the port accepts
connections, and under concurrent load the test fails intermittently — a harness defect that reads as a
recipe failure.

What it checks: for every test under \`tests/<recipe>/\`, the sockets it opens (\`socket.create_connection\`,
\`wrap_socket\`, \`net.connect\`, \`tls.connect\`), followed through harness helpers with the arguments they are
called with; a port is non-HTTP unless it is 80/443 or a \`traefik.http\` server port of the recipe. A finding
when the recipe's \`recipe_meta\` has no \`READY_PROBE\` for that port.

Fix: a \`READY_PROBE\` for the port in the harness's own conventions (the keys other recipes' probes use, or
the keys the lifecycle reads, with its defaults: TCP port, N consecutive successful connects), and a larger
retry budget on the helper that retries the handshake: enough attempts, at its delay, to cover the recipe's
\`HTTP_TIMEOUT\` (10 s when unset), never lowered. Source: cc-ci \`lifecycle.py\`, domain.md (readiness); backlog (mumble).`,
  },
  check(ctx) {
    const model = ctx.workspace.harness;
    if (!model) return;
    for (const module of model.modules) {
      const recipeName = recipeOfPath(module.source.path);
      if (!recipeName) continue;
      const recipe = ctx.workspace.recipes.find((r) => r.name === recipeName);
      // `tests/harness/` and the like hold the harness's own unit tests: no recipe, no readiness gate.
      if (!recipe && !recipeMetaModule(model, recipeName)) continue;
      for (const test of module.tests) {
        const fn = test.function ? findFunction(model, test.function) : undefined;
        if (!fn) continue;
        const reached = reach(model, fn.module, fn.fn, new Map(), [], 0);
        const ports = new Map<number, Reached[]>();
        for (const r of reached) ports.set(r.port, [...(ports.get(r.port) ?? []), r]);
        for (const [port, sites] of [...ports].sort((a, b) => a[0] - b[0])) {
          if (httpPort(recipe, port)) continue;
          report(recipeName, module, test, port, sites);
        }
      }
    }

    function report(
      recipe: string,
      module: HarnessModule,
      test: HarnessTest,
      port: number,
      sites: Reached[],
    ): void {
      const m = model!;
      const meta = recipeMetaModule(m, recipe);
      const probe = meta ? constantValue(m, meta, "READY_PROBE") : undefined;
      const probed = probe ? probedPorts(probe) : [];
      if (probed.includes(port)) return;
      const health = meta ? constantValue(m, meta, "HEALTH_PATH") : undefined;
      const healthPath = health?.kind === "str" ? health.value : null;
      const kind = sites.some((s) => sameFunctionTls(s)) ? "tls" : "tcp";
      const evidence: ProblemEvidence[] = sites.slice(0, 3).map((s) => ({
        root: "harness",
        source: s.module.source,
        range: s.connect.range,
        note:
          `opens ${kind === "tls" ? "a TLS" : "a TCP"} connection to port ${port}` +
          (s.chain.length > 1 ? ` via ${s.chain.map((c) => c.fn.name).join(" → ")}` : ""),
      }));
      const healthConst = meta ? findConstant(meta, "HEALTH_PATH") : undefined;
      if (meta && healthConst) {
        evidence.push({
          root: "harness",
          source: meta.source,
          range: healthConst.range,
          note: "the only readiness gate: an HTTP health path",
        });
      }
      const conventions = probeConventions(m);
      ctx.report<Rf203Data>({
        recipe,
        root: "harness",
        file: module.source,
        range: test.range,
        message:
          `${test.nodeId} opens ${kind === "tls" ? "TLS" : "TCP"} port ${port}, but ${recipe}'s readiness gate is ` +
          `${healthPath !== null ? `the HTTP health path ${JSON.stringify(healthPath)}` : "an HTTP health path"} with ` +
          (probe ? `a READY_PROBE for port ${probed.join(", ") || "?"} only` : "no READY_PROBE") +
          `: the test races the service behind port ${port}`,
        key: `${test.nodeId}:port:${port}`,
        evidence,
        data: {
          port,
          kind,
          nodeId: test.nodeId,
          metaFile: meta?.source.path ?? null,
          healthPath,
          probeSupported: conventions.supported,
          probe: conventions.keys.map(([k, v]) => [k, v === "port" ? port : v]),
          otherProbe: probe !== undefined,
          retry: retryBudget(m, sites, meta),
        },
      });
    }
  },
};

/** Connects reachable from a function: its own, then those of the harness functions it calls. */
function reach(
  model: HarnessModel,
  module: HarnessModule,
  fn: HarnessFunction,
  env: Map<string, Bound>,
  chain: Reached["chain"],
  depth: number,
): Reached[] {
  if (depth > MAX_CHAIN || chain.some((c) => c.fn === fn)) return [];
  const here = [...chain, { module, fn, env }];
  const out: Reached[] = [];
  for (const connect of module.connects) {
    if (connect.enclosingFunction !== fn.qualifiedName) continue;
    const port =
      connect.portValue ?? (connect.port ? portOf(model, { expr: connect.port, module, env }, 0) : undefined);
    if (port !== undefined) out.push({ connect, module, port, chain: here });
  }
  for (const call of module.calls) {
    if (call.enclosingFunction !== fn.qualifiedName || !call.resolved) continue;
    const target = findFunction(model, call.resolved);
    if (!target) continue;
    const params = target.fn.params.filter((p) => !p.rest && !(target.fn.className && p.name === "self"));
    const bound = new Map<string, Bound>();
    params.forEach((p, i) => {
      const a = call.args[i];
      if (a && !a.spread) bound.set(p.name, { expr: a.value, module, env });
    });
    for (const k of call.kwargs) bound.set(k.name, { expr: k.value, module, env });
    out.push(...reach(model, target.module, target.fn, bound, here, depth + 1));
  }
  return out;
}

/**
 * A port number: a parameter follows its argument back to the caller; a call of a port accessor
 * (`app.port(64738)`, mapping the container port to the published one) stands for its argument;
 * anything else goes to the static evaluator.
 */
function portOf(model: HarnessModel, b: Bound, depth: number): number | undefined {
  if (depth > MAX_CHAIN) return undefined;
  const { expr, module, env } = b;
  if (expr.kind === "name" && env.has(expr.name)) return portOf(model, env.get(expr.name)!, depth + 1);
  if (expr.kind === "call") {
    const callee = dottedName(expr.call.calleeExpr) ?? "";
    const last = callee.slice(callee.lastIndexOf(".") + 1);
    if (/port/i.test(last) && expr.call.args.length === 1 && !expr.call.resolved) {
      return portOf(model, { expr: expr.call.args[0]!.value, module, env }, depth + 1);
    }
  }
  const v = evaluateValue(model, module, expr);
  return "value" in v && v.value.kind === "num" && Number.isInteger(v.value.value)
    ? v.value.value
    : undefined;
}

/** A TLS wrap in the same function as the TCP connect makes the connection a TLS one. */
function sameFunctionTls(r: Reached): boolean {
  return (
    r.connect.kind === "tls" ||
    r.module.connects.some((c) => c.kind === "tls" && c.enclosingFunction === r.connect.enclosingFunction)
  );
}

/** HTTP: 80/443, or a port traefik routes as HTTP (`traefik.http.services.*.loadbalancer.server.port`). */
function httpPort(recipe: Recipe | undefined, port: number): boolean {
  if (HTTP_PORTS.has(port)) return true;
  for (const c of recipe?.combinations ?? []) {
    for (const s of c.services.values()) {
      for (const [key, l] of s.deployLabels) {
        if (
          /^traefik\.http\.services\..*\.loadbalancer\.server\.port$/.test(key) &&
          Number(l.value.value) === port
        )
          return true;
      }
    }
  }
  return false;
}

function constantValue(model: HarnessModel, module: HarnessModule, name: string): StaticValue | undefined {
  if (!findConstant(module, name)) return undefined;
  const v = moduleConstant(model, module, name);
  return "value" in v ? v.value : undefined;
}

/** Ports a READY_PROBE covers: a bare number, or the port-like entries of a dict (or a list of them). */
function probedPorts(v: StaticValue): number[] {
  if (v.kind === "num") return [v.value];
  if (v.kind === "dict") {
    return v.entries.flatMap(([k, x]) =>
      k.kind === "str" && /port|tcp/i.test(k.value) && x.kind === "num" ? [x.value] : [],
    );
  }
  if (v.kind === "list" || v.kind === "tuple") return v.items.flatMap(probedPorts);
  return [];
}

/**
 * How this harness spells a readiness probe: the keys of another recipe's READY_PROBE when one exists
 * (its values for everything but the port), else the keys the machinery reads from it with their
 * defaults. `port` marks the port entry. `supported` is false when no machinery module reads one.
 */
export function probeConventions(model: HarnessModel): {
  supported: boolean;
  keys: [string, number | "port"][];
} {
  const machinery = model.modules.filter((m) => !m.source.path.startsWith("tests/"));
  const readers = machinery.filter((m) => /\bREADY_PROBE\b/.test(m.source.text));
  const supported = readers.length > 0;
  for (const m of model.modules) {
    if (!/recipe_meta\.[a-z]+$/.test(m.source.path)) continue;
    const v = constantValue(model, m, "READY_PROBE");
    if (v?.kind !== "dict") continue;
    const keys: [string, number | "port"][] = [];
    for (const [k, x] of v.entries) {
      if (k.kind !== "str") continue;
      if (/port|tcp/i.test(k.value)) keys.push([k.value, "port"]);
      else if (x.kind === "num") keys.push([k.value, x.value]);
    }
    if (keys.some(([, x]) => x === "port")) return { supported, keys: sortPortFirst(keys) };
  }
  // `probe.get("consecutive", 3)` in the function that reads READY_PROBE: key names and defaults.
  const keys: [string, number | "port"][] = [];
  for (const m of readers) {
    for (const call of m.calls) {
      if (!/\.get$/.test(call.callee)) continue;
      const key = call.args[0]?.string;
      if (!key || key === "READY_PROBE" || keys.some(([k]) => k === key)) continue;
      const dflt = call.args[1]?.value;
      if (/port|tcp/i.test(key)) {
        if (!keys.some(([, x]) => x === "port")) keys.push([key, "port"]);
      } else if (dflt?.kind === "number") keys.push([key, dflt.value]);
    }
  }
  if (!keys.some(([, x]) => x === "port")) keys.unshift(["port", "port"]);
  if (!keys.some(([k]) => /consecutive|count|times|streak|successes/i.test(k))) keys.push(["consecutive", 3]);
  return { supported, keys: sortPortFirst(keys) };
}

function sortPortFirst(keys: [string, number | "port"][]): [string, number | "port"][] {
  return [...keys.filter(([, x]) => x === "port"), ...keys.filter(([, x]) => x !== "port")];
}

/**
 * The retry budget of the first helper on the way to the socket that takes an `attempts`-like
 * parameter with a default the caller leaves alone: raised so attempts × delay covers the recipe's
 * `HTTP_TIMEOUT` (how long the harness waits for one answer from it); null when it already does.
 */
function retryBudget(
  model: HarnessModel,
  sites: Reached[],
  meta: HarnessModule | undefined,
): RetryBudget | null {
  const timeout = meta ? constantValue(model, meta, "HTTP_TIMEOUT") : undefined;
  for (const site of sites) {
    for (let i = 1; i < site.chain.length; i++) {
      const { module, fn, env } = site.chain[i]!;
      const param = fn.params.find((p) => RETRY_PARAM.test(p.name) && p.default);
      if (!param?.default || env.has(param.name)) continue;
      const target = numberSource(module, param.default);
      if (!target) continue;
      const delayParam = fn.params.find((p) => DELAY_PARAM.test(p.name) && p.default);
      const delay = delayParam?.default ? numberSource(module, delayParam.default)?.value : undefined;
      if (!delay || delay <= 0) continue;
      // An absolute target, not a multiple of the current value: a second run leaves it alone.
      const raised = Math.ceil((timeout?.kind === "num" ? timeout.value : DEFAULT_HTTP_TIMEOUT) / delay);
      if (raised <= target.value) continue;
      return {
        ...target,
        attempts: target.value,
        raised,
        what:
          target.what === ""
            ? `${fn.name}'s ${param.name} default`
            : `${target.what} (${fn.name}'s ${param.name})`,
      };
    }
  }
  return null;
}

/** Where a number a default stands for is written: the literal, or the module constant it names. */
function numberSource(
  module: HarnessModule,
  expr: HarnessExpr,
): { file: string; start: number; end: number; value: number; what: string } | null {
  if (expr.kind === "number") {
    return {
      file: module.source.path,
      start: expr.range.start,
      end: expr.range.end,
      value: expr.value,
      what: "",
    };
  }
  if (expr.kind === "name") {
    const c = findConstant(module, expr.name);
    if (c?.value.kind === "number") {
      return {
        file: module.source.path,
        start: c.value.range.start,
        end: c.value.range.end,
        value: c.value.value,
        what: c.name,
      };
    }
  }
  return null;
}
