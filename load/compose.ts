/**
 * Compose files read once with `yaml` and projected onto the few things rules need, keeping the
 * parser's nodes so every value has an exact range. Aliases and merge keys (`<<`) are followed by
 * lookups, never expanded wholesale, so an alias bomb costs nothing here; `checkAliasExpansion`
 * still reports one with the parser's own alias limit.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, parseDocument, visit } from "yaml";
import type { Alias, Document, Node, Pair, Scalar, YAMLMap, YAMLSeq } from "yaml";
import type { Range, SourceFile } from "../core/source.js";

export type YNode = Node | null;

export interface ParseProblem {
  message: string;
  range: Range;
}

export interface Located<T> {
  value: T;
  node: Node;
  range: Range;
}

export interface DependsOnEntry {
  service: string;
  /** The list item, or the map pair (long form). */
  range: Range;
  node: Node;
}

export interface DependsOn {
  form: "list" | "map";
  /** The `depends_on` pair in the service map. */
  pair: Pair;
  keyRange: Range;
  value: YAMLSeq | YAMLMap;
  entries: DependsOnEntry[];
}

/** A label or env entry, in map form (`key: value`) or list form (`- "key=value"`). */
export interface KeyValueEntry {
  key: string;
  value: string | null;
  form: "map" | "list";
  /** The whole entry: the pair (map form) or the list item. */
  range: Range;
  node: Node;
  /** The collection the entry sits in (for inserting siblings in the same style). */
  collection: YAMLMap | YAMLSeq;
}

export interface Mount {
  /** Volume key, bind path, config or secret name; null for an anonymous volume. */
  source: string | null;
  target: string | null;
  readOnly: boolean;
  type: "volume" | "bind" | "tmpfs" | "config" | "secret" | "unknown";
  range: Range;
  node: Node;
}

export interface NetworkAttachment {
  name: string;
  aliases: Located<string>[];
  range: Range;
}

export interface ComposeService {
  name: string;
  keyRange: Range;
  pair: Pair;
  map: YAMLMap | null;
  /** Range from the key to the end of the value. */
  range: Range;
  image?: Located<string>;
  hasBuild: boolean;
  dependsOn?: DependsOn;
  /** `deploy.labels` (what swarm uses) and service `labels`. */
  deployLabels: KeyValueEntry[];
  containerLabels: KeyValueEntry[];
  environment: KeyValueEntry[];
  volumes: Mount[];
  configs: Mount[];
  secrets: Mount[];
  networks: NetworkAttachment[];
  /** Keys present on the service, with their pairs. */
  keys: Map<string, Pair>;
}

export interface TopLevelEntry {
  name: string;
  keyRange: Range;
  pair: Pair;
  /** `file:` of a config/secret. */
  file?: Located<string>;
  /** `name:` (configs/secrets/networks/volumes). */
  externalName?: Located<string>;
  external: boolean;
  templateDriver?: string;
}

export interface ComposeFile {
  source: SourceFile;
  /** File name inside the recipe (`compose.yml`, `compose.smtp.yml`). */
  name: string;
  doc: Document.Parsed;
  /** Parse or structure problems; a file with any is left out of merged stacks. */
  problems: ParseProblem[];
  version?: Located<string>;
  services: ComposeService[];
  configs: TopLevelEntry[];
  secrets: TopLevelEntry[];
  volumes: TopLevelEntry[];
  networks: TopLevelEntry[];
  servicesRange?: Range;
}

export const YAML_MAX_ALIAS_COUNT = 100;

export function nodeRange(n: Node | null | undefined): Range {
  const r = n?.range;
  return r ? { start: r[0], end: r[1] } : { start: 0, end: 0 };
}

export function pairRange(p: Pair): Range {
  const k = p.key as Node | null;
  const v = p.value as Node | null;
  const start = k?.range?.[0] ?? v?.range?.[0] ?? 0;
  const end = v?.range?.[1] ?? k?.range?.[1] ?? start;
  return { start, end };
}

/** Follows an alias to the node it names; bounded so a cycle cannot hang. */
export function deref(doc: Document, n: unknown): Node | null {
  let cur = n as Node | null;
  for (let i = 0; i < 16 && cur && isAlias(cur); i++) cur = aliasTargets(doc).get(cur) ?? null;
  return cur && !isAlias(cur) ? cur : null;
}

const targetsByDoc = new WeakMap<Document, Map<Alias, Node>>();

