import { evaluateValue } from "./evaluate.js";
import type { HarnessCall, HarnessConnect, HarnessExpr, HarnessModel, HarnessModule } from "./model.js";

/**
 * Sockets the harness opens, found among its calls: `socket.create_connection((host, port))`,
 * `sock.connect((host, port))`, `ssl.wrap_socket(sock)` / `ctx.wrap_socket(sock)`,
 * `asyncio.open_connection(host, port, ssl=…)`, and `net.connect` / `tls.connect` in TypeScript.
 */
export function findConnects(model: HarnessModel, module: HarnessModule): HarnessConnect[] {
  const out: HarnessConnect[] = [];
  for (const call of module.calls) {
    const found = module.language === "python" ? pythonConnect(module, call) : nodeConnect(module, call);
    if (!found) continue;
    const port = found.port ? portNumber(model, module, found.port) : undefined;
    out.push({
      range: call.range,
      kind: found.kind,
      callee: call.callee,
      ...(found.host ? { host: found.host } : {}),
      ...(found.port ? { port: found.port } : {}),
      ...(port !== undefined ? { portValue: port } : {}),
      ...(call.enclosingFunction ? { enclosingFunction: call.enclosingFunction } : {}),
    });
  }
  return out;
}

interface Found {
  kind: "tcp" | "tls";
  host?: HarnessExpr;
  port?: HarnessExpr;
}

function lastSegment(callee: string): string {
  return callee.slice(callee.lastIndexOf(".") + 1);
}

function importedFrom(module: HarnessModule, alias: string, modules: string[]): boolean {
  return module.imports.some((i) => i.alias === alias && modules.includes(i.module));
}

function address(e: HarnessExpr | undefined): Found | undefined {
  if (e?.kind !== "tuple" || e.items.length < 2) return undefined;
  return { kind: "tcp", host: e.items[0]!, port: e.items[1]! };
}

function pythonConnect(module: HarnessModule, call: HarnessCall): Found | undefined {
  const method = lastSegment(call.callee);
  const first = call.args[0]?.value ?? call.kwargs.find((k) => k.name === "address")?.value;
  const bareImport =
    call.callee === "create_connection" && importedFrom(module, "create_connection", ["socket"]);
  if (call.callee === "socket.create_connection" || bareImport) return address(first);
  if (method === "connect" && call.callee.includes(".")) return address(first);
  if (method === "wrap_socket") {
    const inner = first ? socketSource(module, call, first) : undefined;
    return {
      kind: "tls",
      ...(inner?.host ? { host: inner.host } : {}),
      ...(inner?.port ? { port: inner.port } : {}),
    };
  }
  if (method === "open_connection") {
    const host = call.args[0]?.value ?? call.kwargs.find((k) => k.name === "host")?.value;
    const port = call.args[1]?.value ?? call.kwargs.find((k) => k.name === "port")?.value;
    const ssl = call.kwargs.find((k) => k.name === "ssl")?.value;
    const tls = ssl !== undefined && ssl.kind !== "none" && !(ssl.kind === "bool" && !ssl.value);
    return { kind: tls ? "tls" : "tcp", ...(host ? { host } : {}), ...(port ? { port } : {}) };
  }
  return undefined;
}

/** The address of the socket `wrap_socket` wraps: a nested connect call, or a local assigned one. */
function socketSource(module: HarnessModule, call: HarnessCall, sock: HarnessExpr): Found | undefined {
  let e: HarnessExpr | undefined = sock;
  if (e.kind === "name") {
    const fn = module.functions.find((f) => f.qualifiedName === call.enclosingFunction);
    const name = e.name;
    e = fn?.locals.filter((l) => l.name === name && l.range.end <= call.range.start).pop()?.value;
  }
  if (e?.kind !== "call") return undefined;
  return pythonConnect(module, e.call);
}

function nodeConnect(module: HarnessModule, call: HarnessCall): Found | undefined {
  const method = lastSegment(call.callee);
  const owner = call.callee.includes(".") ? call.callee.slice(0, call.callee.lastIndexOf(".")) : undefined;
  let kind: "tcp" | "tls" | undefined;
  const fromNet = (alias: string) => importedFrom(module, alias, ["net", "node:net"]);
  const fromTls = (alias: string) => importedFrom(module, alias, ["tls", "node:tls"]);
  if (method === "connect" || method === "createConnection") {
    if (owner ? fromNet(owner) || owner === "net" : fromNet(method)) kind = "tcp";
    else if (method === "connect" && (owner ? fromTls(owner) || owner === "tls" : fromTls(method)))
      kind = "tls";
  }
  if (!kind) return undefined;
  const first = call.args[0]?.value;
  if (first?.kind === "dict") {
    const port = call.kwargs.find((k) => k.name === "port")?.value;
    const host = call.kwargs.find((k) => k.name === "host")?.value;
    return { kind, ...(host ? { host } : {}), ...(port ? { port } : {}) };
  }
  const host = call.args[1]?.value;
  return { kind, ...(host && host.kind !== "dict" ? { host } : {}), ...(first ? { port: first } : {}) };
}

function portNumber(model: HarnessModel, module: HarnessModule, port: HarnessExpr): number | undefined {
  const r = evaluateValue(model, module, port);
  if ("value" in r && r.value.kind === "num" && Number.isInteger(r.value.value)) return r.value.value;
  return undefined;
}
