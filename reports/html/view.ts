/**
 * The report's view model: everything the templates show, computed here so the templates only lay
 * out text. Strings stay raw; Handlebars escapes them when they are written.
 */
import { readFileSafe } from "../../core/safe-file.js";
import { createHash } from "node:crypto";
import { relative } from "node:path";
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
  /** The patch text, shown as it is and drawn as a diff by the page's script when the finding opens. */
  patchText: string | null;
  /** Where the patch text is read from when the finding is written; null when it is not shown. */
  patchPath: string | null;
  /** Run from the run directory: its paths are relative to it, so the report survives a move. */
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
  /** The rule's entry in the report's rule section, where its docs are written once. */
  ruleAnchor: string;
  severity: Severity;
  recipe: string;
  target: string;
  classification: string;
  location: string;
  message: string;
  suppressed: string | null;
  related: { anchor: string; label: string }[];
  excerpts: Excerpt[];
  /** Evidence past the excerpt limit: named with its place, not quoted. */
  moreEvidence: { location: string; note: string }[];
  fix: FixView | null;
  /** Why there is no patch. */
  fixUnavailable: string | null;
  verification: VerificationView;
  /** A verdict, or a note about the verify record: the verification section is shown. */
  verified: boolean;
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
  /** Verified findings only: an unverified one is counted in `unverified`. */
  verdicts: { rule: string; anchor: string; verdictLabel: string; verdictClass: string; counts: string }[];
  unverified: number;
}

/** A rule that has findings in this run, with its docs: written once, linked from each finding. */
export interface RuleView {
  id: string;
  anchor: string;
  name: string | null;
  description: string | null;
  docsHtml: string | null;
  href: string | null;
  count: number;
}

export interface RunDetailsView {
  version: string;
  roots: { name: string; path: string; commit: string | null }[];
  profile: string | null;
  rules: string[];
  date: string | null;
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
  rules: RuleView[];
  run: RunDetailsView;
}

const SEVERITIES: Severity[] = ["error", "warning", "info"];

/**
 * The view of the whole page, without the findings' evidence excerpts and patch texts: those are
 * most of a report's bytes, so `FindingBodies` adds them one finding at a time while the page is
 * written, and a catalogue's report never holds all of them at once.
 */
export async function buildView(input: RunInputs): Promise<ReportView> {
  const findings: FindingView[] = [];
  for (const f of input.findings) findings.push(await findingView(input, f));
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
    rules: ruleViews(input, findings),
    run: {
      version: input.version,
      roots: input.details.roots,
      profile: input.details.profile,
      rules: input.details.rules,
      date: input.details.date,
    },
  };
}

function ruleViews(input: RunInputs, findings: FindingView[]): RuleView[] {
  const counts = new Map<string, number>();
  for (const f of findings) counts.set(f.rule, (counts.get(f.rule) ?? 0) + 1);
  return sorted([...counts.keys()]).map((id) => {
    const rule = input.rules.get(id);
    return {
      id,
      anchor: ruleAnchor(id),
      name: rule?.name ?? null,
      description: rule?.description ?? null,
      docsHtml: rule?.docs ? markdownToHtml(rule.docs) : null,
      href: externalHref(rule?.url),
      count: counts.get(id)!,
    };
  });
}

function ruleAnchor(id: string): string {
  return `rule-${id.replace(/[^A-Za-z0-9_-]/g, "_")}`;
}

/** Adds the evidence excerpts and the patch text to a finding's view, for writing it. */
export class FindingBodies {
  private readonly reader: ExcerptReader;

  constructor(private readonly input: RunInputs) {
    this.reader = new ExcerptReader(input.roots);
  }

  async fill(view: FindingView, f: Finding): Promise<FindingView> {
    const { excerpts, more } = await evidence(this.reader, f);
    let fix = view.fix;
    if (fix?.patchPath) {
      const r = readPatch(this.input, fix.patchPath, f.fix!.patch);
      fix = { ...fix, patchText: "text" in r ? r.text : null };
    }
    return { ...view, excerpts, moreEvidence: more, fix };
  }
}

