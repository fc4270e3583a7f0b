/**
 * The report's view model: everything the templates show, computed here so the templates only lay
 * out text. Strings stay raw; Handlebars escapes them when they are written.
 */
import { readFile } from "node:fs/promises";
import { html as diffHtml } from "diff2html";
import type { Finding, RootName, Severity } from "../../core/finding.js";
import { ExcerptReader, type Excerpt, type ExcerptRequest } from "./excerpt.js";
import type { RunInputs } from "./inputs.js";
import { markdownToHtml } from "./markdown.js";
import { externalHref, inside, runDirHref, shellQuote } from "./paths.js";
import { VERDICT_LABEL, verificationView, type VerificationView } from "./verification.js";
import { decisionView, reviewOf, type DecisionView } from "./review-view.js";

export interface FixView {
  summary: string;
  repo: string;
  patch: string;
  patchHref: string | null;
  /** diff2html markup, built from the patch text it escapes itself. */
  diffHtml: string | null;
  applyCommand: string | null;
  /** Element id of the command, for the copy button. */
  applyId: string;
  note: string | null;
  /** The review decision on this patch (review.json), and the controls to change it. */
  decision: DecisionView;
}

export interface FindingView {
  id: string;
  anchor: string;
  rule: string;
  ruleName: string | null;
  ruleDescription: string | null;
  ruleDocsHtml: string | null;
  ruleHref: string | null;
  severity: Severity;
  recipe: string;
  target: string;
  classification: string;
  location: string;
  message: string;
  suppressed: string | null;
  related: { anchor: string; label: string }[];
  excerpts: Excerpt[];
  fix: FixView | null;
  verification: VerificationView;
}

export interface BoardRow {
  recipe: string;
  findings: { anchor: string; rule: string; severity: Severity }[];
  classifications: string[];
  targets: string[];
  fixes: {
    rule: string;
    anchor: string;
    patch: string;
    patchName: string;
    patchHref: string | null;
    repo: string;
    target: string;
  }[];
  verdicts: { rule: string; anchor: string; verdictLabel: string; verdictClass: string; counts: string }[];
}

export interface FilterView {
  name: string;
  label: string;
  options: { value: string; label: string }[];
}

export interface ReportView {
  version: string;
  runDir: string;
  notes: string[];
  totals: { label: string; value: number }[];
  filters: FilterView[];
  board: BoardRow[];
  findings: FindingView[];
}

const SEVERITIES: Severity[] = ["error", "warning", "info"];

export async function buildView(input: RunInputs): Promise<ReportView> {
  const reader = new ExcerptReader(input.roots);
  const findings: FindingView[] = [];
  for (const f of input.findings) findings.push(await findingView(input, reader, f));
  const byId = new Map(findings.map((f) => [f.id, f]));
  input.findings.forEach((f, i) => {
    findings[i]!.related = (f.related ?? []).flatMap((id) => {
      const r = byId.get(id);
      return r ? [{ anchor: r.anchor, label: `${r.rule} ${r.recipe}` }] : [];
    });
  });
  // Every analyzed recipe gets a row, a clean one too: the board is the maintainers' whole list.
  const analyzed = [...input.repos].filter(([, r]) => r.kind !== "harness").map(([name]) => name);
  return {
    version: input.version,
    runDir: input.runDir,
    notes: input.notes,
    totals: totals(findings, analyzed),
    filters: filters(findings),
    board: board(findings, analyzed),
    findings,
  };
}

async function findingView(input: RunInputs, reader: ExcerptReader, f: Finding): Promise<FindingView> {
  const rule = input.rules.get(f.rule);
  const root = rootOf(f);
  return {
    id: f.id,
    anchor: `finding-${f.id.replace(/[^A-Za-z0-9_-]/g, "_")}`,
    rule: f.rule,
    ruleName: rule?.name ?? null,
    ruleDescription: rule?.description ?? null,
    ruleDocsHtml: rule?.docs ? markdownToHtml(rule.docs) : null,
    ruleHref: externalHref(rule?.url),
    severity: f.severity,
    recipe: f.recipe,
    target: f.target,
    classification: f.classification,
    location: `${root}: ${f.file}:${f.line}${f.column ? `:${f.column}` : ""}`,
    message: f.message,
    suppressed: f.suppressed ? `${f.suppressed.kind}: ${f.suppressed.reason}` : null,
    related: [],
    excerpts: await excerpts(reader, f),
    fix: f.fix ? await fixView(input, f) : null,
    verification: await verificationView(input.runDir, f.id, f.verification),
  };
}

/** Findings written before `root` existed name the harness only through their target. */
function rootOf(f: Finding): RootName {
  return f.root ?? (f.target === "harness" ? "harness" : "recipes");
}

/** The reported location first, then each evidence item that is not that same place. */
async function excerpts(reader: ExcerptReader, f: Finding): Promise<Excerpt[]> {
  const reqs: ExcerptRequest[] = [
    { root: rootOf(f), file: f.file, line: f.line, endLine: f.endLine ?? f.line, note: "reported here" },
  ];
  for (const e of f.evidence ?? []) {
    const req = {
      root: e.root ?? rootOf(f),
      file: e.file,
      line: e.line,
      endLine: e.endLine ?? e.line,
      note: e.note,
    };
    const same = reqs[0]!;
    if (req.root === same.root && req.file === same.file && req.line === same.line) same.note = req.note;
    else reqs.push(req);
  }
  return reader.excerpts(reqs);
}

