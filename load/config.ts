/**
 * `redfix.config.yaml`: rule levels, profiles and excluded paths. `--config` names one; else the first
 * found in the current folder or a folder above it (the CLI passes `cwd`), else the analyzed folder's.
 * A broken config is a usage error (exit 2), not a finding, shown whole with its file, line and
 * column; so is a rule id no rule has. A config inside a recipe folder is the recipe's, not the
 * user's: it cannot choose what verify runs nor lower the exit threshold.
 */
import { existsSync, readFileSync } from "node:fs";
import { ConfigError, findConfig, insideRecipe } from "./config-file.js";
import picomatch from "picomatch";
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from "yaml";
import type { Severity } from "../core/finding.js";

export type RuleLevel = Severity | "off";

export interface Profile {
  /** Only these rules run (ids or prefixes ending in `*`), when set. */
  only?: string[];
  rules?: Record<string, RuleLevel>;
}

/** A finding silenced from the config file; it stays in the output, marked with the reason. */
export interface ConfigSuppression {
  rule: string;
  /** Glob over the finding's file, relative to the analyzed root. */
  path: string;
  reason: string;
}

export interface VerifyConfig {
  /** `RULE` or `RULE:recipe` → pytest node ids that replay such findings. */
  tests: Record<string, string[]>;
}

export interface RedfixConfig {
  profile: string;
  verify: VerifyConfig;
  suppress: ConfigSuppression[];
  rules: Record<string, RuleLevel>;
  profiles: Record<string, Profile>;
  exclude: string[];
  failOn: Severity | "never";
  /** Options the rules declare (`ConfigOption`), by key: each holds one of its declared values. */
  options: Record<string, string>;
  /** Folder glob (relative to the analyzed root) → the kind it is taken for, or `skip`; over the detected kind. */
  kinds: Record<string, FolderKind | "skip">;
  /** Where the config came from, for messages. */
  path: string | null;
  /** false for a config found inside a recipe folder (see loadConfig). */
  trusted: boolean;
  /** What of the config was ignored and why, `file:line:column: …`, for the CLI to print. */
  ignored: string[];
}

/** What a folder under the analyzed root is (docs/kinds.md): each rule says which kinds it judges. */
export const FOLDER_KINDS = ["abra-recipe", "swarm-stack", "compose-project"] as const;
export type FolderKind = (typeof FOLDER_KINDS)[number];

/** A top-level config key a rule declares for its fix (e.g. the style of generated backup hooks). */
export interface ConfigOption {
  key: string;
  values: readonly string[];
  default: string;
}

export const BUILTIN_PROFILES: Record<string, Profile> = {
  default: {},
  abra: { only: ["R0*"] },
};

const LEVELS = new Set(["error", "warning", "info", "off"]);

export function defaultConfig(): RedfixConfig {
  return {
    profile: "default",
    verify: { tests: {} },
    suppress: [],
    rules: {},
    profiles: {},
    exclude: [],
    failOn: "warning",
    options: {},
    kinds: {},
    path: null,
    trusted: true,
    ignored: [],
  };
}

export interface LoadConfigOptions {
  /** Every rule id there is (the pipeline passes its registry's): an id outside it is an error. */
  knownRules?: readonly string[];
  /** Where the command runs: a config there or in a folder above it comes first. */
  cwd?: string;
}

const FAIL_RANK: Record<RedfixConfig["failOn"], number> = { info: 0, warning: 1, error: 2, never: 3 };

