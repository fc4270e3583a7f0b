import { evaluateValue, moduleConstant } from "../harness/evaluate.js";
import type { StaticValue } from "../harness/evaluate.js";
import { findConstant, findFunction, recipeOfPath } from "../harness/model.js";
import type {
  HarnessConnect,
  HarnessExpr,
  HarnessFunction,
  HarnessModel,
  HarnessModule,
  HarnessTest,
} from "../harness/model.js";
import { dottedName } from "../harness/resolve.js";
import type { Recipe } from "../load/workspace.js";
import type { ProblemEvidence, Rule } from "./rule.js";
import { ABRA_ONLY, ruleData } from "./rule.js";
import { recipeMetaModule } from "./support/harness-recipes.js";

/** Helper calls followed from a test to the socket it opens. */
const MAX_CHAIN = 6;
/** Ports that speak HTTP whatever the recipe says. */
const HTTP_PORTS = new Set([80, 443]);
/** The lifecycle's `getattr(meta, "HTTP_TIMEOUT", 10)` when the meta names none. */
const DEFAULT_HTTP_TIMEOUT = 10;
const RETRY_PARAM = /^(max_)?(attempts|retries|tries)$|^(max)?(Attempts|Retries|Tries)$/;
/**
 * A helper's time budget for all its attempts together (`budget=3.5`, `deadline`, `total_timeout`,
 * `within`, `budgetMs`): not a bare `timeout`, which bounds one call.
 */
const TIME_PARAM =
  /^(?:(?:max|total|overall)_?)?(?:budget|deadline)(?:_?(?:s|secs|seconds|ms|millis))?$|^(?:total|overall)_?timeout(?:_?(?:s|secs|seconds|ms|millis))?$|^within(?:_?(?:s|secs|seconds|ms|millis))?$/i;
const MILLISECONDS = /(?:ms|millis)$/i;
const DELAY_PARAM = /delay|interval|backoff|wait/i;
/** Probe keys that make each probe complete a TLS handshake (`probe.get("tls", False)`). */
const TLS_KEY = /tls|ssl|handshake|secure/i;
const PORT_KEY = /port|tcp/i;
export const CONSECUTIVE_KEY = /consecutive|count|times|streak|successes/i;

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
  /** An attempts count, or a time budget for all attempts (seconds, or milliseconds for `budgetMs`). */
  unit: "attempts" | "seconds" | "milliseconds";
  current: number;
  raised: number;
  /** What the number is: `HANDSHAKE_BUDGET (retry_handshake's budget)` or `login's attempts default`. */
  what: string;
}

/** A probe entry: the port, a TLS switch, or a number the machinery reads (count, interval). */
export type ProbeValue = number | boolean;

export interface Rf203Data {
  port: number;
  kind: "tcp" | "tls";
  nodeId: string;
  /** The recipe's meta module, when it has one. */
  metaFile: string | null;
  healthPath: string | null;
  /** Whether the harness machinery reads a `READY_PROBE` at all (else adding one does nothing). */
  probeSupported: boolean;
  /** The probe in the harness's conventions: key → value, port key first, then the TLS key if set. */
  probe: [string, ProbeValue][];
  /**
   * What the probe checks: TLS handshakes when a test of the recipe speaks TLS on the port and the
   * machinery reads a TLS key, else TCP connects.
   */
  probeChecks: "tcp" | "tls";
  /** A TLS port whose probe can only check TCP connects: the machinery reads no TLS key. */
  tlsUnchecked: boolean;
  /** A probe the recipe already has, for another port: there is room for one only. */
  otherProbe: boolean;
  /** Budgets of the helper that retries the connection, raised to cover `HTTP_TIMEOUT`. */
  retry: RetryBudget[];
  /** The recipe's TCP-only READY_PROBE for this TLS port: its TLS switch, off or missing. */
  tlsSwitch: TlsSwitch | null;
  /**
   * With no lifecycle that reads READY_PROBE: the test's own call of the helper that connects, which
   * the fix retries until the port answers, within the recipe's HTTP_TIMEOUT. Null when the machinery
   * reads READY_PROBE, or when the test connects itself (no helper call to retry).
   */
  waitFor: WaitFor | null;
}

