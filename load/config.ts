/**
 * `redfix.config.yaml`: rule levels, profiles and excluded paths. Looked up in the analyzed folder
 * unless `--config` names one. A broken config is a usage error (exit 2), not a finding: the user
 * asked for it explicitly.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import picomatch from "picomatch";
import { parse } from "yaml";
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
}

/** What a folder under the analyzed root is (docs/kinds.md): each rule says which kinds it judges. */
export const FOLDER_KINDS = ["abra-recipe", "swarm-stack", "compose-project"] as const;
export type FolderKind = (typeof FOLDER_KINDS)[number];

export class ConfigError extends Error {}

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

export const CONFIG_FILE = "redfix.config.yaml";

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
  };
}

export function loadConfig(
  dir: string,
  explicit?: string,
  declared: readonly ConfigOption[] = [],
): RedfixConfig {
  const path = explicit ?? join(dir, CONFIG_FILE);
  const cfg = defaultConfig();
  for (const o of declared) cfg.options[o.key] = o.default;
  if (!existsSync(path)) {
    if (explicit) throw new ConfigError(`config file ${explicit} does not exist`);
    return cfg;
  }
  let raw: unknown;
  try {
    raw = parse(readFileSync(path, "utf8"), { maxAliasCount: 50 });
  } catch (e) {
    throw new ConfigError(`${path}: ${(e as Error).message.split("\n")[0]}`);
  }
  cfg.path = path;
  if (raw === null || raw === undefined) return cfg;
  if (typeof raw !== "object" || Array.isArray(raw)) throw new ConfigError(`${path}: must be a mapping`);
  const r = raw as Record<string, unknown>;
  for (const key of Object.keys(r)) {
    if (
      !["profile", "rules", "profiles", "exclude", "failOn", "suppress", "verify", "kinds"].includes(key) &&
      !declared.some((o) => o.key === key)
    ) {
      throw new ConfigError(`${path}: unknown key \`${key}\``);
    }
  }
  if (r.profile !== undefined) cfg.profile = String(r.profile);
  if (r.rules !== undefined) cfg.rules = levels(path, "rules", r.rules);
  if (r.exclude !== undefined) {
    if (!Array.isArray(r.exclude)) throw new ConfigError(`${path}: \`exclude\` must be a list of globs`);
    cfg.exclude = r.exclude.map(String);
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
      throw new ConfigError(`${path}: \`failOn\` must be error, warning, info or never`);
    }
    cfg.failOn = f as RedfixConfig["failOn"];
  }
  if (r.suppress !== undefined) {
    if (!Array.isArray(r.suppress)) throw new ConfigError(`${path}: \`suppress\` must be a list`);
    cfg.suppress = r.suppress.map((item, i) => {
      const it = (item ?? {}) as Record<string, unknown>;
      if (typeof it.rule !== "string" || typeof it.reason !== "string" || !it.reason.trim()) {
        throw new ConfigError(`${path}: suppress[${i}] needs \`rule\` and a non-empty \`reason\``);
      }
      return { rule: it.rule, path: typeof it.path === "string" ? it.path : "**", reason: it.reason.trim() };
    });
  }
  if (r.verify !== undefined) {
    const tests = (r.verify as Record<string, unknown> | null)?.tests;
    if (typeof tests !== "object" || tests === null || Array.isArray(tests)) {
      throw new ConfigError(
        `${path}: \`verify.tests\` must map RULE or RULE:recipe to lists of pytest node ids`,
      );
    }
    for (const [k, v] of Object.entries(tests as Record<string, unknown>)) {
      if (!Array.isArray(v)) throw new ConfigError(`${path}: verify.tests.${k} must be a list of node ids`);
      cfg.verify.tests[k] = v.map(String);
    }
  }
  for (const o of declared) {
    if (r[o.key] === undefined) continue;
    const v = String(r[o.key]);
    if (!o.values.includes(v)) {
      throw new ConfigError(
        `${path}: \`${o.key}\` must be ${o.values.slice(0, -1).join(", ")} or ${o.values.at(-1)}`,
      );
    }
    cfg.options[o.key] = v;
  }
  if (r.profiles !== undefined) {
    if (typeof r.profiles !== "object" || r.profiles === null) {
      throw new ConfigError(`${path}: \`profiles\` must be a mapping`);
    }
    for (const [name, p] of Object.entries(r.profiles as Record<string, unknown>)) {
      const prof: Profile = {};
      const pp = (p ?? {}) as Record<string, unknown>;
      if (pp.only !== undefined) {
        if (!Array.isArray(pp.only)) throw new ConfigError(`${path}: profiles.${name}.only must be a list`);
        prof.only = pp.only.map(String);
      }
      if (pp.rules !== undefined) prof.rules = levels(path, `profiles.${name}.rules`, pp.rules);
      cfg.profiles[name] = prof;
    }
  }
  return cfg;
}

function levels(path: string, where: string, v: unknown): Record<string, RuleLevel> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    throw new ConfigError(`${path}: \`${where}\` must map rule ids to error, warning, info or off`);
  }
  const out: Record<string, RuleLevel> = {};
  for (const [id, level] of Object.entries(v as Record<string, unknown>)) {
    const l = String(level);
    if (!LEVELS.has(l)) throw new ConfigError(`${path}: ${where}.${id} must be error, warning, info or off`);
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
