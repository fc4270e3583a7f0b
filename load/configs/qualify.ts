import type { UpstreamRef } from "./upstream.js";

/** A byte-range replacement in one file's text. */
export interface HostEdit {
  start: number;
  end: number;
  text: string;
}

/**
 * The edit that replaces only the host of a reference (`app` → `{{ env "STACK_NAME" }}_app`), leaving
 * scheme, port, path, quotes and everything around them untouched. Throws when the reference no longer
 * matches the text, because splicing a stale range would corrupt the file.
 */
export function qualifyHost(text: string, ref: UpstreamRef, replacement: string): HostEdit {
  const { start, end } = ref.hostRange;
  if (start < 0 || end > text.length || start > end || text.slice(start, end) !== ref.host) {
    throw new RangeError(`stale reference: expected "${ref.host}" at ${start}..${end}`);
  }
  return { start, end, text: replacement };
}

/** Applies non-overlapping edits back to front, so earlier offsets stay valid. */
export function applyHostEdits(text: string, edits: HostEdit[]): string {
  const sorted = [...edits].sort((a, b) => b.start - a.start);
  let out = text;
  let limit = text.length;
  for (const e of sorted) {
    if (e.end > limit) throw new RangeError(`overlapping edits at ${e.start}..${e.end}`);
    out = out.slice(0, e.start) + e.text + out.slice(e.end);
    limit = e.start;
  }
  return out;
}