/** A test's call of its connect/handshake helper, to retry while the port is not ready. */
export interface WaitFor {
  /** Harness path of the test module. */
  file: string;
  /** The call expression in the test function. */
  call: { start: number; end: number };
  /** Whether the call is awaited where it stands (`await helper(...)`). */
  awaited: boolean;
  /** The test function: where a module-level helper can go before it; null for a method or callback. */
  testStart: number | null;
  /** Seconds the harness waits for the recipe: its HTTP_TIMEOUT, or 10 when it names none. */
  budgetSeconds: number;
  /** Where the budget comes from: the recipe meta's constant, or the default. */
  budgetFrom: "HTTP_TIMEOUT" | "default";
}

/** Where a READY_PROBE's TLS switch is (off) or would go; the codemod spells it. */
export interface TlsSwitch {
  /** Harness path of the recipe's meta module. */
  file: string;
  /** The key the lifecycle reads (`tls`). */
  key: string;
  /** The switch's value when the probe has the key (false): the range to turn on. */
  value: { start: number; end: number } | null;
  /** The end of the port entry's value: the switch goes after it when the probe has no key. */
  after: number;
  /** Whether the probe writes its keys quoted (a TypeScript object may write them bare). */
  quotedKeys: boolean;
}

/** The helper RF203's fix adds to a test module whose harness reads no READY_PROBE. */
export const WAIT_FOR_PORT = "wait_for_port";

/** RF203's facts, for its codemod. */
export const RF203_DATA = ruleData<Rf203Data>("RF203");

