import { dirname } from "node:path";
import { readFileSafe } from "./safe-file.js";

/** A 1-based line and column. Columns count UTF-16 code units (SARIF's default `columnKind`). */
export interface Position {
  line: number;
  column: number;
}

/** A half-open range of offsets into a file's decoded text. */
export interface Range {
  start: number;
  end: number;
}

/** Turns text offsets into line/column with a binary search over line starts. */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.starts.push(i + 1);
  }

  position(offset: number): Position {
    const o = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.starts[mid] ?? 0) <= o) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: o - (this.starts[lo] ?? 0) + 1 };
  }

  /** Offset of the first character of a 1-based line. */
  lineStart(line: number): number {
    return this.starts[Math.max(0, Math.min(line - 1, this.starts.length - 1))] ?? 0;
  }

  /** Offset just past the newline that ends the line holding `offset` (or the end of the text). */
  lineEndAfter(offset: number): number {
    const nl = this.text.indexOf("\n", offset);
    return nl === -1 ? this.text.length : nl + 1;
  }

  get lineCount(): number {
    return this.starts.length;
  }

  lineText(line: number): string {
    const s = this.lineStart(line);
    const e = this.text.indexOf("\n", s);
    return this.text.slice(s, e === -1 ? this.text.length : e);
  }
}

/** One file of the workspace, read and decoded once. */
export interface SourceFile {
  /** Path relative to the analyzed root, with forward slashes (what findings show). */
  path: string;
  /** Absolute path on disk. */
  absPath: string;
  text: string;
  lines: LineIndex;
}

/** Why a file could not be read as text; becomes an RF001 or RF002 finding. */
export interface ReadFailure {
  kind: "too-large" | "not-utf8" | "unreadable" | "not-a-file";
  message: string;
  /** Offset in bytes of the problem (the first invalid byte for not-utf8). */
  byteOffset: number;
  /** Line/column of that byte, computed on the bytes before it. */
  position: Position;
}

/** Default size limit for a file redfix parses: a compose file or a config is kilobytes, not megabytes. */
export const DEFAULT_MAX_FILE_BYTES = 2 * 1024 * 1024;

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/**
 * Reads and strictly decodes a file; never throws. Through the one safe reader: a regular file only,
 * no symlink out of `root` (the file's own folder when not given), at most `maxBytes`.
 */
export function readSource(
  absPath: string,
  relPath: string,
  maxBytes = DEFAULT_MAX_FILE_BYTES,
  root = dirname(absPath),
): SourceFile | ReadFailure {
  const start = { line: 1, column: 1 };
  const r = readFileSafe(absPath, { root, maxBytes });
  if (!r.ok) {
    if (r.problem === "too-large") {
      return failure(
        "too-large",
        `${relPath} is ${r.size} bytes, over the ${maxBytes}-byte limit for parsed files; it was not read`,
        0,
        start,
      );
    }
    if (r.problem === "not-a-file" || r.problem === "outside") {
      return failure("not-a-file", `${relPath} ${r.message}`, 0, start);
    }
    return failure("unreadable", `${relPath} cannot be read: ${r.message}`, 0, start);
  }
  const bytes = r.bytes;
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    const bad = firstInvalidUtf8(bytes);
    const before = bytes.subarray(0, bad).toString("utf8");
    const pos = new LineIndex(before).position(before.length);
    return failure(
      "not-utf8",
      `${relPath} is not valid UTF-8 (byte 0x${(bytes[bad] ?? 0).toString(16).padStart(2, "0")} at offset ${bad})`,
      bad,
      pos,
    );
  }
  return { path: relPath, absPath, text, lines: new LineIndex(text) };
}

export function isReadFailure(x: SourceFile | ReadFailure): x is ReadFailure {
  return "kind" in x;
}

function failure(
  kind: ReadFailure["kind"],
  message: string,
  byteOffset: number,
  position: Position,
): ReadFailure {
  return { kind, message, byteOffset, position };
}

/** Offset of the first byte that breaks UTF-8 well-formedness. */
export function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    let n = 0;
    if (c < 0x80) n = 0;
    else if (c >= 0xc2 && c <= 0xdf) n = 1;
    else if (c >= 0xe0 && c <= 0xef) n = 2;
    else if (c >= 0xf0 && c <= 0xf4) n = 3;
    else return i;
    for (let k = 1; k <= n; k++) {
      const cc = b[i + k];
      if (cc === undefined || (cc & 0xc0) !== 0x80) return i;
    }
    // Overlongs and surrogates, which the fatal decoder also rejects.
    if (n === 2 && ((c === 0xe0 && b[i + 1]! < 0xa0) || (c === 0xed && b[i + 1]! > 0x9f))) return i;
    if (n === 3 && ((c === 0xf0 && b[i + 1]! < 0x90) || (c === 0xf4 && b[i + 1]! > 0x8f))) return i;
    i += n + 1;
  }
  return b.length;
}
