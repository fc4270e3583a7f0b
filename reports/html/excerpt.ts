/**
 * Evidence excerpts: a few lines around each evidence line, read from the real files under the roots
 * of run.json. Anything that cannot be shown becomes a note on the excerpt, never an exception.
 */
import { readFile } from "node:fs/promises";
import type { RootName } from "../../analyzers/finding.js";
import { inside } from "./paths.js";

export const CONTEXT_LINES = 3;
/** Longer lines are cut: a minified file must not make the report megabytes wide. */
const MAX_LINE_CHARS = 400;

export interface ExcerptRequest {
  root: RootName;
  file: string;
  line: number;
  endLine: number;
  note: string;
}

export interface ExcerptLine {
  number: number;
  text: string;
  highlighted: boolean;
}

export interface Excerpt {
  root: RootName;
  file: string;
  line: number;
  endLine: number;
  note: string;
  lines: ExcerptLine[];
  /** Why no (or not all) lines are shown. */
  problem: string | null;
}

type FileText = { lines: string[] } | { problem: string };

/** Reads each file once per report; findings often point at the same compose file. */
export class ExcerptReader {
  private readonly cache = new Map<string, Promise<FileText>>();

  constructor(private readonly roots: Partial<Record<RootName, string | null>>) {}

  async excerpt(req: ExcerptRequest): Promise<Excerpt> {
    const base = { ...req, lines: [] as ExcerptLine[] };
    const root = this.roots[req.root];
    if (!root)
      return { ...base, problem: `run.json names no ${req.root} root, so ${req.file} cannot be read` };
    const path = inside(root, req.file);
    if (!path) return { ...base, problem: `${req.file} is outside the ${req.root} root; not read` };
    const text = await this.read(path);
    if ("problem" in text) return { ...base, problem: `${req.file}: ${text.problem}` };
    const total = text.lines.length;
    if (!Number.isInteger(req.line) || req.line < 1 || req.line > total)
      return {
        ...base,
        problem: `line ${req.line} is not in ${req.file} (${total} lines): the file changed?`,
      };
    const end = Math.min(Math.max(req.endLine, req.line), total);
    const from = Math.max(1, req.line - CONTEXT_LINES);
    const to = Math.min(total, end + CONTEXT_LINES);
    const lines: ExcerptLine[] = [];
    for (let n = from; n <= to; n++) {
      const raw = text.lines[n - 1]!;
      const cut = raw.length > MAX_LINE_CHARS ? `${raw.slice(0, MAX_LINE_CHARS)} …` : raw;
      lines.push({ number: n, text: cut, highlighted: n >= req.line && n <= end });
    }
    return { ...base, endLine: end, lines, problem: null };
  }

  private read(path: string): Promise<FileText> {
    let p = this.cache.get(path);
    if (!p) {
      p = readText(path);
      this.cache.set(path, p);
    }
    return p;
  }
}

async function readText(path: string): Promise<FileText> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return { problem: "the file does not exist (any more)" };
    if (code === "EISDIR") return { problem: "is a folder, not a file" };
    if (code === "EACCES") return { problem: "cannot be read (permission denied)" };
    return { problem: `cannot be read (${code ?? (e as Error).message})` };
  }
  if (buf.subarray(0, 8192).includes(0)) return { problem: "is a binary file; not shown" };
  const text = buf.toString("utf8").replace(/\r\n?/g, "\n");
  const lines = text.split("\n");
  // A final newline ends the last line; it does not start another.
  if (lines.length > 1 && lines[lines.length - 1] === "") lines.pop();
  return { lines };
}
