/**
 * `.env.sample` and `abra.sh`, read line by line the way abra reads them: `KEY=value` assignments
 * (commented-out optional lines count, they document what an operator may enable) and
 * `export NAME=value` lines in abra.sh.
 */
import type { Range, SourceFile } from "../core/source.js";

export interface EnvVariable {
  name: string;
  value: string;
  commented: boolean;
  /** The whole line, without its newline. */
  range: Range;
  valueRange: Range;
  line: number;
}

export interface EnvSample {
  source: SourceFile;
  variables: EnvVariable[];
}

const ASSIGNMENT = /^([ \t]*)(#[ \t]*)?(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/;

export function parseEnvSample(source: SourceFile): EnvSample {
  const variables: EnvVariable[] = [];
  let offset = 0;
  const lines = source.text.split("\n");
  lines.forEach((raw, i) => {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    const m = ASSIGNMENT.exec(line);
    if (m) {
      const valueStart = offset + line.length - (m[4] ?? "").length;
      variables.push({
        name: m[3] ?? "",
        value: unquote(stripInlineComment(m[4] ?? "")),
        commented: m[2] !== undefined,
        range: { start: offset, end: offset + line.length },
        valueRange: { start: valueStart, end: offset + line.length },
        line: i + 1,
      });
    }
    offset += raw.length + 1;
  });
  return { source, variables };
}

/**
 * Every `COMPOSE_FILE` value named in the sample, commented lines too, split into file names.
 * `$COMPOSE_FILE` in a value is the value so far (`COMPOSE_FILE="$COMPOSE_FILE:compose.x.yml"` builds
 * the list line by line, as the env file is read); only uncommented lines extend it.
 */
/** Longest COMPOSE_FILE value expanded, and most files taken from one: a recipe lists a handful. */
export const MAX_COMPOSE_FILE_CHARS = 16 * 1024;
export const MAX_COMPOSE_FILES = 64;

export function composeFileCombinations(
  env: EnvSample,
): { files: string[]; variable: EnvVariable; truncated?: boolean }[] {
  let current = "compose.yml"; // abra's default when COMPOSE_FILE is unset
  return env.variables
    .filter((v) => v.name === "COMPOSE_FILE")
    .map((v) => {
      // `${COMPOSE_FILE}:${COMPOSE_FILE}` doubles the value each line: expanded only up to a bound.
      let truncated = false;
      const value = v.value.replace(/\$\{COMPOSE_FILE\}|\$COMPOSE_FILE\b/g, () => {
        truncated ||= current.length > MAX_COMPOSE_FILE_CHARS;
        return current;
      });
      const bounded = value.length > MAX_COMPOSE_FILE_CHARS ? value.slice(0, MAX_COMPOSE_FILE_CHARS) : value;
      if (bounded !== value) truncated = true;
      if (!v.commented) current = bounded;
      return { value: bounded, variable: v, truncated };
    })
    .map(({ value, variable: v, truncated }) => {
      const all = value
        .split(":")
        .map((s) => s.trim())
        .filter(Boolean);
      const files = all.slice(0, MAX_COMPOSE_FILES);
      return {
        files,
        variable: v,
        ...(truncated || files.length < all.length ? { truncated: true } : {}),
      };
    })
    .filter((c) => c.files.length > 0);
}

export interface AbraExport {
  name: string;
  value: string;
  range: Range;
  valueRange: Range;
  line: number;
}

export interface AbraScript {
  source: SourceFile;
  exports: AbraExport[];
}

const EXPORT = /^[ \t]*export[ \t]+([A-Za-z_][A-Za-z0-9_]*)=(.*)$/;

export function parseAbraSh(source: SourceFile): AbraScript {
  const exports: AbraExport[] = [];
  let offset = 0;
  source.text.split("\n").forEach((raw, i) => {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    const m = EXPORT.exec(line);
    if (m) {
      const rawValue = stripInlineComment(m[2] ?? "");
      const valueStart = offset + line.indexOf("=") + 1;
      exports.push({
        name: m[1] ?? "",
        value: unquote(rawValue),
        range: { start: offset, end: offset + line.length },
        valueRange: { start: valueStart, end: valueStart + rawValue.length },
        line: i + 1,
      });
    }
    offset += raw.length + 1;
  });
  return { source, exports };
}

function stripInlineComment(v: string): string {
  const t = v.trim();
  if (t.startsWith('"') || t.startsWith("'")) {
    const q = t[0]!;
    const close = t.indexOf(q, 1);
    return close === -1 ? t : t.slice(0, close + 1);
  }
  const hash = t.search(/\s#/);
  return hash === -1 ? t : t.slice(0, hash).trimEnd();
}

function unquote(v: string): string {
  if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v[v.length - 1] === v[0]) return v.slice(1, -1);
  return v;
}