export const rf203: Rule = {
  replayTopics: /handshake|protocol|ready|port|connect/i,
  meta: {
    id: "RF203",
    name: "harness-port-without-readiness",
    description: "harness: a test on a non-HTTP port with no readiness gate for that port",
    severity: "warning",
    target: "harness",
    classification: "harness-defect",
    fixable: true,
    kinds: ABRA_ONLY,
    scope: "workspace",
    docs: `The harness calls a deployment ready when its \`HEALTH_PATH\` answers 200 over HTTP. A test that opens a
socket on a non-HTTP port (Mumble's TLS voice port 64738) is then racing the service behind that port: the
health path may be served by a sidecar (mumble's \`status\` nginx) that is up long before the port accepts
connections, and under concurrent load the test fails intermittently — a harness defect that reads as a
recipe failure.

What it checks: for every test under \`tests/<recipe>/\`, the sockets it opens (\`socket.create_connection\`,
\`wrap_socket\`, \`net.connect\`, \`tls.connect\`), followed through harness helpers with the arguments they are
called with; a port is non-HTTP unless it is 80/443 or a \`traefik.http\` server port of the recipe. A finding
when the recipe's \`recipe_meta\` has no \`READY_PROBE\` for that port — or, for a port a test speaks TLS on,
when its \`READY_PROBE\` checks TCP connects only although the lifecycle reads a TLS switch (fixed by turning
the switch on in the existing probe).

Fix: a \`READY_PROBE\` for the port in the harness's own conventions (the keys other recipes' probes use, or
the keys the lifecycle reads, with its defaults: port first, N consecutive successes, an interval). When a
test of the recipe speaks TLS on the port and the lifecycle reads a TLS switch (\`probe.get("tls", False)\`,
\`probe.tls ?? false\`; keys like tls/ssl/handshake/secure), the probe sets it — \`True\` / \`true\`, in the
harness's spelling — so each probe completes a TLS handshake: a server can accept TCP connections before it
can answer one (murmurd listens, then generates its certificate). A TCP-only port gets no such key; when the
lifecycle reads none, the fix says that its probe can only check TCP connects. And a larger budget on the
helper that retries the handshake, never lowered, to cover the recipe's \`HTTP_TIMEOUT\` (10 s when unset):
enough attempts at its delay, or a time budget for all attempts (\`budget\`, \`deadline\`, \`total_timeout\`,
\`within\`; not a per-call \`timeout\`) raised to \`HTTP_TIMEOUT\` itself. Source: cc-ci \`lifecycle.py\`, domain.md (readiness); backlog (mumble).`,
  },
  check(ctx) {
    const model = ctx.workspace.harness;
    if (!model) return;
    const found: {
      recipe: string;
      module: HarnessModule;
      test: HarnessTest;
      port: number;
      sites: Reached[];
    }[] = [];
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
          found.push({ recipe: recipeName, module, test, port, sites });
        }
      }
    }
    // One probe per port, whichever test of the recipe reports it: TLS when any of them speaks TLS there.
    const tlsPorts = new Set(
      found.filter((f) => f.sites.some((s) => sameFunctionTls(s))).map((f) => `${f.recipe}:${f.port}`),
    );
    const conventions = probeConventions(model);
    for (const f of found)
      report(f.recipe, f.module, f.test, f.port, f.sites, tlsPorts.has(`${f.recipe}:${f.port}`));

    function report(
      recipe: string,
      module: HarnessModule,
      test: HarnessTest,
      port: number,
      sites: Reached[],
      tlsPort: boolean,
    ): void {
      const m = model!;
      const meta = recipeMetaModule(m, recipe);
      const probe = meta ? constantValue(m, meta, "READY_PROBE") : undefined;
      const probed = probe ? probedPorts(probe) : [];
      if (probed.includes(port)) {
        if (tlsPort && conventions.tlsKey && meta) tcpOnlyProbe(recipe, module, test, port, sites, meta);
        return;
      }
      // With no lifecycle that reads READY_PROBE, a test that retries its connection through a
      // wait helper (RF203's own fix) waits for the port itself.
      if (!conventions.supported && waitsItself(module, sites)) return;
      const health = meta ? constantValue(m, meta, "HEALTH_PATH") : undefined;
      const healthPath = health?.kind === "str" ? health.value : null;
      const kind = sites.some((s) => sameFunctionTls(s)) ? "tls" : "tcp";
      const evidence = connectEvidence(sites, port, kind);
      const healthConst = meta ? findConstant(meta, "HEALTH_PATH") : undefined;
      if (meta && healthConst) {
        evidence.push({
          root: "harness",
          source: meta.source,
          range: healthConst.range,
          note: "the only readiness gate: an HTTP health path",
        });
      }
      const probeChecks = tlsPort && conventions.tlsKey !== null ? "tls" : "tcp";
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
          probe: probeEntries(conventions, port, probeChecks === "tls"),
          probeChecks,
          tlsUnchecked: tlsPort && probeChecks === "tcp",
          otherProbe: probe !== undefined,
          retry: retryBudgets(m, sites, meta),
          tlsSwitch: null,
          waitFor: conventions.supported ? null : waitFor(m, module, sites, meta),
        },
      });
    }

    /**
     * A READY_PROBE for a TLS port that checks TCP connects only, where the lifecycle could check TLS
     * handshakes: the gate opens while the server still cannot answer one.
     */
    function tcpOnlyProbe(
      recipe: string,
      module: HarnessModule,
      test: HarnessTest,
      port: number,
      sites: Reached[],
      meta: HarnessModule,
    ): void {
      const tlsKey = conventions.tlsKey!;
      const constant = findConstant(meta, "READY_PROBE");
      if (constant?.value.kind !== "dict") return;
      const keyOf = (e: { key: HarnessExpr }) => (e.key.kind === "string" ? e.key.value : null);
      const entries = constant.value.entries;
      const current = entries.find((e) => keyOf(e) === tlsKey);
      if (current?.value.kind === "bool" && current.value.value) return;
      const portEntry = entries.find((e) => {
        const k = keyOf(e);
        return k !== null && PORT_KEY.test(k) && e.value.kind === "number" && e.value.value === port;
      });
      if (!portEntry && !current) return;
      const text = meta.source.text;
      const tlsSwitch: TlsSwitch = {
        file: meta.source.path,
        key: tlsKey,
        value: current ? { start: current.value.range.start, end: current.value.range.end } : null,
        after: portEntry?.value.range.end ?? current!.value.range.end,
        quotedKeys: portEntry ? /^["']/.test(text.slice(portEntry.key.range.start)) : true,
      };
      ctx.report<Rf203Data>({
        recipe,
        root: "harness",
        file: module.source,
        range: test.range,
        message:
          `${test.nodeId} speaks TLS on port ${port}, but ${recipe}'s READY_PROBE checks TCP connects only ` +
          `(the lifecycle reads ${JSON.stringify(tlsKey)}): a server accepts connections before it can answer a TLS handshake`,
        key: `${test.nodeId}:port:${port}:tls`,
        evidence: [
          ...connectEvidence(sites, port, "tls"),
          {
            root: "harness",
            source: meta.source,
            range: constant.range,
            note: `probes port ${port} without ${JSON.stringify(tlsKey)}: TCP connects only`,
          },
        ],
        data: {
          port,
          kind: "tls",
          nodeId: test.nodeId,
          metaFile: meta.source.path,
          healthPath: null,
          probeSupported: conventions.supported,
          probe: [],
          probeChecks: "tls",
          tlsUnchecked: false,
          otherProbe: true,
          retry: retryBudgets(model!, sites, meta),
          tlsSwitch,
          waitFor: null,
        },
      });
    }
  },
};

