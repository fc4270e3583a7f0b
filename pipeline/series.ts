/**
 * Turns fix plans into one patch per root cause, grouped per repo. A root cause is what a codemod
 * names in `FixPlan.cause` (all bare names of one template, every key of one config under one bump),
 * or the finding itself; a fix whose edits another root cause's edits already make is part of that
 * patch. Every patch is the diff from the UNPATCHED repo to the repo with its own edits only, so it
 * applies alone and is complete (its version bump, environment additions, imports and helpers are in
 * it); two root causes that need the same edit (the same bump of one version variable) both carry it,
 * and a merge of both is clean. Root causes whose edits touch the same or adjacent lines differently
 * cannot merge as two patches (git's merge conflicts there): they share one patch; edits that overlap
 * without one holding the other are refused. Series order is for reading only.
 */
import { safeRepoDir } from "../core/paths.js";
import { readFileSync } from "node:fs";
import { relative, sep } from "node:path";
import type { Analyzed } from "../analyzers/rule.js";
import type { RedfixConfig } from "../load/config.js";
import type { Workspace } from "../load/workspace.js";
import type { FixPlan } from "../codemods/codemod.js";
import { isNoFix } from "../codemods/codemod.js";
import type { RegisteredRule } from "./registry.js";
import type { PatchFile, PatchSeries, Repo } from "../core/patch.js";
import { applyReplacements, contains, overlaps, sameEdit } from "../core/edit.js";
import type { CreateEdit, Edit, ReplaceEdit } from "../core/edit.js";
import { gitDiff } from "../core/patch.js";

interface Planned {
  item: Analyzed;
  plan: FixPlan;
  /** Position in the findings' order. */
  order: number;
}

/** One root cause: its findings' plans and the union of their edits. */
interface Cause {
  key: string;
  members: Planned[];
  replacements: ReplaceEdit[];
  creates: CreateEdit[];
  deletes: string[];
  merged: boolean;
}

/**
 * A name for each repo of the run that no other repo has, also as a folder under `patches/`
 * (compared after `safeRepoDir`, case-insensitively): the harness keeps its name, and a recipe whose
 * name is taken gets `-recipe`, then a number.
 */
export function uniqueRepoNames(repos: { name: string; kind: string; path: string }[]): Map<string, string> {
  const out = new Map<string, string>();
  const taken = new Set<string>();
  const key = (n: string) => safeRepoDir(n).toLowerCase();
  const ordered = [...repos].sort((a, b) =>
    a.kind === b.kind ? cmp(a.path, b.path) : a.kind === "harness" ? -1 : 1,
  );
  for (const r of ordered) {
    if (out.has(r.path)) continue;
    let name = r.name;
    if (taken.has(key(name))) name = `${r.name}-${r.kind}`;
    for (let i = 2; taken.has(key(name)); i++) name = `${r.name}-${r.kind}-${i}`;
    taken.add(key(name));
    out.set(r.path, name);
  }
  return out;
}