async function fixView(input: RunInputs, f: Finding): Promise<FixView> {
  const fix = f.fix!;
  const view: FixView = {
    summary: fix.summary,
    repo: fix.repo,
    patch: fix.patch,
    patchHref: runDirHref(fix.patch),
    diffHtml: null,
    applyCommand: null,
    applyId: `apply-${f.id.replace(/[^A-Za-z0-9_-]/g, "_")}`,
    note: null,
    decision: decisionView(reviewOf(input.runDir), fix.patch, inside(input.runDir, fix.patch), f.id),
  };
  const path = inside(input.runDir, fix.patch);
  if (!path) return { ...view, note: `the patch path ${fix.patch} leaves the run directory; not read` };
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return {
      ...view,
      patchHref: null,
      note: code === "ENOENT" ? "the patch file is missing" : `the patch cannot be read (${code})`,
    };
  }
  const size = text.split("\n").length;
  // Not diff2html's own limit (diffMaxChanges): past it, diff2html writes hunk headers unescaped.
  if (size > MAX_DIFF_LINES)
    return {
      ...view,
      ...applyCommand(input, fix.repo, path),
      note: `a patch of ${size} lines: open the file`,
    };
  // diff2html names a file's block by a hash of its path: two findings patching compose.yml would share an id.
  const prefix = `${f.id.replace(/[^A-Za-z0-9_-]/g, "_")}-`;
  view.diffHtml = diffHtml(text, {
    drawFileList: false,
    outputFormat: "line-by-line",
    matching: "lines",
  }).replaceAll('id="d2h-', `id="${prefix}d2h-`);
  if (text.trim() === "") view.note = "the patch is empty";
  return { ...view, ...applyCommand(input, fix.repo, path) };
}

/** Beyond this a diff is a page of its own; the report links to the patch instead. */
const MAX_DIFF_LINES = 5000;

function applyCommand(input: RunInputs, repoName: string, patch: string): Partial<FixView> {
  const repo = input.repos.get(repoName);
  if (repo) return { applyCommand: `cd ${shellQuote(repo.path)} && git apply ${shellQuote(patch)}` };
  return { note: `run.json does not list the repo ${repoName}, so there is no git apply command` };
}

function totals(findings: FindingView[], analyzed: string[]): { label: string; value: number }[] {
  const count = (p: (f: FindingView) => boolean): number => findings.filter(p).length;
  return [
    { label: "recipes", value: new Set([...analyzed, ...findings.map((f) => f.recipe)]).size },
    { label: "findings", value: findings.length },
    ...SEVERITIES.map((s) => ({
      label: s === "info" ? "info" : `${s}s`,
      value: count((f) => f.severity === s),
    })),
    { label: "patches", value: count((f) => f.fix !== null) },
    { label: "verified", value: count((f) => f.verification.verdict !== "unverified") },
    { label: "confirmed fixes", value: count((f) => f.verification.verdict === "confirmed-fix") },
  ];
}

function filters(findings: FindingView[]): FilterView[] {
  const distinct = (get: (f: FindingView) => string): string[] => sorted([...new Set(findings.map(get))]);
  const opts = (values: string[]): { value: string; label: string }[] =>
    values.map((v) => ({ value: v, label: v }));
  const present = new Set(findings.map((f) => f.severity));
  return [
    { name: "rule", label: "Rule", options: opts(distinct((f) => f.rule)) },
    { name: "severity", label: "Severity", options: opts(SEVERITIES.filter((s) => present.has(s))) },
    { name: "classification", label: "Classification", options: opts(distinct((f) => f.classification)) },
    { name: "target", label: "Target", options: opts(distinct((f) => f.target)) },
    {
      name: "verdict",
      label: "Verdict",
      options: distinct((f) => f.verification.verdict).map((v) => ({
        value: v,
        label: VERDICT_LABEL[v as keyof typeof VERDICT_LABEL] ?? v,
      })),
    },
  ];
}

function board(findings: FindingView[], analyzed: string[]): BoardRow[] {
  const byRecipe = new Map<string, FindingView[]>(analyzed.map((r) => [r, []]));
  for (const f of findings) byRecipe.set(f.recipe, [...(byRecipe.get(f.recipe) ?? []), f]);
  return sorted([...byRecipe.keys()]).map((recipe) => {
    const mine = byRecipe.get(recipe)!;
    return {
      recipe,
      findings: mine.map((f) => ({ anchor: f.anchor, rule: f.rule, severity: f.severity })),
      classifications: sorted([...new Set(mine.map((f) => f.classification))]),
      targets: sorted([...new Set(mine.map((f) => f.target))]),
      fixes: mine.flatMap((f) =>
        f.fix
          ? [
              {
                rule: f.rule,
                anchor: f.anchor,
                patch: f.fix.patch,
                patchName: f.fix.patch.split("/").pop()!,
                patchHref: f.fix.patchHref,
                repo: f.fix.repo,
                target: f.target,
              },
            ]
          : [],
      ),
      verdicts: mine.map((f) => ({
        rule: f.rule,
        anchor: f.anchor,
        verdictLabel: f.verification.verdictLabel,
        verdictClass: f.verification.verdictClass,
        counts: f.verification.counts,
      })),
    };
  });
}

/** Code-unit order, not localeCompare: the same report on every machine and locale. */
function sorted(xs: string[]): string[] {
  return [...xs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
