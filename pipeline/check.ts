/**
 * Runs the rules over the model and turns problems into findings: positions from ranges, stable
 * ids, inline and config suppressions, deterministic order.
 */
import { createHash } from "node:crypto";
import picomatch from "picomatch";
import type { RedfixConfig } from "../load/config.js";
import { ruleLevel } from "../load/config.js";
import type { SourceFile } from "../core/source.js";
import type { Workspace } from "../load/workspace.js";
import { compareFindings, type Finding, type Suppression } from "../core/finding.js";
// The order of findings lives with the findings contract (a cached run sorts without the rules).
import { placed, type Analyzed, type Problem, type Rule, type RuleScope } from "../analyzers/rule.js";

/**
 * Part of a run (the incremental `--cache`, pipeline/incremental.ts): only the rules of one scope,
 * and for `recipe` rules only the recipes whose folder is in `recipes`; `ran` collects the folders
 * the `recipe` rules were given (what the cache reports as re-analyzed).
 */
export interface RuleSelection {
  scope: RuleScope;
  recipes?: ReadonlySet<string>;
  ran?: Set<string>;
}

export function runRules(
  ws: Workspace,
  rules: readonly Rule[],
  only: string[] = [],
  select?: RuleSelection,
): Problem[] {
  const out: Problem[] = [];
  const wanted = only.map((r) => r.toUpperCase());
  for (const rule of rules) {
    if (wanted.length > 0 && !wanted.includes(rule.meta.id)) continue;
    const level = ruleLevel(ws.config, rule.meta.id, rule.meta.severity);
    if (level === "off") continue;
    const scope = rule.meta.scope ?? "workspace";
    if (select && select.scope !== scope) continue;
    const subset = select?.scope === "recipe" ? select.recipes : undefined;
    // A rule sees only the folders of the kinds it judges: abra's lint never reaches a compose project.
    const recipes = ws.recipes.filter(
      (r) => rule.meta.kinds.includes(r.kind) && (!subset || subset.has(r.dir)),
    );
    if (subset && recipes.length === 0) continue;
    if (scope === "recipe") for (const r of recipes) select?.ran?.add(r.dir);
    // Recipes the incremental cache did not load count only for rules of their kind, as loaded ones.
    const deferred = ws.deferred?.filter((d) => rule.meta.kinds.includes(d.kind));
    rule.check({
      workspace:
        recipes.length === ws.recipes.length && deferred?.length === ws.deferred?.length
          ? ws
          : { ...ws, recipes, ...(deferred ? { deferred } : {}) },
      report(p) {
        out.push({
          ...p,
          rule: rule.meta.id,
          root: p.root ?? "recipes",
          evidence: p.evidence ?? [],
          // A level set in the config wins; otherwise a rule may grade each problem itself.
          severity: level !== rule.meta.severity ? level : (p.severity ?? level),
          target: p.target ?? rule.meta.target,
          classification: p.classification ?? rule.meta.classification,
        });
      },
    });
  }
  return out;
}

export function toFindings(problems: Problem[], config: RedfixConfig): Analyzed[] {
  const items = problems.map((problem) => ({ problem, finding: findingOf(problem) }));
  items.sort((a, b) => compareFindings(a.finding, b.finding));
  const used = new Map<string, number>();
  const suppressedByConfig = configSuppressions(config);
  for (const it of items) {
    // Two problems with the same key in one file (rare: a duplicated entry) still get distinct ids.
    const n = used.get(it.finding.id) ?? 0;
    used.set(it.finding.id, n + 1);
    if (n > 0) it.finding.id = hash(`${it.finding.id}#${n}`);
    const s = inlineSuppression(it.problem) ?? suppressedByConfig(it.finding);
    if (s) it.finding.suppressed = s;
  }
  return items;
}

function findingOf(p: Problem): Finding {
  const src = typeof p.file === "string" ? null : p.file;
  const path = typeof p.file === "string" ? p.file : p.file.path;
  const start = src && p.range ? src.lines.position(p.range.start) : (p.position ?? { line: 1, column: 1 });
  const end = src && p.range ? src.lines.position(p.range.end) : start;
  return {
    id: hash(`${p.rule}\0${p.recipe}\0${p.root}\0${path}\0${p.key}`),
    rule: p.rule,
    severity: p.severity,
    recipe: p.recipe,
    target: p.target,
    root: p.root,
    file: path,
    line: start.line,
    column: start.column,
    endLine: end.line,
    endColumn: end.column,
    message: p.message,
    evidence: p.evidence.map((e) => ({
      root: e.root ?? p.root,
      ...("at" in e ? e.at : placed(e.source, e.range)),
      note: e.note,
    })),
    classification: p.classification,
    fix: null,
  };
}

