/**
 * A stack's compose files merged and interpolated the way `docker stack deploy -c a -c b` does it,
 * into one document redfix can change (stand-in images) before it deploys it. Debian's docker client
 * (20.10) has no `docker stack config`, and merging an override file there appends `entrypoint` and
 * `healthcheck.test` to the base's instead of replacing them; so the merge is done here:
 * mappings merge key by key, `command`, `entrypoint` and `healthcheck.test` are replaced, lists of
 * ports, volumes, secrets and configs merge by their target, `environment` and `labels` by name,
 * other lists are joined.
 */
import { readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { parseDocument, visit } from "yaml";

export type Yaml = Record<string, unknown>;

export const asMap = (v: unknown): Yaml =>
  v && typeof v === "object" && !Array.isArray(v) ? (v as Yaml) : {};

export class InterpolationError extends Error {}

/** `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`, `${VAR?error}`, `$VAR`, `$$`. */
export function interpolate(text: string, env: Record<string, string>): string {
  return text.replace(
    /\$(?:(\$)|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])((?:[^{}]|\{[^{}]*\})*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g,
    (
      _m,
      dollar: string | undefined,
      name: string | undefined,
      op: string | undefined,
      arg = "",
      bare?: string,
    ) => {
      if (dollar) return "$";
      const key = (name ?? bare)!;
      const value = env[key];
      if (!op) return value ?? "";
      const unset = op.startsWith(":") ? value === undefined || value === "" : value === undefined;
      if (op.endsWith("-")) return unset ? interpolate(arg, env) : value!;
      if (unset) throw new InterpolationError(`required variable ${key} is missing a value: ${arg}`);
      return value!;
    },
  );
}

function interpolateAll(v: unknown, env: Record<string, string>): unknown {
  if (typeof v === "string") return interpolate(v, env);
  if (Array.isArray(v)) return v.map((x) => interpolateAll(x, env));
  if (v && typeof v === "object") {
    return Object.fromEntries(Object.entries(v as Yaml).map(([k, x]) => [k, interpolateAll(x, env)]));
  }
  return v;
}

/** `["A=1", "B"]` or `{A: 1}` as a map (values as strings; a bare name keeps null). */
function toMap(v: unknown): Yaml {
  if (Array.isArray(v)) {
    const out: Yaml = {};
    for (const item of v) {
      const s = String(item);
      const i = s.indexOf("=");
      out[i === -1 ? s : s.slice(0, i)] = i === -1 ? null : s.slice(i + 1);
    }
    return out;
  }
  return { ...asMap(v) };
}

const REPLACED = new Set(["command", "entrypoint", "test"]);
const BY_NAME = new Set(["environment", "labels"]);
const BY_TARGET = new Set(["ports", "volumes", "secrets", "configs"]);

function targetOf(item: unknown): string {
  if (typeof item === "string") {
    const parts = item.split(":");
    return parts.length > 1 ? parts[1]! : parts[0]!;
  }
  const m = asMap(item);
  return String(m.target ?? m.source ?? JSON.stringify(m));
}

function mergeValue(key: string, base: unknown, over: unknown): unknown {
  if (over === undefined) return base;
  if (base === undefined || base === null) return over;
  if (REPLACED.has(key)) return over;
  if (BY_NAME.has(key)) return { ...toMap(base), ...toMap(over) };
  if (Array.isArray(base) && Array.isArray(over)) {
    if (BY_TARGET.has(key)) {
      const byTarget = new Map(base.map((x) => [targetOf(x), x]));
      for (const x of over) byTarget.set(targetOf(x), x);
      return [...byTarget.values()];
    }
    return [...base, ...over.filter((x) => !base.some((b) => JSON.stringify(b) === JSON.stringify(x)))];
  }
  if (key === "networks" && (Array.isArray(base) || Array.isArray(over))) {
    return { ...toMap(base), ...toMap(over) };
  }
  if (typeof base === "object" && typeof over === "object" && !Array.isArray(base) && !Array.isArray(over)) {
    return mergeMaps(base as Yaml, over as Yaml);
  }
  return over;
}

function mergeMaps(base: Yaml, over: Yaml): Yaml {
  const out: Yaml = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = mergeValue(k, out[k], v);
  return out;
}

/** Relative `file:` of configs and secrets, `env_file`s and bind mounts, made absolute. */
function absolutePaths(doc: Yaml, dir: string): void {
  const abs = (p: string) => (isAbsolute(p) ? p : join(dir, p));
  for (const top of ["configs", "secrets"]) {
    for (const entry of Object.values(asMap(doc[top]))) {
      const e = asMap(entry);
      if (typeof e.file === "string") e.file = abs(e.file);
    }
  }
  for (const svc of Object.values(asMap(doc.services))) {
    const s = asMap(svc);
    if (typeof s.env_file === "string") s.env_file = abs(s.env_file);
    if (Array.isArray(s.env_file)) s.env_file = s.env_file.map((f) => (typeof f === "string" ? abs(f) : f));
    if (Array.isArray(s.volumes)) {
      s.volumes = s.volumes.map((v) => {
        if (typeof v === "string" && /^\.\.?\//.test(v)) {
          const i = v.indexOf(":");
          return i === -1 ? v : abs(v.slice(0, i)) + v.slice(i);
        }
        const m = asMap(v);
        if (m.type === "bind" && typeof m.source === "string") return { ...m, source: abs(m.source) };
        return v;
      });
    }
  }
}

/**
 * A compose file as YAML 1.1, as docker's loader reads it, but a plain `.` (`build: .`) stays the
 * string it is there: yaml's 1.1 float pattern would make it NaN, which `docker stack deploy` refuses
 * ("json: unsupported value: NaN").
 */
function parseCompose(text: string): unknown {
  const doc = parseDocument(text, { merge: true, version: "1.1" });
  if (doc.errors.length > 0) throw doc.errors[0]!;
  visit(doc, {
    Scalar(_, node) {
      if (
        typeof node.value === "number" &&
        Number.isNaN(node.value) &&
        !/^[-+]?\.nan$/i.test(node.source ?? "")
      ) {
        node.value = node.source;
      }
    },
  });
  return doc.toJS();
}

/** The files of `dir`, interpolated with `env` and merged in order. */
export function loadStack(dir: string, files: string[], env: Record<string, string>): Yaml {
  const merged: Yaml = {};
  for (const f of files) {
    const doc = asMap(interpolateAll(parseCompose(readFileSync(join(dir, f), "utf8")), env));
    absolutePaths(doc, dir);
    for (const [k, v] of Object.entries(doc)) {
      if (k === "services" || k === "volumes" || k === "networks" || k === "secrets" || k === "configs") {
        const out = { ...asMap(merged[k]) };
        for (const [name, def] of Object.entries(asMap(v))) {
          out[name] = k === "services" ? mergeMaps(asMap(out[name]), asMap(def)) : (def ?? {});
        }
        merged[k] = out;
      } else {
        merged[k] = v;
      }
    }
  }
  // A bare name in `environment` takes its value from the deploying shell: here, the app's env.
  for (const svc of Object.values(asMap(merged.services))) {
    const s = asMap(svc);
    if (s.environment === undefined) continue;
    const vars = toMap(s.environment);
    for (const [k, v] of Object.entries(vars)) {
      if (v !== null && v !== undefined) continue;
      if (env[k] !== undefined) vars[k] = env[k];
      else delete vars[k];
    }
    s.environment = vars;
  }
  return merged;
}

/** A service's network names, from the list or the mapping form. */
export function serviceNetworks(svc: unknown): string[] {
  const n = asMap(svc).networks;
  return Array.isArray(n) ? n.map(String) : Object.keys(asMap(n));
}

/** A stack network's name on the swarm: the external name, or `<stack>_<key>`. */
export function networkName(stack: Yaml, key: string, stackName: string): string {
  const def = asMap(asMap(stack.networks)[key]);
  if (def.external) return typeof def.name === "string" ? def.name : key;
  return typeof def.name === "string" ? def.name : `${stackName}_${key}`;
}
