/**
 * Commit messages and pull-request texts, from the Handlebars templates in `templates/apply/`.
 * Both are plain text / Markdown read by people and forges, not HTML: nothing is HTML-escaped.
 */
import Handlebars from "handlebars";
import { templateLoader } from "../core/templates.js";
import type { Template } from "../core/templates.js";
import type { Finding, RunCounts, Verification } from "../core/finding.js";
import { VERSION } from "../core/package.js";

export interface MessageInput {
  recipe: string;
  findings: Finding[];
  /** Patch file names, in the order they are applied. */
  patches: string[];
  /**
   * The text of each patch, in the same order: what the message says the commit changes is read
   * from these (files, changed lines, version bumps), never from another patch's summary.
   */
  diffs: string[];
  related: { repo: string; branch: string }[];
  reportUrl?: string;
}

export interface PullRequestText {
  title: string;
  body: string;
}

/**
 * Recipe-derived text as Markdown that renders as the same text: every character Markdown gives a
 * meaning to is backslash-escaped (no code span to break out of, no link, image, raw HTML, heading
 * or @mention), and line breaks become spaces.
 */
export function markdownText(v: unknown): string {
  if (v === undefined || v === null) return "";
  return String(v)
    .replace(/\s*[\r\n]+\s*/g, " ")
    .replace(/[\\`*_[\]<>#!|~@&]/g, "\\$&");
}

/** A code span that holds any text: a backtick fence longer than any run of backticks inside it. */
export function markdownCode(v: unknown): string {
  const s = String(v ?? "").replace(/\s*[\r\n]+\s*/g, " ");
  const longest = Math.max(0, ...(s.match(/`+/g) ?? []).map((r) => r.length));
  const fence = "`".repeat(longest + 1);
  const pad = s.startsWith("`") || s.endsWith("`") || longest > 0 ? " " : "";
  return `${fence}${pad}${s}${pad}${fence}`;
}