export function buildSeries(
  items: Analyzed[],
  ws: Workspace,
  config: RedfixConfig,
  rules: readonly RegisteredRule[],
  textOf: (absPath: string) => string | null = readText,
  /** Repo path → its name in the run (unique: see `uniqueRepoNames`); the codemod's name otherwise. */
  names: Map<string, string> = new Map(),
): PatchSeries {
  const fixOf = new Map(rules.flatMap((r) => (r.fix ? [[r.meta.id, r.fix] as const] : [])));
  const plans: Planned[] = [];
  const unavailable = new Map<Analyzed, string>();
  items.forEach((item, order) => {
    delete item.finding.fixUnavailable;
    if (item.finding.suppressed) return;
    const codemod = fixOf.get(item.problem.rule);
    const plan = codemod?.fix(item.problem, ws, config);
    if (isNoFix(plan)) unavailable.set(item, plan.unavailable);
    else if (plan && plan.edits.length > 0) plans.push({ item, plan, order });
    else
      unavailable.set(
        item,
        codemod
          ? `the ${item.problem.rule} fix does not cover this case; the message says what to change`
          : `redfix has no automatic fix for ${item.problem.rule}; the message says what to change`,
      );
  });
  const byRepo = new Map<string, { repo: Repo; plans: Planned[] }>();
  for (const p of plans) {
    // Keyed by root, never by folder name: a recipe named like the harness is another repo.
    const repo = { ...p.plan.repo, name: names.get(p.plan.repo.path) ?? p.plan.repo.name };
    const g = byRepo.get(p.plan.repo.path) ?? { repo, plans: [] };
    g.plans.push(p);
    byRepo.set(p.plan.repo.path, g);
  }
  const series: PatchSeries = { patches: [], repos: [], refused: [] };
  const repoOrder = [...byRepo.values()].sort((a, b) => cmp(a.repo.name, b.repo.name));
  const originals = new Map<string, string | null>();
  const original = (file: string): string | null => {
    if (!originals.has(file)) originals.set(file, textOf(file));
    return originals.get(file) ?? null;
  };
  for (const { repo, plans: repoPlans } of repoOrder) {
    series.repos.push(repo);
    const causes = groupCauses(repoPlans, original, series.refused);
    mergeCovered(causes);
    const accepted: Cause[] = [];
    for (const cause of causes) {
      if (cause.merged) continue;
      // Root causes whose changes touch the same or adjacent lines cannot land one without the
      // other (git's merge of the two conflicts): they land together, in one patch.
      let host = accepted.find((a) => clashBetween(a, cause, original) !== null);
      if (!host) {
        accepted.push(cause);
        continue;
      }
      const conflict = clashBetween(host, cause, original, true) ?? mergeInto(host, cause, original);
      if (conflict) {
        for (const m of cause.members)
          series.refused.push({ findingId: m.item.finding.id, reason: conflict });
        continue;
      }
      // The larger patch may now touch another accepted one.
      for (
        let other = accepted.find((a) => a !== host && clashBetween(a, host!, original) !== null);
        other;
      ) {
        if (mergeInto(other, host, original) !== null) break;
        accepted.splice(accepted.indexOf(host), 1);
        host = other;
        other = accepted.find((a) => a !== host && clashBetween(a, host!, original) !== null);
      }
    }
    accepted.sort((a, b) => a.members[0]!.order - b.members[0]!.order);
    let n = 0;
    for (const cause of accepted) {
      const diff = diffOf(cause, repo, original);
      if (diff === "") continue;
      n++;
      const first = cause.members[0]!.item.finding;
      const name = `${String(n).padStart(4, "0")}-${first.rule}-${safeRepoDir(first.recipe)}.patch`;
      const patch: PatchFile = {
        repo,
        name,
        path: `patches/${safeRepoDir(repo.name)}/${name}`,
        content: diff,
        findingIds: cause.members.map((m) => m.item.finding.id),
      };
      series.patches.push(patch);
      for (const m of cause.members) {
        m.item.finding.fix = { patch: patch.path, summary: m.plan.summary, repo: repo.name };
      }
    }
  }
  const refused = new Map(series.refused.map((r) => [r.findingId, r.reason]));
  for (const item of items) {
    if (item.finding.suppressed || item.finding.fix) continue;
    const why = refused.get(item.finding.id);
    item.finding.fixUnavailable = why
      ? `its fix conflicts with another patch of this run: ${why}`
      : (unavailable.get(item) ?? "its fix changes nothing");
  }
  return series;
}

/** Plans with one cause key become one cause, in the order of their first finding. */
function groupCauses(
  plans: Planned[],
  original: (file: string) => string | null,
  refused: PatchSeries["refused"],
): Cause[] {
  const byKey = new Map<string, Cause>();
  const out: Cause[] = [];
  for (const p of plans) {
    const key = p.plan.cause ? `${p.item.finding.rule}\0${p.plan.cause}` : `\0${p.item.finding.id}`;
    let cause = byKey.get(key);
    const fresh = !cause;
    cause ??= { key, members: [], replacements: [], creates: [], deletes: [], merged: false };
    const conflict = addEdits(cause, p.plan.edits, original);
    if (conflict) {
      refused.push({ findingId: p.item.finding.id, reason: conflict });
      continue;
    }
    cause.members.push(p);
    if (fresh) {
      byKey.set(key, cause);
      out.push(cause);
    }
  }
  return out;
}

/** Adds edits to a cause; a reason when they conflict with its own. Nothing changes on a conflict. */
function addEdits(cause: Cause, edits: Edit[], original: (file: string) => string | null): string | null {
  let replacements = [...cause.replacements];
  const creates = [...cause.creates];
  const deletes = [...cause.deletes];
  for (const e of edits) {
    if (e.kind === "create") {
      const other = creates.find((c) => c.file === e.file);
      if (other && other.text !== e.text) return `another fix already creates ${e.file} differently`;
      const text = original(e.file);
      if (!other && text !== null && text !== e.text) return `${e.file} already exists`;
      if (!other) creates.push(e);
      continue;
    }
    if (e.kind === "delete") {
      if (!deletes.includes(e.file)) deletes.push(e.file);
      continue;
    }
    if (original(e.file) === null && !creates.some((c) => c.file === e.file))
      return `${e.file} does not exist`;
    const same = replacements.filter((r) => r.file === e.file);
    if (same.some((r) => sameEdit(r, e) || contains(r, e))) continue;
    const clash = same.find((r) => overlaps(r, e) && !contains(e, r));
    if (clash)
      return `its edit at ${e.start}-${e.end} overlaps another fix's edit at ${clash.start}-${clash.end}`;
    replacements = [...replacements.filter((r) => !(r.file === e.file && contains(e, r))), e];
  }
  cause.replacements = replacements;
  cause.creates = creates;
  cause.deletes = deletes;
  return null;
}