/**
 * What each alias of the document names: the last node before it with its anchor, as
 * `Alias.resolve` finds it. That method walks the whole document on every call, which made a file
 * that uses an anchor in every service quadratic; this walks it once.
 */
function aliasTargets(doc: Document): Map<Alias, Node> {
  let targets = targetsByDoc.get(doc);
  if (targets) return targets;
  const found = new Map<Alias, Node>();
  const anchored = new Map<string, Node>();
  visit(doc, {
    Node(_, node) {
      if (isAlias(node)) {
        const target = anchored.get(node.source);
        if (target) found.set(node, target);
      } else if (node.anchor) {
        anchored.set(node.anchor, node);
      }
    },
  });
  targets = found;
  targetsByDoc.set(doc, targets);
  return targets;
}

export function scalarString(doc: Document, n: unknown): string | null {
  const d = deref(doc, n);
  if (!isScalar(d)) return null;
  if (d.value === null || d.value === undefined) return null;
  return String(d.value);
}

function keyString(doc: Document, p: Pair): string | null {
  return scalarString(doc, p.key);
}

/**
 * The pairs of a map with merge keys applied: own keys first, then keys of `<<` sources not already
 * present, like compose does. Bounded depth for nested merges.
 */
export function mapPairs(doc: Document, m: YAMLMap, depth = 0): Pair[] {
  const own: Pair[] = [];
  const merged: Pair[] = [];
  for (const p of m.items) {
    if (!isPair(p)) continue;
    const k = keyString(doc, p);
    if (k === "<<" && depth < 8) {
      const v = deref(doc, p.value);
      const sources = isSeq(v) ? v.items.map((i) => deref(doc, i)) : [v];
      for (const s of sources) if (isMap(s)) merged.push(...mapPairs(doc, s, depth + 1));
    } else {
      own.push(p);
    }
  }
  if (merged.length === 0) return own;
  const seen = new Set(own.map((p) => keyString(doc, p)));
  const out = [...own];
  for (const p of merged) {
    const k = keyString(doc, p);
    if (!seen.has(k)) {
      seen.add(k);
      out.push(p);
    }
  }
  return out;
}

export function getPair(doc: Document, m: YAMLMap, key: string): Pair | undefined {
  return mapPairs(doc, m).find((p) => keyString(doc, p) === key);
}

export function getMap(doc: Document, m: YAMLMap | null, key: string): YAMLMap | null {
  if (!m) return null;
  const v = deref(doc, getPair(doc, m, key)?.value);
  return isMap(v) ? v : null;
}

function located(doc: Document, n: unknown): Located<string> | undefined {
  const d = deref(doc, n);
  const s = scalarString(doc, d);
  if (s === null || !d) return undefined;
  return { value: s, node: d, range: nodeRange(d) };
}

export function parseComposeFile(source: SourceFile, name: string): ComposeFile {
  const doc = parseDocument(source.text, { merge: true, uniqueKeys: true, prettyErrors: false });
  const file: ComposeFile = {
    source,
    name,
    doc,
    problems: [],
    services: [],
    configs: [],
    secrets: [],
    volumes: [],
    networks: [],
  };
  for (const e of doc.errors) {
    file.problems.push({
      message: `invalid YAML: ${e.message.split("\n")[0]}`,
      range: { start: e.pos[0], end: Math.max(e.pos[1], e.pos[0]) },
    });
  }
  if (file.problems.length > 0) return file;
  const aliasProblem = checkAliasExpansion(doc, source.text);
  if (aliasProblem) {
    file.problems.push(aliasProblem);
    return file;
  }
  const root = doc.contents;
  if (root === null) return file; // an empty compose file is valid: it adds nothing
  if (!isMap(root)) {
    file.problems.push({
      message: "a compose file must be a mapping at its top level",
      range: nodeRange(root),
    });
    return file;
  }
  const version = getPair(doc, root, "version");
  if (version) file.version = located(doc, version.value);

  const servicesPair = getPair(doc, root, "services");
  if (servicesPair) {
    const services = deref(doc, servicesPair.value);
    file.servicesRange = pairRange(servicesPair);
    if (isMap(services)) {
      for (const p of mapPairs(doc, services)) {
        const svc = projectService(doc, p, file);
        if (svc) file.services.push(svc);
      }
    } else if (services !== null && !(isScalar(services) && services.value === null)) {
      file.problems.push({ message: "`services` must be a mapping", range: nodeRange(services) });
    }
  }
  file.configs = topLevel(doc, root, "configs");
  file.secrets = topLevel(doc, root, "secrets");
  file.volumes = topLevel(doc, root, "volumes");
  file.networks = topLevel(doc, root, "networks");
  return file;
}

