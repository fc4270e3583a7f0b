import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  parseDocument,
  type Document,
  type Node,
  type Pair,
  type YAMLMap,
} from "yaml";
import { parseAddress, templateActionEnd, type UpstreamRef } from "./upstream.js";

/**
 * Traefik file-provider dynamic config: `url` of `http.services.*.loadBalancer.servers` and `address`
 * of `tcp`/`udp` services, in YAML and TOML; `address` of `http.middlewares.*.forwardAuth` in YAML. Traefik renders Go templates in these files before parsing,
 * so template actions are masked (same length) for the YAML parser and read back from the original text.
 */

export interface TraefikError {
  message: string;
  start: number;
  end: number;
}

export interface TraefikUpstreams {
  refs: UpstreamRef[];
  errors: TraefikError[];
}

const SERVER_KEY: Record<string, string> = { http: "url", tcp: "address", udp: "address" };

/** Replaces template actions by same-length filler; a line holding only actions becomes blank. */
export function maskTemplateActions(text: string): { masked: string; errors: TraefikError[] } {
  const errors: TraefikError[] = [];
  const chars = text.split("");
  const spans: [number, number][] = [];
  let at = text.indexOf("{{");
  while (at !== -1) {
    const end = templateActionEnd(text, at);
    if (end === -1) {
      errors.push({ message: "unterminated template action '{{'", start: at, end: text.length });
      spans.push([at, text.length]);
      break;
    }
    spans.push([at, end]);
    at = text.indexOf("{{", end);
  }
  for (const [s, e] of spans) {
    const lineStart = text.lastIndexOf("\n", s - 1) + 1;
    const nl = text.indexOf("\n", e);
    const lineEnd = nl === -1 ? text.length : nl;
    const rest =
      text.slice(lineStart, s).trim() +
      text
        .slice(e, lineEnd)
        .replace(/\{\{[\s\S]*?\}\}/g, "")
        .trim();
    const filler = rest === "" ? " " : "x";
    for (let k = s; k < e; k++) if (chars[k] !== "\n") chars[k] = filler;
  }
  return { masked: chars.join(""), errors };
}

/** A key's value, case-insensitively as Traefik reads keys, through YAML aliases. */
function get(doc: Document, map: YAMLMap, key: string): Node | undefined {
  const pair = (map.items as Pair<Node, Node>[]).find(
    (p) => isScalar(p.key) && String(p.key.value).toLowerCase() === key,
  );
  const value = pair?.value ?? undefined;
  return isAlias(value) ? (value.resolve(doc) as Node | undefined) : value;
}

function scalarRef(
  text: string,
  node: Node | null | undefined,
  kind: string,
  form: "url" | "auto",
): UpstreamRef | undefined {
  if (!isScalar(node) || !node.range) return undefined;
  const [start, valueEnd] = node.range;
  const quoted = node.type === "QUOTE_DOUBLE" || node.type === "QUOTE_SINGLE";
  if (node.type === "BLOCK_LITERAL" || node.type === "BLOCK_FOLDED") return undefined;
  const cs = quoted ? start + 1 : start;
  const ce = quoted ? valueEnd - 1 : valueEnd;
  const raw = text.slice(cs, ce);
  if (raw === "") return undefined;
  return parseAddress(raw, kind, { form, offset: cs, range: { start, end: valueEnd } });
}

export function traefikYamlUpstreams(text: string): TraefikUpstreams {
  const { masked, errors } = maskTemplateActions(text);
  const doc = parseDocument(masked, { prettyErrors: false, uniqueKeys: false });
  // The yaml package may place an end-of-input error one past the text.
  const clamp = (k: number): number => Math.min(Math.max(k, 0), text.length);
  for (const e of doc.errors) {
    errors.push({
      message: e.message.split("\n")[0] ?? e.message,
      start: clamp(e.pos[0]),
      end: clamp(e.pos[1]),
    });
  }
  const refs: UpstreamRef[] = [];
  if (isMap(doc.contents)) {
    for (const [proto, key] of Object.entries(SERVER_KEY)) {
      const section = get(doc, doc.contents, proto);
      const services = isMap(section) ? get(doc, section, "services") : undefined;
      if (!isMap(services)) continue;
      for (const svc of services.items as Pair<Node, Node>[]) {
        const service = isAlias(svc.value) ? (svc.value.resolve(doc) as Node | undefined) : svc.value;
        const lb = isMap(service) ? get(doc, service, "loadbalancer") : undefined;
        const servers = isMap(lb) ? get(doc, lb, "servers") : undefined;
        if (!isSeq(servers)) continue;
        for (const item of servers.items) {
          const server = isAlias(item) ? item.resolve(doc) : item;
          if (!isMap(server)) continue;
          const ref = scalarRef(
            text,
            get(doc, server, key),
            `traefik.${key}`,
            key === "url" ? "url" : "auto",
          );
          if (ref) refs.push(ref);
        }
      }
    }
  }
  // A forwardAuth middleware's `address` (`http://traefik-forward-auth:4181`) is a URL Traefik calls too.
  const http = isMap(doc.contents) ? get(doc, doc.contents, "http") : undefined;
  const middlewares = isMap(http) ? get(doc, http, "middlewares") : undefined;
  if (isMap(middlewares)) {
    for (const mw of middlewares.items as Pair<Node, Node>[]) {
      const m = isAlias(mw.value) ? (mw.value.resolve(doc) as Node | undefined) : mw.value;
      const fa = isMap(m) ? get(doc, m, "forwardauth") : undefined;
      const ref = isMap(fa)
        ? scalarRef(text, get(doc, fa, "address"), "traefik.forwardAuth.address", "url")
        : undefined;
      if (ref) refs.push(ref);
    }
  }
  // Services sharing one anchored server list would report the same bytes twice.
  const unique = refs.filter((r, k) => refs.findIndex((o) => o.hostRange.start === r.hostRange.start) === k);
  return {
    refs: unique.sort((a, b) => a.range.start - b.range.start),
    errors: errors.sort((a, b) => a.start - b.start),
  };
}

