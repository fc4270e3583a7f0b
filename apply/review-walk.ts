/**
 * `redfix review`: walks the patches of a run one by one, like `git add -p`: the diff, the evidence
 * lines and the verification verdict of the findings it fixes, then a question. The answers go into
 * the run's `review.json` after every decision, so a quit or a crash keeps what was decided.
 *
 * Answers: y accept, n reject, d defer, s skip (leave undecided), q quit, ? help. Whatever follows the
 * letter is the note: `n renames the volume, needs a migration` rejects with that note.
 */
import type { Finding } from "../core/finding.js";
import { readFileSync } from "node:fs";
import { decisionFor, patchDigest, readReview, writeReview } from "../reports/review.js";
import { terminalSafe } from "../reports/text.js";
import type { Decision, Review } from "../reports/review.js";
import { readRunDir, readSeries } from "./run-dir.js";
import { selectPatches } from "./select.js";
import type { Selection } from "./select.js";

export interface WalkOptions {
  only?: Selection;
  /** Who decides: the `by` of each decision. */
  by: string;
  /** Ask about patches already decided too (their decision is shown). */
  all: boolean;
  /** The next answer line, or null at the end of input (taken as quit). */
  read: (prompt: string) => Promise<string | null>;
  print: (line: string) => void;
  color: boolean;
}

export interface WalkResult {
  file: string | null;
  asked: number;
  decided: Record<Decision, number>;
  quit: boolean;
}

const HELP = [
  "y - accept this patch (apply will take it)",
  "n - reject this patch",
  "d - defer this patch (decide later)",
  "s - skip: leave it as it is and go to the next",
  "q - quit; decisions made so far are saved",
  "? - print this help",
  "text after the letter is kept as the note, e.g. `n breaks the upgrade path`",
];

const ANSWERS: Record<string, Decision | "skip" | "quit" | "help"> = {
  y: "accept",
  n: "reject",
  d: "defer",
  s: "skip",
  q: "quit",
  "?": "help",
};

export async function walkReview(runDir: string, opts: WalkOptions): Promise<WalkResult> {
  const run = readRunDir(runDir);
  const patches = selectPatches(readSeries(run), opts.only);
  const review: Review = readReview(run.dir) ?? { decisions: {} };
  const todo = patches.filter((p) => opts.all || !decisionFor(review, p.relPath, p.absPath));
  const result: WalkResult = {
    file: null,
    asked: 0,
    decided: { accept: 0, reject: 0, defer: 0 },
    quit: false,
  };
  if (todo.length === 0) {
    opts.print(
      patches.length === 0
        ? "no patches in the run directory: nothing to review"
        : `all ${patches.length} patch${patches.length === 1 ? " is" : "es are"} decided (--all to go over them again)`,
    );
    return result;
  }
  const paint = (code: string, s: string) => (opts.color ? `\x1b[${code}m${s}\x1b[0m` : s);
  for (const [i, p] of todo.entries()) {
    opts.print("");
    opts.print(paint("1", `(${i + 1}/${todo.length}) ${p.relPath}`));
    for (const line of describeFindings(p.findings)) opts.print(terminalSafe(line));
    const current = decisionFor(review, p.relPath, p.absPath);
    if (current)
      opts.print(
        `  decided: ${current.decision} by ${terminalSafe(current.by)}${current.note ? `: ${terminalSafe(current.note)}` : ""}`,
      );
    for (const line of readFileSync(p.absPath, "utf8").replace(/\n$/, "").split("\n")) {
      const shown = terminalSafe(line);
      if (line.startsWith("+++") || line.startsWith("---") || line.startsWith("diff "))
        opts.print(paint("1", shown));
      else if (line.startsWith("+")) opts.print(paint("32", shown));
      else if (line.startsWith("-")) opts.print(paint("31", shown));
      else if (line.startsWith("@@")) opts.print(paint("36", shown));
      else opts.print(shown);
    }
    result.asked++;
    let answered = false;
    while (!answered) {
      const raw = await opts.read(`(${i + 1}/${todo.length}) Accept this patch [y,n,d,s,q,?]? `);
      if (raw === null) {
        result.quit = true;
        break;
      }
      const m = /^\s*(\S)\s*(.*)$/.exec(raw);
      const what = m ? ANSWERS[m[1]!.toLowerCase()] : undefined;
      if (!what || what === "help") {
        for (const h of HELP) opts.print(h);
        continue;
      }
      answered = true;
      if (what === "quit") result.quit = true;
      if (what === "skip" || what === "quit") break;
      review.decisions[p.relPath] = {
        decision: what,
        by: opts.by,
        note: m![2]!.trim(),
        sha256: patchDigest(p.absPath),
      };
      result.decided[what]++;
      result.file = writeReview(run.dir, review);
    }
    if (result.quit) break;
  }
  return result;
}

/** One line per finding, its evidence lines and its verification verdict. */
function describeFindings(findings: Finding[]): string[] {
  if (findings.length === 0) return ["  fixes no finding of findings.json"];
  const out: string[] = [];
  for (const f of findings) {
    out.push(`  ${f.rule} ${f.severity} ${f.file}:${f.line} ${f.message} (${f.id})`);
    if (f.fix?.summary) out.push(`    fix: ${f.fix.summary}`);
    for (const e of f.evidence) {
      const at =
        e.endLine && e.endLine !== e.line ? `${e.file}:${e.line}-${e.endLine}` : `${e.file}:${e.line}`;
      out.push(`    evidence ${at}${e.note ? `: ${e.note}` : ""}`);
    }
    const v = f.verification;
    if (!v) out.push("    verification: not verified (run redfix verify)");
    else {
      const counts = [
        v.before ? `before ${v.before.passed} passed ${v.before.failed} failed` : "",
        v.after ? `after ${v.after.passed} passed ${v.after.failed} failed` : "",
      ].filter(Boolean);
      out.push(`    verification: ${v.verdict}${counts.length ? ` (${counts.join("; ")})` : ""}`);
    }
  }
  return out;
}
