import { basename } from "node:path";
import { parseCaddyfile } from "./caddyfile.js";
import { caddyUpstreams } from "./caddy-upstreams.js";
import { nginxUpstreams, parseNginx } from "./nginx.js";
import { traefikUpstreams } from "./traefik.js";
import type { UpstreamRef } from "./upstream.js";

export type ConfigFileKind = "caddyfile" | "nginx" | "traefik";

export interface ConfigUpstreams {
  kind: ConfigFileKind;
  refs: UpstreamRef[];
  errors: { message: string; start: number; end: number }[];
}

/**
 * Which reader a recipe's config file needs, from its name (a `.tmpl` suffix ignored) and, for generic
 * extensions, its shape. Undefined for files that hold no upstream references redfix reads.
 */
export function configFileKind(path: string, text: string): ConfigFileKind | undefined {
  const name = basename(path)
    .replace(/\.tmpl$/i, "")
    .toLowerCase();
  if (name.includes("caddyfile") || name.endsWith(".caddy")) return "caddyfile";
  if (/\.(ya?ml|toml)$/.test(name) && /loadbalancer/i.test(text) && /servers/i.test(text)) return "traefik";
  if (/\.ya?ml$/.test(name) && /forwardauth/i.test(text) && /address/i.test(text)) return "traefik";
  if (name.includes("nginx")) return "nginx";
  if (name.endsWith(".conf") && /(^|[\s;{}])(server|location|upstream)\b[^;{}]*\{|\b\w+_pass\s/.test(text))
    return "nginx";
  return undefined;
}

/** The upstream references of a config file, with its syntax errors, or undefined for other files. */
export function configUpstreams(path: string, text: string): ConfigUpstreams | undefined {
  const kind = configFileKind(path, text);
  if (kind === "caddyfile") {
    const doc = parseCaddyfile(text);
    return { kind, refs: caddyUpstreams(doc), errors: doc.errors };
  }
  if (kind === "nginx") {
    const result = nginxUpstreams(parseNginx(text));
    return { kind, refs: result.refs, errors: result.errors };
  }
  if (kind === "traefik") {
    const result = traefikUpstreams(path.replace(/\.tmpl$/i, ""), text);
    return { kind, refs: result.refs, errors: result.errors };
  }
  return undefined;
}
