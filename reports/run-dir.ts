/** Writes the run directory (docs/run-directory.md): the hand-off between analyze, verify, report and apply. */
import {
  closeSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  rmSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { isInside } from "../core/paths.js";
import type { Finding } from "../core/finding.js";
import type { RuleMeta } from "../analyzers/rule.js";
import type { FolderKind } from "../load/config.js";
import type { PatchSeries } from "../core/patch.js";
import { VERSION } from "../core/package.js";
import { findingsDocument, findingsJsonChunks } from "./json.js";
import { sarifChunks } from "./sarif.js";
import { excludeFromRepo } from "./git-exclude.js";

export interface RunInfo {
  tool: { name: "redfix"; version: string };
  roots: { recipes: string; harness: string | null };
  /** The rules that ran (after profile, config and --rule), so later steps re-check with the same set. */
  rules: string[];
  /** Every analyzed folder with its kind (docs/kinds.md), and the harness. */
  repos: { name: string; kind: FolderKind | "harness"; path: string }[];
  /** Folders under the recipes root that were not analyzed, with why. */
  skipped?: { path: string; reason: string }[];
}

export function writeRunDir(
  out: string,
  findings: Finding[],
  rules: RuleMeta[],
  series: PatchSeries,
  run: Omit<RunInfo, "tool">,
  upstream: { path: string; text: string }[] = [],
): void {
  mkdirSync(out, { recursive: true });
  excludeFromRepo(out);
  // Verify records and issue drafts of an earlier run would describe other findings.
  rmSync(join(out, "verify"), { recursive: true, force: true });
  rmSync(join(out, "upstream"), { recursive: true, force: true });
  for (const u of upstream) {
    const file = join(out, u.path);
    if (!isInside(out, file)) continue;
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, u.text);
  }
  writeFindings(out, findings, rules);
  const info: RunInfo = { tool: { name: "redfix", version: VERSION }, ...run };
  writeIfChanged(join(out, "run.json"), () => [`${JSON.stringify(info, null, 2)}\n`]);
  writePatches(join(out, "patches"), series);
}

/** `findings.json` and `redfix.sarif`: analyze writes them, verify rewrites them with its verdicts. */
export function writeFindings(out: string, findings: Finding[], rules: RuleMeta[]): void {
  writeIfChanged(join(out, "findings.json"), () => findingsJsonChunks(findingsDocument(findings)));
  writeIfChanged(join(out, "redfix.sarif"), () => sarifChunks(findings, rules));
}

/**
 * Writes `patches/<repo>/` and removes what an earlier run left there; removing only stale files is
 * much cheaper than deleting and recreating thousands of patches on every run.
 */
function writePatches(dir: string, series: PatchSeries): void {
  const wanted = new Map<string, string[]>();
  for (const p of series.patches) {
    const repoDir = p.path.split("/")[1]!;
    wanted.set(repoDir, [...(wanted.get(repoDir) ?? []), p.name]);
  }
  for (const stale of listDir(dir)) {
    if (!wanted.has(stale)) rmSync(join(dir, stale), { recursive: true, force: true });
  }
  for (const [repoDir, names] of wanted) {
    const d = join(dir, repoDir);
    mkdirSync(d, { recursive: true });
    const keep = new Set([...names, "series"]);
    for (const f of listDir(d)) if (!keep.has(f)) rmSync(join(d, f), { recursive: true, force: true });
    writeIfChanged(join(d, "series"), () => [`${names.join("\n")}\n`]);
  }
  for (const p of series.patches) writeIfChanged(join(dir, p.path.split("/")[1]!, p.name), () => [p.content]);
}

/**
 * Writes a file from its text in pieces, unless it already holds those bytes. Re-running analyze into
 * the same run directory mostly produces the same bytes, and truncating and rewriting a file costs far
 * more than reading it (about a millisecond a file here: seconds for thousands of patches). The text
 * never exists as one string: on a large workspace findings.json and the SARIF run to hundreds of MB.
 */
function writeIfChanged(file: string, text: () => Iterable<string>): void {
  if (holds(file, batches(text()))) return;
  const fd = openSync(file, "w");
  try {
    for (const b of batches(text())) {
      for (let done = 0; done < b.length;) done += writeSync(fd, b, done);
    }
  } finally {
    closeSync(fd);
  }
}

function holds(file: string, bytes: Iterable<Buffer>): boolean {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch {
    return false;
  }
  try {
    let pos = 0;
    for (const want of bytes) {
      const got = Buffer.allocUnsafe(want.length);
      let n = 0;
      for (let r = -1; n < want.length && r !== 0; n += r) r = readSync(fd, got, n, want.length - n, pos + n);
      if (n !== want.length || !got.equals(want)) return false;
      pos += n;
    }
    return readSync(fd, Buffer.alloc(1), 0, 1, pos) === 0;
  } finally {
    closeSync(fd);
  }
}

/** Joins small pieces into buffers of about 64 KiB: one read or write per piece would be thousands. */
function* batches(pieces: Iterable<string>): Generator<Buffer> {
  const BATCH = 1 << 16;
  let pending = "";
  for (const p of pieces) {
    if (pending.length + p.length < BATCH) {
      pending += p;
      continue;
    }
    if (pending) yield Buffer.from(pending);
    if (p.length >= BATCH) {
      yield Buffer.from(p);
      pending = "";
    } else {
      pending = p;
    }
  }
  yield Buffer.from(pending);
}

function listDir(d: string): string[] {
  try {
    return readdirSync(d);
  } catch {
    return [];
  }
}