/**
 * Fully expands the document once with the parser's alias limit so that an alias bomb becomes a
 * finding. Only documents that use aliases pay for it.
 */
function checkAliasExpansion(doc: Document.Parsed, text: string): ParseProblem | null {
  if (!text.includes("*")) return null; // no alias without a `*`: skip the walk
  let firstAlias: Node | null = null;
  visit(doc, {
    Alias(_, n) {
      firstAlias = n as unknown as Node;
      return visit.BREAK;
    },
  });
  if (!firstAlias) return null;
  try {
    doc.toJS({ maxAliasCount: YAML_MAX_ALIAS_COUNT });
    return null;
  } catch (e) {
    return {
      message: `YAML aliases expand past the limit of ${YAML_MAX_ALIAS_COUNT} (an alias bomb?): ${(e as Error).message}`,
      range: nodeRange(firstAlias),
    };
  }
}

function topLevel(doc: Document, root: YAMLMap, key: string): TopLevelEntry[] {
  const m = getMap(doc, root, key);
  if (!m) return [];
  const out: TopLevelEntry[] = [];
  for (const p of mapPairs(doc, m)) {
    const name = keyString(doc, p);
    if (name === null) continue;
    const def = deref(doc, p.value);
    const entry: TopLevelEntry = {
      name,
      keyRange: nodeRange(p.key as Node),
      pair: p,
      external: false,
    };
    if (isMap(def)) {
      const file = located(doc, getPair(doc, def, "file")?.value);
      if (file) entry.file = file;
      const n = located(doc, getPair(doc, def, "name")?.value);
      if (n) entry.externalName = n;
      const ext = deref(doc, getPair(doc, def, "external")?.value);
      entry.external = isScalar(ext) ? ext.value === true || ext.value === "true" : isMap(ext);
      const td = scalarString(doc, getPair(doc, def, "template_driver")?.value);
      if (td) entry.templateDriver = td;
    }
    out.push(entry);
  }
  return out;
}

function projectService(doc: Document, p: Pair, file: ComposeFile): ComposeService | null {
  const name = keyString(doc, p);
  if (name === null) return null;
  const valueNode = deref(doc, p.value);
  const map = isMap(valueNode) ? valueNode : null;
  if (valueNode && !map && !(isScalar(valueNode) && valueNode.value === null)) {
    file.problems.push({ message: `service \`${name}\` must be a mapping`, range: nodeRange(valueNode) });
  }
  const keys = new Map<string, Pair>();
  if (map) for (const sp of mapPairs(doc, map)) keys.set(keyString(doc, sp) ?? "", sp);
  const svc: ComposeService = {
    name,
    keyRange: nodeRange(p.key as Node),
    pair: p,
    map,
    range: pairRange(p),
    hasBuild: keys.has("build"),
    deployLabels: [],
    containerLabels: [],
    environment: [],
    volumes: [],
    configs: [],
    secrets: [],
    networks: [],
    keys,
  };
  if (!map) return svc;
  const image = located(doc, keys.get("image")?.value);
  if (image) svc.image = image;
  const dep = keys.get("depends_on");
  if (dep) {
    const v = deref(doc, dep.value);
    const base = { pair: dep, keyRange: nodeRange(dep.key as Node) };
    if (isSeq(v)) {
      const entries: DependsOnEntry[] = [];
      for (const item of v.items) {
        const s = scalarString(doc, item);
        const n = deref(doc, item);
        if (s !== null && n) entries.push({ service: s, range: nodeRange(item as Node), node: n });
      }
      svc.dependsOn = { ...base, form: "list", value: v, entries };
    } else if (isMap(v)) {
      const entries: DependsOnEntry[] = [];
      for (const dp of mapPairs(doc, v)) {
        const s = keyString(doc, dp);
        if (s !== null) entries.push({ service: s, range: pairRange(dp), node: dp.key as Node });
      }
      svc.dependsOn = { ...base, form: "map", value: v, entries };
    }
  }
  const deploy = deref(doc, keys.get("deploy")?.value);
  if (isMap(deploy)) svc.deployLabels = keyValues(doc, getPair(doc, deploy, "labels")?.value);
  svc.containerLabels = keyValues(doc, keys.get("labels")?.value);
  svc.environment = keyValues(doc, keys.get("environment")?.value);
  svc.volumes = mounts(doc, keys.get("volumes")?.value, "volumes");
  svc.configs = mounts(doc, keys.get("configs")?.value, "configs");
  svc.secrets = mounts(doc, keys.get("secrets")?.value, "secrets");
  svc.networks = networks(doc, keys.get("networks")?.value);
  return svc;
}

