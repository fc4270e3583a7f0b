/**
 * Evidence excerpts: a few lines around each evidence line, read from the real files under the roots
 * of run.json. Anything that cannot be shown becomes a note on the excerpt, never an exception.
 */
import { readFileSafe } from "../../core/safe-file.js";
import type { RootName } from "../../core/finding.js";
import { inside } from "./paths.js";

export const CONTEXT_LINES = 3;
/** Longer lines are cut: a minified file must not make the report megabytes wide. */
const MAX_LINE_CHARS = 400;
/** The loader's own cap on a parsed file: a finding cannot point at anything larger. */
const MAX_EXCERPT_FILE_BYTES = 2 * 1024 * 1024;

export interface ExcerptRequest {
  root: RootName;
  file: string;
  line: number;
  endLine: number;
  note: string;
}

export interface ExcerptMark {
  line: number;
  endLine: number;
  note: string;
}

export interface ExcerptLine {
  number: number;
  text: string;
  highlighted: boolean;
}

/** Consecutive lines of one file, with every evidence range that falls in them highlighted. */
export interface Excerpt {
  root: RootName;
  file: string;
  line: number;
  marks: ExcerptMark[];
  lines: ExcerptLine[];
  /** Why no (or not all) lines are shown. */
  problem: string | null;
}

type FileText = { lines: string[] } | { problem: string };

const MAX_CACHED_FILES = 256;

/** Reads each file once per report; findings often point at the same compose file. */
export class ExcerptReader {
  private readonly cache = new Map<string, Promise<FileText>>();

  constructor(private readonly roots: Partial<Record<RootName, string | null>>) {}

  /**
   * One excerpt per cluster of nearby evidence in a file, files in the order they are first named:
   * three notes on lines 31-33 read better as one highlighted block than as three overlapping ones.
   */
  async excerpts(reqs: ExcerptRequest[]): Promise<Excerpt[]> {
    const files = new Map<string, ExcerptRequest[]>();
    for (const r of reqs) {
      const key = `${r.root}\0${r.file}`;
      files.set(key, [...(files.get(key) ?? []), r]);
    }
    const out: Excerpt[] = [];
    for (const group of files.values()) out.push(...(await this.fileExcerpts(group)));
    return out;
  }

  private async fileExcerpts(reqs: ExcerptRequest[]): Promise<Excerpt[]> {
    const { root: rootName, file } = reqs[0]!;
    const marks = reqs.map((r) => ({ line: r.line, endLine: Math.max(r.endLine, r.line), note: r.note }));
    const whole = (problem: string): Excerpt[] => [
      { root: rootName, file, line: marks[0]!.line, marks, lines: [], problem },
    ];
    const root = this.roots[rootName];
    if (!root) return whole(`run.json names no ${rootName} root, so ${file} cannot be read`);
    const path = inside(root, file);
    if (!path) return whole(`${file} is outside the ${rootName} root; not read`);
    const text = await this.read(root, path);
    if ("problem" in text) return whole(`${file}: ${text.problem}`);
    const total = text.lines.length;
    const out: Excerpt[] = [];
    const bad = marks.filter((m) => !Number.isInteger(m.line) || m.line < 1 || m.line > total);
    if (bad.length)
      out.push({
        root: rootName,
        file,
        line: bad[0]!.line,
        marks: bad,
        lines: [],
        problem: `line ${bad.map((m) => m.line).join(", ")} is not in ${file} (${total} lines): the file changed?`,
      });
    const good = marks
      .filter((m) => !bad.includes(m))
      .map((m) => ({ ...m, endLine: Math.min(m.endLine, total) }))
      .sort((a, b) => a.line - b.line || a.endLine - b.endLine);
    let cluster: ExcerptMark[] = [];
    const flush = (): void => {
      if (cluster.length) out.push(this.cut(rootName, file, text.lines, cluster));
      cluster = [];
    };
    for (const m of good) {
      const reach = Math.max(...cluster.map((c) => c.endLine), -Infinity) + 2 * CONTEXT_LINES + 1;
      if (cluster.length && m.line > reach) flush();
      cluster.push(m);
    }
    flush();
    return out;
  }

  private cut(root: RootName, file: string, all: string[], marks: ExcerptMark[]): Excerpt {
    const from = Math.max(1, marks[0]!.line - CONTEXT_LINES);
    const to = Math.min(all.length, Math.max(...marks.map((m) => m.endLine)) + CONTEXT_LINES);
    const lines: ExcerptLine[] = [];
    for (let n = from; n <= to; n++) {
      const raw = all[n - 1]!;
      const text = raw.length > MAX_LINE_CHARS ? `${raw.slice(0, MAX_LINE_CHARS)} …` : raw;
      lines.push({ number: n, text, highlighted: marks.some((m) => n >= m.line && n <= m.endLine) });
    }
    return { root, file, line: marks[0]!.line, marks, lines, problem: null };
  }

  private read(root: string, path: string): Promise<FileText> {
    let p = this.cache.get(path);
    if (!p) {
      p = Promise.resolve(readText(root, path));
      this.cache.set(path, p);
      // Findings come in recipe order: the last files read are the ones asked for again. A
      // catalogue's files are not all kept.
      if (this.cache.size > MAX_CACHED_FILES) this.cache.delete(this.cache.keys().next().value!);
    }
    return p;
  }
}

/** Through the program's one safe reader: a regular file inside the root, under the size cap. */
function readText(root: string, path: string): FileText {
  const r = readFileSafe(path, { root, maxBytes: MAX_EXCERPT_FILE_BYTES });
  if (!r.ok) {
    if (r.problem === "missing") return { problem: "the file does not exist (any more)" };
    return { problem: r.message };
  }
  const buf = r.bytes;
  if (buf.subarray(0, 8192).includes(0)) return { problem: "is a binary file; not shown" };
  const text = buf.toString("utf8").replace(/\r\n?/g, "\n");
  const lines = text.split("\n");
  // A final newline ends the last line; it does not start another.
  if (lines.length > 1 && lines[lines.length - 1] === "") lines.pop();
  return { lines };
}