/** Longer messages are cut in the report (findings.json keeps them whole): RF120 names every recipe on a network. */
export const MAX_MESSAGE_CHARS = 1000;

function cutMessage(m: string): string {
  if (m.length <= MAX_MESSAGE_CHARS) return m;
  return `${m.slice(0, MAX_MESSAGE_CHARS)} … (${m.length - MAX_MESSAGE_CHARS} more characters in findings.json)`;
}

async function findingView(input: RunInputs, f: Finding): Promise<FindingView> {
  const root = rootOf(f);
  const verification = await verificationView(input.runDir, f.id, f.verification, input.verifyRecords);
  return {
    id: f.id,
    anchor: `finding-${f.id.replace(/[^A-Za-z0-9_-]/g, "_")}`,
    rule: f.rule,
    ruleAnchor: ruleAnchor(f.rule),
    severity: f.severity,
    recipe: f.recipe,
    target: f.target,
    classification: f.classification,
    location: `${root}: ${f.file}:${f.line}${f.column ? `:${f.column}` : ""}`,
    message: cutMessage(f.message),
    suppressed: f.suppressed ? `${f.suppressed.kind}: ${f.suppressed.reason}` : null,
    related: [],
    excerpts: [],
    moreEvidence: [],
    fix: f.fix ? await fixView(input, f) : null,
    fixUnavailable: f.fixUnavailable ?? null,
    verification,
    verified: verification.verdict !== "unverified" || verification.note !== null,
  };
}

/** Findings written before `root` existed name the harness only through their target. */
function rootOf(f: Finding): RootName {
  return f.root ?? (f.target === "harness" ? "harness" : "recipes");
}

/**
 * Beyond this many files a finding's evidence is listed, not quoted: RF120 names every recipe on a
 * shared network, and quoting each of them in each finding made the report grow with their square.
 */
export const MAX_EXCERPT_FILES = 3;

/** The reported location first, then each evidence item that is not that same place. */
async function evidence(
  reader: ExcerptReader,
  f: Finding,
): Promise<{ excerpts: Excerpt[]; more: { location: string; note: string }[] }> {
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
  const files: string[] = [];
  const quoted: ExcerptRequest[] = [];
  const more: { location: string; note: string }[] = [];
  for (const r of reqs) {
    const key = `${r.root}\0${r.file}`;
    if (!files.includes(key) && files.length < MAX_EXCERPT_FILES) files.push(key);
    if (files.includes(key)) quoted.push(r);
    else more.push({ location: `${r.root}: ${r.file}:${r.line}`, note: r.note });
  }
  return { excerpts: await reader.excerpts(quoted), more };
}

async function fixView(input: RunInputs, f: Finding): Promise<FixView> {
  const fix = f.fix!;
  const view: FixView = {
    summary: fix.summary,
    repo: fix.repo,
    patch: fix.patch,
    patchHref: runDirHref(fix.patch),
    patchText: null,
    patchPath: null,
    applyCommand: null,
    applyId: `apply-${f.id.replace(/[^A-Za-z0-9_-]/g, "_")}`,
    note: null,
    decision: decisionView(reviewOnce(input), fix.patch, null, f.id),
  };
  const path = inside(input.runDir, fix.patch);
  const read = path ? readPatch(input, path, fix.patch) : null;
  // The digest of the bytes just read; a file the safe reader refuses is hashed as before.
  view.decision = decisionView(
    reviewOnce(input),
    fix.patch,
    path,
    f.id,
    read && "sha256" in read ? read.sha256 : undefined,
  );
  if (!path || !read)
    return { ...view, note: `the patch path ${fix.patch} leaves the run directory; not read` };
  if (!("text" in read))
    return {
      ...view,
      patchHref: null,
      note: read.missing ? "the patch file is missing" : `the patch cannot be read (${read.code})`,
    };
  const text = read.text;
  const size = text.split("\n").length;
  // Past this, the page would hold (and draw) a diff nobody reads inline: the file is linked instead.
  if (size > MAX_DIFF_LINES)
    return {
      ...view,
      ...applyCommand(input, fix.repo, fix.patch),
      note: `a patch of ${size} lines: open the file`,
    };
  // The text only: the page draws the diff when the finding is opened (diff2html's markup was ten
  // times the patch, and most of a catalogue report's bytes). It is read again when written.
  view.patchPath = path;
  if (text.trim() === "") view.note = "the patch is empty";
  return { ...view, ...applyCommand(input, fix.repo, fix.patch) };
}