/** Where the test reaches the port: the first three sockets, with the helper chain to each. */
function connectEvidence(sites: Reached[], port: number, kind: "tcp" | "tls"): ProblemEvidence[] {
  return sites.slice(0, 3).map((s) => ({
    root: "harness",
    source: s.module.source,
    range: s.connect.range,
    note:
      `opens ${kind === "tls" ? "a TLS" : "a TCP"} connection to port ${port}` +
      (s.chain.length > 1 ? ` via ${s.chain.map((c) => c.fn.name).join(" → ")}` : ""),
  }));
}

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

/** How this harness spells a readiness probe: see `probeConventions`. */
export interface ProbeConventions {
  /** False when no machinery module reads a READY_PROBE. */
  supported: boolean;
  /** Key → value; `port` marks the port entry, which comes first. No TLS key. */
  keys: [string, number | "port"][];
  /** The boolean key the machinery reads to complete a TLS handshake per probe, in its spelling. */
  tlsKey: string | null;
}

/**
 * How this harness spells a readiness probe: the keys of another recipe's READY_PROBE when one exists
 * (its values for everything but the port), else the keys the machinery reads from it with their
 * defaults (`probe.get("consecutive", 3)`, `probe.consecutive ?? 3`). The TLS key is the machinery's
 * (`probe.get("tls", False)`) whatever another probe spells: a key nothing reads checks nothing.
 */
export function probeConventions(model: HarnessModel): ProbeConventions {
  const machinery = model.modules.filter((m) => !m.source.path.startsWith("tests/"));
  const readers = machinery.filter((m) => /\bREADY_PROBE\b/.test(m.source.text));
  const supported = readers.length > 0;
  const read = readers.flatMap(probeReads);
  // A TLS switch read from the probe itself; a boolean `.get` elsewhere only when nothing reads the probe.
  const tlsReads = read.filter(
    (r) => TLS_KEY.test(r.key) && (r.dflt === undefined || typeof r.dflt === "boolean"),
  );
  const tlsKey =
    (
      tlsReads.find((r) => r.onProbe) ??
      tlsReads.find((r) => typeof r.dflt === "boolean" && !read.some((x) => x.onProbe))
    )?.key ?? null;
  for (const m of model.modules) {
    if (!/recipe_meta\.[a-z]+$/.test(m.source.path)) continue;
    const v = constantValue(model, m, "READY_PROBE");
    if (v?.kind !== "dict") continue;
    const keys: [string, number | "port"][] = [];
    for (const [k, x] of v.entries) {
      if (k.kind !== "str") continue;
      if (PORT_KEY.test(k.value)) keys.push([k.value, "port"]);
      else if (x.kind === "num") keys.push([k.value, x.value]);
    }
    if (keys.some(([, x]) => x === "port")) return { supported, keys: sortPortFirst(keys), tlsKey };
  }
  const keys: [string, number | "port"][] = [];
  for (const { key, dflt } of read) {
    if (keys.some(([k]) => k === key)) continue;
    if (PORT_KEY.test(key)) {
      if (!keys.some(([, x]) => x === "port")) keys.push([key, "port"]);
    } else if (typeof dflt === "number") keys.push([key, dflt]);
  }
  if (!keys.some(([, x]) => x === "port")) keys.unshift(["port", "port"]);
  if (!keys.some(([k]) => CONSECUTIVE_KEY.test(k))) keys.push(["consecutive", 3]);
  return { supported, keys: sortPortFirst(keys), tlsKey };
}

/** The probe for one port: the port entry, then the TLS key when the probe checks TLS, then the rest. */
function probeEntries(conventions: ProbeConventions, port: number, tls: boolean): [string, ProbeValue][] {
  const [first, ...rest] = conventions.keys.map(([k, v]): [string, ProbeValue] => [
    k,
    v === "port" ? port : v,
  ]);
  return [
    first!,
    ...(tls && conventions.tlsKey ? [[conventions.tlsKey, true] as [string, ProbeValue]] : []),
    ...rest,
  ];
}