const hbs = Handlebars.create();
// A Markdown table cell: escaped text, which also keeps a pipe or a newline from ending the cell.
hbs.registerHelper("cell", (v: unknown) => markdownText(v));
hbs.registerHelper("md", (v: unknown) => markdownText(v));
// Commit messages are plain text: a recipe string stays on its line (no forged trailer or paragraph).
hbs.registerHelper("line", (v: unknown) =>
  v === undefined || v === null ? "" : String(v).replace(/\s*[\r\n]+\s*/g, " "),
);
hbs.registerHelper("code", (v: unknown) => markdownCode(v));
// Only http(s) links: anything else (javascript:, data:) is dropped; parentheses and spaces encoded.
hbs.registerHelper("url", (v: unknown) => {
  try {
    const u = new URL(String(v));
    return u.protocol === "http:" || u.protocol === "https:"
      ? u.href.replace(/[()<> ]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
      : "";
  } catch {
    return "";
  }
});
const load = templateLoader(hbs);

function template(name: "commit" | "pr"): Template {
  return load(`apply/${name}.hbs`);
}

/** `<recipe>: <what the fix does>`, the commit subject and the PR title. */
export function titleOf(input: MessageInput): string {
  const summaries = [...new Set(input.findings.map((f) => f.fix?.summary).filter((s): s is string => !!s))];
  if (input.patches.length === 1 && summaries.length === 1)
    return oneLine(`${input.recipe}: ${summaries[0]}`);
  const rules = [...new Set(input.findings.map((f) => f.rule))];
  if (input.patches.length === 1 && rules.length > 0) {
    // One patch, several fixes: name what it touches, from the patch itself.
    const files = changesOf(input.diffs).map((c) => c.file);
    return oneLine(`${input.recipe}: fix ${rules.join(", ")} in ${files.join(", ")}`);
  }
  if (rules.length === 0) return oneLine(`${input.recipe}: apply ${input.patches.join(", ")}`);
  return oneLine(`${input.recipe}: fix ${rules.join(", ")}`);
}

export function renderCommitMessage(input: MessageInput): string {
  return tidy(template("commit")(context(input)));
}

export function renderPullRequest(input: MessageInput): PullRequestText {
  return { title: titleOf(input), body: tidy(template("pr")(context(input))) };
}

export interface FileChange {
  file: string;
  status: "added" | "deleted" | "modified";
  added: number;
  removed: number;
  /** First line (in the new file; the old one for a deleted file) of each run of changed lines. */
  at: number[];
  /** `export NAME=old` replaced by `export NAME=new` (a version bump, or any other value change). */
  exports: { name: string; from: string; to: string }[];
}

/**
 * What a set of patches changes, file by file, read from the unified diffs themselves (the same
 * file in several patches is listed once per patch).
 */
export function changesOf(diffs: readonly string[]): FileChange[] {
  const out: FileChange[] = [];
  for (const diff of diffs) {
    let cur: FileChange | null = null;
    let oldLine = 0;
    let newLine = 0;
    let inRun = false;
    const removedExports = new Map<string, string>();
    const finish = () => {
      if (cur) out.push(cur);
      removedExports.clear();
    };
    for (const line of diff.split("\n")) {
      const header = /^diff --git a\/(.+) b\/(.+)$/.exec(line);
      if (header) {
        finish();
        cur = { file: header[2]!, status: "modified", added: 0, removed: 0, at: [], exports: [] };
        continue;
      }
      if (!cur) continue;
      if (line.startsWith("new file mode")) cur.status = "added";
      else if (line.startsWith("deleted file mode")) cur.status = "deleted";
      else if (line.startsWith("--- ") || line.startsWith("+++ ")) continue;
      const hunk = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(line);
      if (hunk) {
        oldLine = Number(hunk[1]);
        newLine = Number(hunk[2]);
        inRun = false;
        continue;
      }
      if (line.startsWith("+") || line.startsWith("-")) {
        if (!inRun) cur.at.push(cur.status === "deleted" ? oldLine : Math.max(newLine, 1));
        inRun = true;
        const exp = /^[+-]\s*export\s+([A-Za-z_][A-Za-z0-9_]*)=(\S*)/.exec(line);
        if (line.startsWith("+")) {
          cur.added++;
          newLine++;
          const from = exp ? removedExports.get(exp[1]!) : undefined;
          if (exp && from !== undefined && from !== exp[2])
            cur.exports.push({ name: exp[1]!, from, to: exp[2]! });
        } else {
          cur.removed++;
          oldLine++;
          if (exp) removedExports.set(exp[1]!, exp[2]!);
        }
      } else if (line.startsWith(" ")) {
        inRun = false;
        oldLine++;
        newLine++;
      }
    }
    finish();
  }
  return out;
}

function describeChange(c: FileChange): string {
  const lines = (n: number) => `${n} line${n === 1 ? "" : "s"}`;
  if (c.status === "added") return `new file, ${lines(c.added)}`;
  if (c.status === "deleted") return `deleted, ${lines(c.removed)}`;
  const parts: string[] = [];
  for (const e of c.exports) parts.push(`${e.name} ${e.from} → ${e.to}`);
  const where = c.at.length === 1 ? `line ${c.at[0]}` : `lines ${c.at.join(", ")}`;
  const sizes = [c.added ? `+${c.added}` : "", c.removed ? `-${c.removed}` : ""].filter(Boolean).join(" ");
  parts.push(`${where} (${sizes})`);
  return parts.join("; ");
}

function context(input: MessageInput) {
  return {
    title: titleOf(input),
    changes: changesOf(input.diffs).map((c) => ({ file: c.file, what: describeChange(c) })),
    recipe: input.recipe,
    plural: input.findings.length > 1,
    patchesPlural: input.patches.length > 1,
    patches: input.patches,
    related: input.related,
    reportUrl: input.reportUrl,
    version: VERSION,
    findings: input.findings.map((f) => ({
      id: f.id,
      rule: f.rule,
      severity: f.severity,
      classification: f.classification,
      message: f.message,
      summary: f.fix?.summary,
      location: `${f.file}:${f.line}`,
      evidence: f.evidence.map((e) => ({
        location:
          e.endLine && e.endLine !== e.line ? `${e.file}:${e.line}-${e.endLine}` : `${e.file}:${e.line}`,
        note: e.note,
      })),
      verification: f.verification ? verificationView(f.verification) : undefined,
    })),
  };
}

function verificationView(v: Verification) {
  const parts: string[] = [];
  if (v.before) parts.push(`before: ${counts(v.before)}`);
  if (v.after) parts.push(`after: ${counts(v.after)}`);
  if (v.underLoad?.before) parts.push(`under load before: ${counts(v.underLoad.before)}`);
  if (v.underLoad?.after) parts.push(`under load after: ${counts(v.underLoad.after)}`);
  return { verdict: v.verdict, counts: parts.join("; "), checks: v.checks };
}

function counts(c: RunCounts): string {
  return `${c.passed} passed, ${c.failed} failed`;
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, " ").trim();
}

/** Templates leave blank runs where optional blocks were empty: at most one blank line, one final newline. */
function tidy(s: string): string {
  return `${s
    .split("\n")
    .map((l) => l.trimEnd())
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim()}\n`;
}
