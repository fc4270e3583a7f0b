import { isMatcherToken, type Caddyfile, type CaddyDirective, type CaddyToken } from "./caddyfile.js";
import { parseAddress, type UpstreamRef } from "./upstream.js";

/** Directives whose arguments and `to` subdirective name upstreams (all share reverse_proxy's syntax). */
const PROXY_DIRECTIVES: Record<string, string> = {
  reverse_proxy: "caddy.reverse_proxy",
  php_fastcgi: "caddy.php_fastcgi",
  forward_auth: "caddy.forward_auth",
};

/** An upstream or URL token as an UpstreamRef; unix sockets and empty tokens have no host. */
function tokenRef(
  text: string,
  token: CaddyToken,
  kind: string,
  form: "url" | "auto",
): UpstreamRef | undefined {
  const raw = text.slice(token.contentStart, token.contentEnd);
  if (raw === "" || raw.startsWith("unix/")) return undefined;
  return parseAddress(raw, kind, {
    form,
    offset: token.contentStart,
    range: { start: token.start, end: token.end },
  });
}

function proxyRefs(text: string, d: CaddyDirective, kind: string, out: UpstreamRef[]): void {
  const args = d.args[0] && isMatcherToken(d.args[0]) ? d.args.slice(1) : d.args;
  for (const arg of args) {
    const ref = tokenRef(text, arg, kind, "auto");
    if (ref) out.push(ref);
  }
  // Subdirectives other than `to` and `dynamic a` (transport, health checks, headers) name no upstream.
  for (const sub of d.block?.directives ?? []) {
    if (sub.name.text === "dynamic" && sub.args[0]?.text === "a") {
      const ref = dynamicARef(text, sub, `${kind}.dynamic`);
      if (ref) out.push(ref);
    }
    if (sub.name.text !== "to") continue;
    for (const arg of sub.args) {
      const ref = tokenRef(text, arg, `${kind}.to`, "auto");
      if (ref) out.push(ref);
    }
  }
}

/** `dynamic a <name> <port>` or `dynamic a { name <name>; port <port> }`: upstreams from DNS A records. */
function dynamicARef(text: string, sub: CaddyDirective, kind: string): UpstreamRef | undefined {
  const inner = (key: string): CaddyToken | undefined =>
    sub.block?.directives.find((x) => x.name.text === key)?.args[0];
  const name = sub.args[1] ?? inner("name");
  const port = sub.args[2] ?? inner("port");
  if (!name) return undefined;
  const ref = tokenRef(text, name, kind, "auto");
  if (ref && ref.port === undefined && port && /^\d{1,5}$/.test(port.text)) ref.port = Number(port.text);
  return ref;
}

function onDemandRefs(text: string, d: CaddyDirective, out: UpstreamRef[]): void {
  for (const sub of d.block?.directives ?? []) {
    if (sub.name.text === "ask" && sub.args[0]) {
      const ref = tokenRef(text, sub.args[0], "caddy.on_demand_tls.ask", "url");
      if (ref) out.push(ref);
    }
    // Caddy 2.8+: `permission http { endpoint URL }` replaces `ask`.
    if (sub.name.text === "permission" && sub.args[0]?.text === "http") {
      for (const p of sub.block?.directives ?? []) {
        if (p.name.text !== "endpoint" || !p.args[0]) continue;
        const ref = tokenRef(text, p.args[0], "caddy.on_demand_tls.permission", "url");
        if (ref) out.push(ref);
      }
    }
  }
}

function visit(text: string, directives: CaddyDirective[], out: UpstreamRef[]): void {
  for (const d of directives) {
    const kind = PROXY_DIRECTIVES[d.name.text];
    if (d.name.kind === "word" && kind) proxyRefs(text, d, kind, out);
    else if (d.name.text === "on_demand_tls") onDemandRefs(text, d, out);
    else if (d.block) visit(text, d.block.directives, out);
  }
}

/**
 * Upstreams a Caddyfile reaches: `reverse_proxy` / `php_fastcgi` / `forward_auth` arguments and their
 * `to` subdirective, and the global `on_demand_tls { ask URL }`, in every block including snippets.
 */
export function caddyUpstreams(doc: Caddyfile): UpstreamRef[] {
  const out: UpstreamRef[] = [];
  for (const sb of doc.serverBlocks) visit(doc.text, sb.directives, out);
  return out.sort((a, b) => a.range.start - b.range.start || a.hostRange.start - b.hostRange.start);
}