interface ProbeRead {
  key: string;
  dflt?: number | boolean;
  /** Read from the READY_PROBE (or a local bound to it), not from some other mapping's `.get`. */
  onProbe: boolean;
  at: number;
}

/**
 * The probe keys a machinery module reads, in source order: `<x>.get("key", default)` (Python), and
 * `<probe>.key ?? default` / `<probe>.key || default` on the READY_PROBE or a local bound to it
 * (TypeScript). Defaults are the literal numbers and booleans; absent when there is none.
 */
function probeReads(module: HarnessModule): ProbeRead[] {
  const holders = new Set<string>();
  for (const fn of module.functions) {
    for (const l of fn.locals) if (mentionsReadyProbe(l.value)) holders.add(l.name);
  }
  const isProbe = (e: HarnessExpr): boolean =>
    (e.kind === "attribute" && e.name === "READY_PROBE") || (e.kind === "name" && holders.has(e.name));
  const out: ProbeRead[] = [];
  for (const call of module.calls) {
    if (!/\.get$/.test(call.callee)) continue;
    const key = call.args[0]?.string;
    if (!key || key === "READY_PROBE") continue;
    const onProbe = call.calleeExpr.kind === "attribute" && isProbe(call.calleeExpr.object);
    out.push({ key, dflt: literal(call.args[1]?.value), onProbe, at: call.range.start });
  }
  const seen = new Set<number>();
  const visit = (e: HarnessExpr | undefined): void => {
    if (!e || seen.has(e.range.start * 1e6 + e.range.end)) return;
    seen.add(e.range.start * 1e6 + e.range.end);
    if (
      e.kind === "binary" &&
      (e.op === "??" || e.op === "or") &&
      e.left.kind === "attribute" &&
      isProbe(e.left.object)
    ) {
      out.push({ key: e.left.name, dflt: literal(e.right), onProbe: true, at: e.left.range.start });
    } else if (e.kind === "attribute" && isProbe(e.object) && PORT_KEY.test(e.name)) {
      out.push({ key: e.name, onProbe: true, at: e.range.start });
    }
    for (const child of children(e)) visit(child);
  };
  for (const call of module.calls) {
    for (const a of [...call.args, ...call.kwargs]) visit(a.value);
  }
  for (const fn of module.functions) {
    for (const l of fn.locals) visit(l.value);
    for (const r of fn.returns) visit(r.value);
  }
  for (const c of module.constants) visit(c.value);
  return out.sort((a, b) => a.at - b.at);
}

function literal(e: HarnessExpr | undefined): number | boolean | undefined {
  if (e?.kind === "number" || e?.kind === "bool") return e.value;
  return undefined;
}

function mentionsReadyProbe(e: HarnessExpr): boolean {
  if (e.kind === "attribute" && e.name === "READY_PROBE") return true;
  if (e.kind === "string" && e.value === "READY_PROBE") return true;
  if (e.kind === "call") return e.call.args.some((a) => mentionsReadyProbe(a.value));
  return children(e).some(mentionsReadyProbe);
}

/** The subexpressions of an expression (a call's are its callee and arguments). */
function children(e: HarnessExpr): HarnessExpr[] {
  switch (e.kind) {
    case "attribute":
      return [e.object];
    case "subscript":
      return [e.object, e.index];
    case "call":
      return [e.call.calleeExpr, ...e.call.args.map((a) => a.value), ...e.call.kwargs.map((k) => k.value)];
    case "binary":
      return [e.left, e.right];
    case "unary":
      return [e.operand];
    case "conditional":
      return [e.test, e.then, e.else];
    case "dict":
      return e.entries.flatMap((x) => [x.key, x.value]);
    case "list":
    case "tuple":
    case "set":
      return e.items;
    case "template":
      return e.parts.flatMap((p) => (p.kind === "value" ? [p.expr] : []));
    default:
      return [];
  }
}

function sortPortFirst(keys: [string, number | "port"][]): [string, number | "port"][] {
  return [...keys.filter(([, x]) => x === "port"), ...keys.filter(([, x]) => x !== "port")];
}