function hash(s: string): string {
  return createHash("sha256").update(s).digest("hex").slice(0, 16);
}

const DISABLE = /redfix-disable-next-line\s+([A-Za-z0-9_,\s]+?)(?:\s+--\s+(.*?))?\s*(?:-->|\*\/)?\s*$/;

/**
 * `# redfix-disable-next-line RF120 -- why` (any comment syntax: the directive is found by text) on
 * the line above the finding's first line.
 */
function inlineSuppression(p: Problem): Suppression | null {
  if (typeof p.file === "string" || !p.range) return null;
  const line = p.file.lines.position(p.range.start).line;
  if (line < 2) return null;
  const above = lineAboveIgnoringIndent(p.file, line - 1);
  const m = DISABLE.exec(above);
  if (!m) return null;
  const ids = (m[1] ?? "").split(/[\s,]+/).filter(Boolean);
  if (!ids.includes(p.rule)) return null;
  return { kind: "inline", reason: m[2]?.trim() || "no reason given" };
}

function lineAboveIgnoringIndent(src: SourceFile, line: number): string {
  return src.lines.lineText(line).trim();
}

/** The config's suppressions, each path glob compiled once (on first use) rather than once per finding. */
function configSuppressions(config: RedfixConfig): (f: Finding) => Suppression | null {
  const matchers = new Map<string, (file: string) => boolean>();
  const matcher = (glob: string) => {
    let m = matchers.get(glob);
    if (!m) {
      m = picomatch(glob, { dot: true });
      matchers.set(glob, m);
    }
    return m;
  };
  return (f) => {
    for (const s of config.suppress) {
      if (s.rule.toUpperCase() !== f.rule) continue;
      if (matcher(s.path)(f.file)) return { kind: "config", reason: s.reason };
    }
    return null;
  };
}

/** A `redfix-disable-next-line` directive as written: its file, its line, the ids it names. */
export interface Directive {
  /** Absolute path of the file. */
  file: string;
  line: number;
  ids: string[];
}

/** Every directive in these texts (absolute path → text), in file then line order. */
export function scanDirectives(texts: Map<string, string>): Directive[] {
  const out: Directive[] = [];
  for (const file of [...texts.keys()].sort()) {
    const text = texts.get(file)!;
    if (!text.includes("redfix-disable-next-line")) continue;
    text.split(/\r\n|\n|\r/).forEach((raw, i) => {
      const m = DISABLE.exec(raw.trim());
      if (m) out.push({ file, line: i + 1, ids: (m[1] ?? "").split(/[\s,]+/).filter(Boolean) });
    });
  }
  return out;
}

/** `file:line: …` for each id no rule has (a typo silences nothing, so it is an error). */
export function unknownDirectiveIds(directives: Directive[], known: readonly string[]): string[] {
  const ids = new Set(known);
  return directives.flatMap((d) =>
    d.ids
      .filter((id) => !ids.has(id))
      .map((id) => `${d.file}:${d.line}: redfix-disable-next-line names \`${id}\`, which is no rule id`),
  );
}

/**
 * `file:line: …` for each id of a directive that suppressed nothing, among the rules that ran (a
 * directive for a rule left out by --rule or switched off says nothing about its use).
 */
export function unusedDirectives(
  directives: Directive[],
  items: Analyzed[],
  ran: readonly string[],
  /** Directives used by findings not in `items` (recipes the incremental cache reused), by `directiveUse`. */
  alsoUsed: Iterable<string> = [],
): string[] {
  const used = new Set<string>(alsoUsed);
  for (const it of items) {
    const key = directiveUse(it);
    if (key) used.add(key);
  }
  const running = new Set(ran);
  return directives.flatMap((d) =>
    d.ids
      .filter((id) => running.has(id) && !used.has(`${d.file}\0${d.line}\0${id}`))
      .map(
        (id) =>
          `${d.file}:${d.line}: unused redfix-disable-next-line ${id} (no ${id} finding on the next line)`,
      ),
  );
}

/** The directive a finding's inline suppression used (file, line, rule), as a key; null if none. */
export function directiveUse(it: Analyzed): string | null {
  if (it.finding.suppressed?.kind !== "inline" || typeof it.problem.file === "string") return null;
  return `${it.problem.file.absPath}\0${it.finding.line - 1}\0${it.finding.rule}`;
}