export function loadConfig(
  dir: string,
  explicit?: string,
  declared: readonly ConfigOption[] = [],
  opts: LoadConfigOptions = {},
): RedfixConfig {
  const cfg = defaultConfig();
  for (const o of declared) cfg.options[o.key] = o.default;
  if (explicit && !existsSync(explicit)) throw new ConfigError(`config file ${explicit} does not exist`);
  const path = explicit ?? findConfig(dir, opts.cwd);
  if (!path) return cfg;
  const text = readFileSync(path, "utf8");
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true });
  const at = (offset: number): string => {
    const { line, col } = lines.linePos(offset);
    return `${path}:${line}:${col}`;
  };
  if (doc.errors.length > 0) {
    // The whole message: yaml's own text with the line, the column and the line itself under it.
    throw new ConfigError(doc.errors.map((e) => `${at(e.pos[0])}: ${e.message}`).join("\n"));
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 50 });
  } catch (e) {
    throw new ConfigError(`${path}: ${(e as Error).message}`);
  }
  /** Where the node at `keys` starts (its key, when `key`), as `file:line:column`. */
  const where = (keys: (string | number)[], key = true): string => {
    let node: unknown = doc.contents;
    let offset = 0;
    for (const [i, k] of keys.entries()) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(k));
        if (!pair) break;
        const target = key && i === keys.length - 1 ? pair.key : pair.value;
        offset = (target as { range?: [number] } | null)?.range?.[0] ?? offset;
        node = pair.value;
      } else if (isSeq(node)) {
        const item = node.items[Number(k)];
        if (!item) break;
        offset = (item as { range?: [number] }).range?.[0] ?? offset;
        node = item;
      } else break;
    }
    return at(offset);
  };
  const fail = (keys: (string | number)[], message: string): never => {
    throw new ConfigError(`${where(keys)}: ${message}`);
  };
  cfg.path = path;
  if (raw === null || raw === undefined) return cfg;
  if (typeof raw !== "object" || Array.isArray(raw)) fail([], "must be a mapping");
  const r = raw as Record<string, unknown>;
  for (const key of Object.keys(r)) {
    if (
      !["profile", "rules", "profiles", "exclude", "failOn", "suppress", "verify", "kinds"].includes(key) &&
      !declared.some((o) => o.key === key)
    ) {
      fail([key], `unknown key \`${key}\``);
    }
  }
  const known = opts.knownRules ? new Set(opts.knownRules) : null;
  const checkId = (keys: (string | number)[], id: string, pattern = false): void => {
    if (!known) return;
    const ok =
      pattern && id.endsWith("*") ? [...known].some((k) => k.startsWith(id.slice(0, -1))) : known.has(id);
    if (!ok) fail(keys, `unknown rule id \`${id}\`${suggest(id, known)}`);
  };
  if (r.profile !== undefined) cfg.profile = String(r.profile);
  if (r.rules !== undefined) cfg.rules = levels(["rules"], r.rules, fail, checkId);
  if (r.exclude !== undefined) {
    if (!Array.isArray(r.exclude)) fail(["exclude"], "`exclude` must be a list of globs");
    cfg.exclude = (r.exclude as unknown[]).map(String);
  }
  if (r.kinds !== undefined) {
    if (typeof r.kinds !== "object" || r.kinds === null || Array.isArray(r.kinds)) {
      throw new ConfigError(`${path}: \`kinds\` must map folder globs to ${FOLDER_KINDS.join(", ")} or skip`);
    }
    for (const [glob, kind] of Object.entries(r.kinds as Record<string, unknown>)) {
      const k = String(kind);
      if (k !== "skip" && !(FOLDER_KINDS as readonly string[]).includes(k)) {
        throw new ConfigError(`${path}: kinds.${glob} must be ${FOLDER_KINDS.join(", ")} or skip`);
      }
      cfg.kinds[glob] = k as FolderKind | "skip";
    }
  }
  if (r.failOn !== undefined) {
    const f = String(r.failOn);
    if (!["error", "warning", "info", "never"].includes(f)) {
      fail(["failOn"], "`failOn` must be error, warning, info or never");
    }
    cfg.failOn = f as RedfixConfig["failOn"];
  }
  if (r.suppress !== undefined) {
    if (!Array.isArray(r.suppress)) fail(["suppress"], "`suppress` must be a list");
    cfg.suppress = (r.suppress as unknown[]).map((item, i) => {
      const it = (item ?? {}) as Record<string, unknown>;
      if (typeof it.rule !== "string" || typeof it.reason !== "string" || !it.reason.trim()) {
        fail(["suppress", i], `suppress[${i}] needs \`rule\` and a non-empty \`reason\``);
      }
      checkId(["suppress", i, "rule"], it.rule as string);
      return {
        rule: it.rule as string,
        path: typeof it.path === "string" ? it.path : "**",
        reason: (it.reason as string).trim(),
      };
    });
  }
  if (r.verify !== undefined) {
    const tests = (r.verify as Record<string, unknown> | null)?.tests;
    if (typeof tests !== "object" || tests === null || Array.isArray(tests)) {
      fail(["verify"], "`verify.tests` must map RULE or RULE:recipe to lists of pytest node ids");
    }
    for (const [k, v] of Object.entries(tests as Record<string, unknown>)) {
      if (!Array.isArray(v)) fail(["verify", "tests", k], `verify.tests.${k} must be a list of node ids`);
      checkId(["verify", "tests", k], k.split(":")[0]!);
      cfg.verify.tests[k] = (v as unknown[]).map(String);
    }
  }
  for (const o of declared) {
    if (r[o.key] === undefined) continue;
    const v = String(r[o.key]);
    if (!o.values.includes(v)) {
      fail([o.key], `\`${o.key}\` must be ${o.values.slice(0, -1).join(", ")} or ${o.values.at(-1)}`);
    }
    cfg.options[o.key] = v;
  }
  if (r.profiles !== undefined) {
    if (typeof r.profiles !== "object" || r.profiles === null)
      fail(["profiles"], "`profiles` must be a mapping");
    for (const [name, p] of Object.entries(r.profiles as Record<string, unknown>)) {
      const prof: Profile = {};
      const pp = (p ?? {}) as Record<string, unknown>;
      if (pp.only !== undefined) {
        if (!Array.isArray(pp.only)) fail(["profiles", name, "only"], `profiles.${name}.only must be a list`);
        prof.only = (pp.only as unknown[]).map(String);
        prof.only.forEach((id, i) => checkId(["profiles", name, "only", i], id, true));
      }
      if (pp.rules !== undefined) prof.rules = levels(["profiles", name, "rules"], pp.rules, fail, checkId);
      cfg.profiles[name] = prof;
    }
  }
  // A config inside a recipe folder comes with the recipe (a stranger's pull request): it may tune
  // findings, but not name what verify runs nor make the exit status more lenient.
  const recipe = explicit ? null : insideRecipe(path);
  if (recipe) {
    cfg.trusted = false;
    if (Object.keys(cfg.verify.tests).length > 0) {
      cfg.verify.tests = {};
      cfg.ignored.push(
        `${where(["verify"])}: \`verify.tests\` ignored: a config inside a recipe folder does not choose what runs (use the workspace's config or --config)`,
      );
    }
    if (FAIL_RANK[cfg.failOn] > FAIL_RANK.warning) {
      cfg.ignored.push(
        `${where(["failOn"])}: \`failOn: ${cfg.failOn}\` ignored: a config inside a recipe folder does not lower the exit threshold (use the workspace's config, --config or --fail-on)`,
      );
      cfg.failOn = defaultConfig().failOn;
    }
  }
  return cfg;
}