/** Splits a TOML dotted key (`http.services."my-app".loadBalancer`) into lower-cased parts. */
function dottedKey(key: string): string[] {
  const parts: string[] = [];
  const re = /\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|([A-Za-z0-9_-]+))\s*(?:\.|$)/gy;
  let m: RegExpExecArray | null;
  while ((m = re.exec(key)) !== null && m[0] !== "") parts.push((m[1] ?? m[2] ?? m[3] ?? "").toLowerCase());
  return parts;
}

/** Offset of a `#` comment outside strings on a line, or the line's length. */
function commentStart(line: string): number {
  let quote = "";
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === "\\" && quote === '"') i++;
      else if (c === quote) quote = "";
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "#") return i;
  }
  return line.length;
}

/** Where the path sits relative to a load balancer's servers: the protocol, and how deep past `servers`. */
function serversContext(path: string[]): { proto: string; rest: string[] } | undefined {
  const proto = path[0] ?? "";
  if (!SERVER_KEY[proto] || path[1] !== "services" || path[3] !== "loadbalancer") return undefined;
  return { proto, rest: path.slice(4) };
}

const STRING = /("(?:[^"\\\n]|\\.)*"|'[^'\n]*')/;

/** A line scanner for Traefik's TOML: tables, arrays of tables, dotted keys and inline tables. */
export function traefikTomlUpstreams(text: string): TraefikUpstreams {
  const refs: UpstreamRef[] = [];
  const errors: TraefikError[] = [];
  let table: string[] = [];
  // Inside a multi-line `servers = [ … ]` value: the path of that key.
  let arrayPath: string[] | undefined;
  let depth = 0;
  let offset = 0;
  const scanStrings = (segment: string, segmentOffset: number, proto: string): void => {
    const key = SERVER_KEY[proto] ?? "url";
    const re = new RegExp(`(?:^|[\\s{,])${key}\\s*=\\s*${STRING.source}`, "gi");
    let m: RegExpExecArray | null;
    while ((m = re.exec(segment)) !== null) {
      const lit = m[1] ?? "";
      const litStart = segmentOffset + m.index + m[0].length - lit.length;
      const ref = parseAddress(lit.slice(1, -1), `traefik.${key}`, {
        form: key === "url" ? "url" : "auto",
        offset: litStart + 1,
        range: { start: litStart, end: litStart + lit.length },
      });
      if (ref) refs.push(ref);
    }
  };
  for (const fullLine of text.split("\n")) {
    const line = fullLine.slice(0, commentStart(fullLine));
    if (arrayPath) {
      const ctx = serversContext(arrayPath);
      if (ctx) scanStrings(line, offset, ctx.proto);
      for (const c of line) depth += c === "[" ? 1 : c === "]" ? -1 : 0;
      if (depth <= 0) arrayPath = undefined;
    } else {
      const header = /^\s*\[\[?([^\]]*)\]\]?\s*$/.exec(line);
      const kv = /^\s*([A-Za-z0-9_."'-]+?)\s*=\s*(.*)$/.exec(line);
      if (header) {
        table = dottedKey(header[1] ?? "");
      } else if (kv) {
        const path = [...table, ...dottedKey(kv[1] ?? "")];
        const ctx = serversContext(path);
        const value = kv[2] ?? "";
        if (ctx) {
          const valueOffset = offset + line.length - value.length;
          const last = path.at(-1);
          if (ctx.rest.length === 2 && ctx.rest[0] === "servers" && last === SERVER_KEY[ctx.proto]) {
            scanStrings(`${last} = ${value}`, valueOffset - `${last} = `.length, ctx.proto);
          } else if (ctx.rest.length <= 1) {
            scanStrings(value, valueOffset, ctx.proto);
          }
          depth = 0;
          for (const c of value) depth += c === "[" ? 1 : c === "]" ? -1 : 0;
          if (depth > 0) arrayPath = path;
        }
      } else if (line.trim() !== "") {
        errors.push({
          message: "not a TOML table header or key/value line",
          start: offset,
          end: offset + line.length,
        });
      }
    }
    offset += fullLine.length + 1;
  }
  return { refs: refs.sort((a, b) => a.range.start - b.range.start), errors };
}

/** YAML or TOML by file name (`.toml` is TOML; anything else is read as YAML). */
export function traefikUpstreams(path: string, text: string): TraefikUpstreams {
  return /\.toml(\.tmpl)?$/i.test(path) ? traefikTomlUpstreams(text) : traefikYamlUpstreams(text);
}