/** Every site's first call from the test sits inside a call of a wait/retry helper. */
function waitsItself(module: HarnessModule, sites: Reached[]): boolean {
  return sites.every((site) => {
    const [test, helper] = site.chain;
    if (!test || !helper) return false;
    const inner = module.calls.find(
      (c) => c.enclosingFunction === test.fn.qualifiedName && c.resolved === helper.fn.qualifiedName,
    );
    return (
      !!inner &&
      module.calls.some(
        (c) =>
          c !== inner &&
          c.range.start < inner.range.start &&
          inner.range.end <= c.range.end &&
          (c.callee === WAIT_FOR_PORT ||
            /^(wait_?for|wait_?until|retry)/i.test(c.callee.split(".").pop() ?? "")),
      )
    );
  });
}

/** The test's call of the first helper on the way to the socket (see `WaitFor`). */
function waitFor(
  model: HarnessModel,
  module: HarnessModule,
  sites: Reached[],
  meta: HarnessModule | undefined,
): WaitFor | null {
  const timeout = meta ? constantValue(model, meta, "HTTP_TIMEOUT") : undefined;
  const named = timeout?.kind === "num" && timeout.value > 0;
  for (const site of sites) {
    const [test, helper] = site.chain;
    if (!test || !helper || test.module !== module) continue;
    const call = module.calls.find(
      (c) => c.enclosingFunction === test.fn.qualifiedName && c.resolved === helper.fn.qualifiedName,
    );
    if (!call) continue;
    const before = module.source.text.slice(0, call.range.start);
    return {
      file: module.source.path,
      call: { start: call.range.start, end: call.range.end },
      awaited: /\bawait\s*$/.test(before),
      testStart: test.fn.className || test.fn.qualifiedName.includes("::") ? null : test.fn.range.start,
      budgetSeconds: named && timeout.kind === "num" ? timeout.value : DEFAULT_HTTP_TIMEOUT,
      budgetFrom: named ? "HTTP_TIMEOUT" : "default",
    };
  }
  return null;
}

/**
 * The retry budgets of the first helper on the way to the socket that takes an `attempts`-like or a
 * time-budget parameter with a default the caller leaves alone, raised to cover the recipe's
 * `HTTP_TIMEOUT` (how long the harness waits for one answer from it): attempts × delay, or the time
 * budget itself. Absolute targets, never lower than the current value: a second run changes nothing.
 */
function retryBudgets(model: HarnessModel, sites: Reached[], meta: HarnessModule | undefined): RetryBudget[] {
  const timeout = meta ? constantValue(model, meta, "HTTP_TIMEOUT") : undefined;
  const seconds = timeout?.kind === "num" && timeout.value > 0 ? timeout.value : DEFAULT_HTTP_TIMEOUT;
  for (const site of sites) {
    for (let i = 1; i < site.chain.length; i++) {
      const { module, fn, env } = site.chain[i]!;
      const free = (re: RegExp) => fn.params.find((p) => re.test(p.name) && p.default && !env.has(p.name));
      const out: RetryBudget[] = [];
      const attemptsParam = free(RETRY_PARAM);
      const attempts = attemptsParam ? numberSource(module, attemptsParam.default!) : null;
      const delayParam = fn.params.find((p) => DELAY_PARAM.test(p.name) && p.default);
      const delay = delayParam?.default ? numberSource(module, delayParam.default)?.value : undefined;
      if (attemptsParam && attempts && delay && delay > 0) {
        const raised = Math.ceil(seconds / delay);
        if (raised > attempts.value) out.push(budget(fn, attemptsParam.name, attempts, "attempts", raised));
      }
      const timeParam = free(TIME_PARAM);
      const time = timeParam ? numberSource(module, timeParam.default!) : null;
      if (timeParam && time) {
        const unit = MILLISECONDS.test(timeParam.name) ? "milliseconds" : "seconds";
        const raised = unit === "milliseconds" ? seconds * 1000 : seconds;
        if (raised > time.value) out.push(budget(fn, timeParam.name, time, unit, raised));
      }
      if (out.length > 0) return out;
    }
  }
  return [];
}

function budget(
  fn: HarnessFunction,
  param: string,
  target: { file: string; start: number; end: number; value: number; what: string },
  unit: RetryBudget["unit"],
  raised: number,
): RetryBudget {
  return {
    file: target.file,
    start: target.start,
    end: target.end,
    unit,
    current: target.value,
    raised,
    what: target.what === "" ? `${fn.name}'s ${param} default` : `${target.what} (${fn.name}'s ${param})`,
  };
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