/** Labels and environment in either form. */
export function keyValues(doc: Document, n: unknown): KeyValueEntry[] {
  const v = deref(doc, n);
  const out: KeyValueEntry[] = [];
  if (isMap(v)) {
    for (const p of mapPairs(doc, v)) {
      const key = keyString(doc, p);
      if (key === null) continue;
      out.push({
        key,
        value: scalarString(doc, p.value),
        form: "map",
        range: pairRange(p),
        node: p.key as Node,
        collection: v,
      });
    }
  } else if (isSeq(v)) {
    for (const item of v.items) {
      const s = scalarString(doc, item);
      const node = deref(doc, item);
      if (s === null || !node) continue;
      const eq = s.indexOf("=");
      out.push({
        key: eq === -1 ? s : s.slice(0, eq),
        value: eq === -1 ? null : s.slice(eq + 1),
        form: "list",
        range: nodeRange(item as Node),
        node,
        collection: v,
      });
    }
  }
  return out;
}

function mounts(doc: Document, n: unknown, kind: "volumes" | "configs" | "secrets"): Mount[] {
  const v = deref(doc, n);
  if (!isSeq(v)) return [];
  const out: Mount[] = [];
  for (const item of v.items) {
    const d = deref(doc, item);
    const range = nodeRange(item as Node);
    if (!d) continue;
    if (isScalar(d)) {
      const s = scalarString(doc, d) ?? "";
      if (kind === "volumes") {
        const parts = s.split(":");
        const ro = parts.length >= 3 && (parts[2] ?? "").split(",").includes("ro");
        if (parts.length === 1) {
          out.push({
            source: null,
            target: parts[0] ?? null,
            readOnly: false,
            type: "volume",
            range,
            node: d,
          });
        } else {
          const src = parts[0] ?? "";
          const isBind =
            src.startsWith("/") || src.startsWith(".") || src.startsWith("~") || src.startsWith("$");
          out.push({
            source: src,
            target: parts[1] ?? null,
            readOnly: ro,
            type: isBind ? "bind" : "volume",
            range,
            node: d,
          });
        }
      } else {
        out.push({
          source: s,
          target: kind === "secrets" ? `/run/secrets/${s}` : `/${s}`,
          readOnly: true,
          type: kind === "configs" ? "config" : "secret",
          range,
          node: d,
        });
      }
    } else if (isMap(d)) {
      const get = (k: string) => scalarString(doc, getPair(doc, d, k)?.value);
      if (kind === "volumes") {
        const type = get("type");
        out.push({
          source: get("source"),
          target: get("target"),
          readOnly: get("read_only") === "true",
          type: type === "bind" || type === "tmpfs" || type === "volume" ? type : "unknown",
          range,
          node: d,
        });
      } else {
        const src = get("source");
        out.push({
          source: src,
          target: get("target") ?? (kind === "secrets" ? `/run/secrets/${src}` : `/${src}`),
          readOnly: true,
          type: kind === "configs" ? "config" : "secret",
          range,
          node: d,
        });
      }
    }
  }
  return out;
}

function networks(doc: Document, n: unknown): NetworkAttachment[] {
  const v = deref(doc, n);
  const out: NetworkAttachment[] = [];
  if (isSeq(v)) {
    for (const item of v.items) {
      const s = scalarString(doc, item);
      if (s !== null) out.push({ name: s, aliases: [], range: nodeRange(item as Node) });
    }
  } else if (isMap(v)) {
    for (const p of mapPairs(doc, v)) {
      const name = keyString(doc, p);
      if (name === null) continue;
      const def = deref(doc, p.value);
      const aliases: Located<string>[] = [];
      if (isMap(def)) {
        const a = deref(doc, getPair(doc, def, "aliases")?.value);
        if (isSeq(a))
          for (const i of a.items) {
            const l = located(doc, i);
            if (l) aliases.push(l);
          }
      }
      out.push({ name, aliases, range: pairRange(p) });
    }
  }
  return out;
}

export function isScalarNode(n: unknown): n is Scalar {
  return isScalar(n);
}