/** ` (did you mean RF120?)` for an id one or two edits from a known one. */
function suggest(id: string, known: Set<string>): string {
  let best: string | null = null;
  let bestD = 3;
  for (const k of [...known].sort()) {
    const d = distance(id.toUpperCase(), k);
    if (d < bestD) [best, bestD] = [k, d];
  }
  return best ? ` (did you mean ${best}?)` : "";
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

function levels(
  keys: (string | number)[],
  v: unknown,
  fail: (keys: (string | number)[], message: string) => never,
  checkId: (keys: (string | number)[], id: string) => void,
): Record<string, RuleLevel> {
  const name = keys.join(".");
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    fail(keys, `\`${name}\` must map rule ids to error, warning, info or off`);
  }
  const out: Record<string, RuleLevel> = {};
  for (const [id, level] of Object.entries(v as Record<string, unknown>)) {
    const l = String(level);
    checkId([...keys, id], id);
    if (!LEVELS.has(l)) fail([...keys, id], `${name}.${id} must be error, warning, info or off`);
    out[id] = l as RuleLevel;
  }
  return out;
}

export function resolveProfile(cfg: RedfixConfig): Profile {
  const p = cfg.profiles[cfg.profile] ?? BUILTIN_PROFILES[cfg.profile];
  if (!p) {
    const known = [...new Set([...Object.keys(BUILTIN_PROFILES), ...Object.keys(cfg.profiles)])].sort();
    throw new ConfigError(`unknown profile \`${cfg.profile}\` (known: ${known.join(", ")})`);
  }
  return p;
}

/** The level a rule runs at, or "off"; `defaultSeverity` is the rule's own. */
export function ruleLevel(cfg: RedfixConfig, ruleId: string, defaultSeverity: Severity): RuleLevel {
  const p = resolveProfile(cfg);
  if (p.only && !p.only.some((pat) => matchId(pat, ruleId))) return "off";
  return cfg.rules[ruleId] ?? p.rules?.[ruleId] ?? defaultSeverity;
}

function matchId(pattern: string, id: string): boolean {
  return pattern.endsWith("*") ? id.startsWith(pattern.slice(0, -1)) : pattern === id;
}

export function excludeMatcher(cfg: RedfixConfig): (relPath: string) => boolean {
  if (cfg.exclude.length === 0) return () => false;
  const m = picomatch(cfg.exclude, { dot: true });
  return (p) => m(p) || m(`${p}/`);
}
