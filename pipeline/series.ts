/**
 * Turns fix plans into one patch per finding, grouped per repo in series order. Patch N is the diff
 * from the tree with patches 1..N-1 applied to the tree with 1..N applied, all computed from the
 * original text: a later fix whose edits are covered by an earlier one gets no patch of its own (it
 * points at the earlier patch); a fix whose edits partly overlap an accepted one is refused.
 */
import { safeRepoDir } from "../core/paths.js";
import { readFileSync } from "node:fs";
import { relative, sep } from "node:path";
import type { Analyzed } from "../analyzers/rule.js";
import type { RedfixConfig } from "../load/config.js";
import type { Workspace } from "../load/workspace.js";
import type { FixPlan } from "../codemods/codemod.js";
import type { RegisteredRule } from "./registry.js";
import type { PatchFile, PatchSeries, Repo } from "../core/patch.js";
import { applyReplacements, contains, overlaps, sameEdit } from "../core/edit.js";
import type { CreateEdit, Edit, ReplaceEdit } from "../core/edit.js";
import { gitDiff } from "../core/patch.js";

interface FileState {
  original: string | null;
  replacements: ReplaceEdit[];
  created: CreateEdit | null;
  deleted: boolean;
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
  const plans: { item: Analyzed; plan: FixPlan }[] = [];
  for (const item of items) {
    if (item.finding.suppressed) continue;
    const plan = fixOf.get(item.problem.rule)?.fix(item.problem, ws, config);
    if (plan && plan.edits.length > 0) plans.push({ item, plan });
  }
  const byRepo = new Map<string, { repo: Repo; plans: typeof plans }>();
  for (const p of plans) {
    // Keyed by root, never by folder name: a recipe named like the harness is another repo.
    const repo = { ...p.plan.repo, name: names.get(p.plan.repo.path) ?? p.plan.repo.name };
    const g = byRepo.get(p.plan.repo.path) ?? { repo, plans: [] };
    g.plans.push(p);
    byRepo.set(p.plan.repo.path, g);
  }
  const series: PatchSeries = { patches: [], repos: [], refused: [] };
  const repoOrder = [...byRepo.values()].sort((a, b) => cmp(a.repo.name, b.repo.name));
  for (const { repo, plans: repoPlans } of repoOrder) {
    series.repos.push(repo);
    const states = new Map<string, FileState>();
    const stateOf = (file: string): FileState => {
      let s = states.get(file);
      if (!s) {
        s = { original: textOf(file), replacements: [], created: null, deleted: false };
        states.set(file, s);
      }
      return s;
    };
    const lastPatchTouching = new Map<string, PatchFile>();
    let n = 0;
    for (const { item, plan } of repoPlans) {
      const touched = [...new Set(plan.edits.map((e) => e.file))].sort();
      const before = new Map(touched.map((f) => [f, render(stateOf(f))]));
      const conflict = accept(plan.edits, stateOf);
      if (conflict) {
        series.refused.push({ findingId: item.finding.id, reason: conflict });
        continue;
      }
      let diff = "";
      for (const f of touched) {
        const st = stateOf(f);
        const rel = relative(repo.path, f).split(sep).join("/");
        diff += gitDiff(rel, before.get(f) ?? null, render(st), st.created?.mode ?? "100644");
      }
      if (diff === "") {
        // Covered by an earlier fix of this series: point at that patch.
        const earlier = touched.map((f) => lastPatchTouching.get(f)).find(Boolean);
        if (earlier) {
          earlier.findingIds.push(item.finding.id);
          item.finding.fix = { patch: earlier.path, summary: plan.summary, repo: repo.name };
        }
        continue;
      }
      n++;
      const name = `${String(n).padStart(4, "0")}-${item.finding.rule}-${safeRepoDir(item.finding.recipe)}.patch`;
      const patch: PatchFile = {
        repo,
        name,
        path: `patches/${safeRepoDir(repo.name)}/${name}`,
        content: diff,
        findingIds: [item.finding.id],
      };
      series.patches.push(patch);
      for (const f of touched) lastPatchTouching.set(f, patch);
      item.finding.fix = { patch: patch.path, summary: plan.summary, repo: repo.name };
    }
  }
  return series;
}

/** Adds a plan's edits to the file states; returns a reason when they conflict with accepted ones. */
function accept(edits: Edit[], stateOf: (f: string) => FileState): string | null {
  const staged: { st: FileState; replacements: ReplaceEdit[] }[] = [];
  for (const e of edits) {
    const st = stateOf(e.file);
    if (e.kind === "create") {
      if (st.created && st.created.text !== e.text)
        return `another fix already creates ${e.file} differently`;
      if (!st.created && st.original !== null && st.original !== e.text) return `${e.file} already exists`;
      continue;
    }
    if (e.kind === "delete") continue;
    if (st.original === null && !st.created) return `${e.file} does not exist`;
    let list = staged.find((s) => s.st === st);
    if (!list) {
      list = { st, replacements: [...st.replacements] };
      staged.push(list);
    }
    if (list.replacements.some((r) => sameEdit(r, e) || contains(r, e))) continue;
    const clash = list.replacements.find((r) => overlaps(r, e) && !contains(e, r));
    if (clash)
      return `its edit at ${e.start}-${e.end} overlaps another fix's edit at ${clash.start}-${clash.end}`;
    list.replacements = [...list.replacements.filter((r) => !contains(e, r)), e];
  }
  for (const e of edits) {
    const st = stateOf(e.file);
    if (e.kind === "create") st.created = e;
    if (e.kind === "delete") st.deleted = true;
  }
  for (const { st, replacements } of staged) st.replacements = replacements;
  return null;
}

function render(st: FileState): string | null {
  if (st.deleted) return null;
  const base = st.created ? st.created.text : st.original;
  if (base === null) return null;
  return st.replacements.length === 0 ? base : applyReplacements(base, st.replacements);
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