type PatchRead = { text: string; sha256: string } | { missing: boolean; code: string };

/**
 * A patch file of the run directory, through the safe reader. The last few are kept: several
 * findings share one patch, and each finding's patch is read for its view and again when written.
 */
const patchReads = new WeakMap<RunInputs, Map<string, PatchRead>>();
const PATCHES_KEPT = 64;

function readPatch(input: RunInputs, path: string, rel: string): PatchRead {
  let kept = patchReads.get(input);
  if (!kept) patchReads.set(input, (kept = new Map()));
  const hit = kept.get(path);
  if (hit) return hit;
  const written = input.patchTexts?.get(rel);
  let read: PatchRead;
  // Written from this text in this process: its bytes are the text's UTF-8.
  if (written !== undefined) read = { text: written, sha256: sha256Of(written) };
  else {
    const r = readFileSafe(path, { root: input.runDir, maxBytes: 64 * 1024 * 1024 });
    read = r.ok
      ? { text: r.bytes.toString("utf8"), sha256: sha256Of(r.bytes) }
      : { missing: r.problem === "missing", code: `EINVAL: ${r.message}` };
  }
  kept.set(path, read);
  if (kept.size > PATCHES_KEPT) kept.delete(kept.keys().next().value!);
  return read;
}

function sha256Of(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

/** review.json, read once per report rather than once per patch (thousands in a catalogue). */
const reviews = new WeakMap<RunInputs, ReturnType<typeof reviewOf>>();
function reviewOnce(input: RunInputs): ReturnType<typeof reviewOf> {
  if (!reviews.has(input)) reviews.set(input, reviewOf(input.runDir));
  return reviews.get(input)!;
}

/** Beyond this a diff is a page of its own; the report links to the patch instead. */
const MAX_DIFF_LINES = 5000;

/**
 * `git -C <repo> apply < <patch>`, both relative to the run directory: the shell opens the patch
 * before git changes directory, and the command still works when the run directory and the
 * recipes move together (CI artifacts, another machine).
 */
function applyCommand(input: RunInputs, repoName: string, patch: string): Partial<FixView> {
  const repo = input.repos.get(repoName);
  if (repo) {
    const dir = relative(input.runDir, repo.path) || ".";
    return { applyCommand: `git -C ${shellQuote(dir)} apply < ${shellQuote(patch)}` };
  }
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
  for (const f of findings) {
    const list = byRecipe.get(f.recipe);
    if (list) list.push(f);
    else byRecipe.set(f.recipe, [f]);
  }
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
      verdicts: mine
        .filter((f) => f.verification.verdict !== "unverified")
        .map((f) => ({
          rule: f.rule,
          anchor: f.anchor,
          verdictLabel: f.verification.verdictLabel,
          verdictClass: f.verification.verdictClass,
          counts: f.verification.counts,
        })),
      unverified: mine.filter((f) => f.verification.verdict === "unverified").length,
    };
  });
}

/** Code-unit order, not localeCompare: the same report on every machine and locale. */
function sorted(xs: string[]): string[] {
  return [...xs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