/**
 * A cause whose every edit another cause already makes (the same edit, or inside a larger one) is
 * fixed by that cause's patch: its findings join it. Between two causes with the same edits the
 * earlier one keeps the patch.
 */
function mergeCovered(causes: Cause[]): void {
  causes.forEach((c, i) => {
    const host = causes.find((o, j) => j !== i && !o.merged && covers(o, c) && (j < i || !covers(c, o)));
    if (!host) return;
    host.members.push(...c.members);
    host.members.sort((a, b) => a.order - b.order);
    c.merged = true;
  });
}

function covers(outer: Cause, inner: Cause): boolean {
  return (
    inner.replacements.every((e) =>
      outer.replacements.some((r) => r.file === e.file && (sameEdit(r, e) || contains(r, e))),
    ) &&
    inner.creates.every((e) => outer.creates.some((c) => c.file === e.file && c.text === e.text)) &&
    inner.deletes.every((f) => outer.deletes.includes(f))
  );
}

/**
 * Why two causes' patches would not merge together, or null: both change the same file's lines
 * differently where their changed lines overlap or touch (git's merge conflicts there), or create
 * or delete a file the other changes.
 */
function clashBetween(
  a: Cause,
  b: Cause,
  original: (file: string) => string | null,
  /** Only what one patch cannot hold either: different creations, a deleted file changed. */
  filesOnly = false,
): string | null {
  for (const c of b.creates) {
    const o = a.creates.find((x) => x.file === c.file);
    if (o && o.text !== c.text) return `another fix already creates ${c.file} differently`;
  }
  for (const f of b.deletes) {
    if (a.replacements.some((r) => r.file === f)) return `another fix changes ${f}, which this fix deletes`;
  }
  for (const f of a.deletes) {
    if (b.replacements.some((r) => r.file === f)) return `another fix deletes ${f}, which this fix changes`;
  }
  if (filesOnly) return null;
  for (const e of b.replacements) {
    const text = original(e.file) ?? a.creates.find((c) => c.file === e.file)?.text ?? null;
    if (text === null) continue;
    for (const r of a.replacements) {
      if (r.file !== e.file || sameEdit(r, e)) continue;
      if (linesTouch(text, r, e))
        return `its edit at ${e.start}-${e.end} changes lines next to another fix's edit at ${r.start}-${r.end}`;
    }
  }
  return null;
}

/** Whether two edits' line spans in `text` overlap or are adjacent (no unchanged line between). */
function linesTouch(text: string, a: ReplaceEdit, b: ReplaceEdit): boolean {
  const [a0, a1] = lineSpan(text, a);
  const [b0, b1] = lineSpan(text, b);
  return a0 <= b1 + 1 && b0 <= a1 + 1;
}

/** First and last line an edit changes; an insertion at a line start sits between lines (x - 0.5). */
function lineSpan(text: string, e: ReplaceEdit): [number, number] {
  const lineOf = (offset: number) => {
    let n = 0;
    for (let i = text.indexOf("\n"); i !== -1 && i < offset; i = text.indexOf("\n", i + 1)) n++;
    return n;
  };
  const startsLine = (o: number) => o === 0 || text[o - 1] === "\n";
  const first = lineOf(e.start);
  if (e.start === e.end)
    return startsLine(e.start) && e.text.endsWith("\n") ? [first - 0.5, first - 0.5] : [first, first];
  const endsLine = e.end > e.start && text[e.end - 1] === "\n";
  return [first, lineOf(endsLine ? e.end - 1 : e.end)];
}

/** Moves `from`'s findings and edits into `into`; a reason when their edits overlap. */
function mergeInto(into: Cause, from: Cause, original: (file: string) => string | null): string | null {
  const edits: Edit[] = [
    ...from.replacements,
    ...from.creates,
    ...from.deletes.map((file): Edit => ({ kind: "delete", file })),
  ];
  const conflict = addEdits(into, edits, original);
  if (conflict) return conflict;
  into.members.push(...from.members);
  into.members.sort((a, b) => a.order - b.order);
  from.merged = true;
  return null;
}

function diffOf(cause: Cause, repo: Repo, original: (file: string) => string | null): string {
  const files = [
    ...new Set([
      ...cause.replacements.map((e) => e.file),
      ...cause.creates.map((e) => e.file),
      ...cause.deletes,
    ]),
  ].sort();
  let diff = "";
  for (const f of files) {
    const created = cause.creates.find((c) => c.file === f) ?? null;
    const before = original(f);
    let after: string | null = created ? created.text : before;
    const reps = cause.replacements.filter((r) => r.file === f);
    if (after !== null && reps.length > 0) after = applyReplacements(after, reps);
    if (cause.deletes.includes(f)) after = null;
    const rel = relative(repo.path, f).split(sep).join("/");
    diff += gitDiff(rel, before, after, created?.mode ?? "100644");
  }
  return diff;
}

function readText(absPath: string): string | null {
  try {
    return readFileSync(absPath, "utf8");
  } catch {
    return null;
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
