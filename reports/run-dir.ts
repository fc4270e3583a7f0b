/** Writes the run directory (docs/run-directory.md): the hand-off between analyze, verify, report and apply. */
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  rmdirSync,
  unlinkSync,
  writeSync,
  type Stats,
} from "node:fs";
import { lstat as lstatAsync, mkdir as mkdirAsync, open as openAsync } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import type { Finding } from "../core/finding.js";
import type { RuleMeta } from "../analyzers/rule.js";
import type { FolderKind } from "../load/config.js";
import type { PatchSeries } from "../core/patch.js";
import { VERSION } from "../core/package.js";
import { readTextSafe } from "../core/safe-file.js";
import { findingsDocument, findingsJsonChunks } from "./json.js";
import { sarifChunks, type SarifRoots } from "./sarif.js";

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

/** A run directory that cannot be read or written safely: a usage error, exit 2. */
export class RunDirError extends Error {}

/** The list of files redfix wrote in a run directory: the only files it ever deletes there. */
export const MANIFEST = ".redfix-manifest";

/**
 * Names a run directory written before the manifest existed may hold. A folder holding anything else
 * and no manifest is not a run directory: given as `--out`, it is refused rather than cleaned.
 */
const RUN_DIR_NAMES = new Set([
  MANIFEST,
  "findings.json",
  "redfix.sarif",
  "run.json",
  "patches",
  "verify",
  "upstream",
  "files",
  "report.html",
  "report.html.tmp",
  "review.json",
  "review.json.tmp",
]);

/** A manifest entry: a relative path of plain components, no `.`/`..`, nothing absolute. */
function validEntry(rel: string): boolean {
  if (rel === "" || rel.startsWith("/") || rel.includes("\\") || rel.includes("\0")) return false;
  return rel.split("/").every((c) => c !== "" && c !== "." && c !== "..");
}

/**
 * Every write and delete in a run directory goes through here. No symlink is ever followed: a
 * component or file that is a link is refused (exit 2), files are opened with O_NOFOLLOW, and only
 * files this or an earlier run recorded in the manifest are deleted.
 */
export class RunDirWriter {
  readonly dir: string;
  private readonly manifest = new Set<string>();
  private readonly removedDirs = new Set<string>();
  /** Folders under `dir` this writer has made or found to be real folders (not links). */
  private readonly folders = new Set<string>();
  /** Folders being checked or made on libuv's threads (`writeAsync`), each once however many files it gets. */
  private readonly checking = new Map<string, Promise<void>>();

  constructor(out: string, opts: { create: boolean }) {
    this.dir = resolve(out);
    let st;
    try {
      st = lstatSync(this.dir);
    } catch {
      st = null;
    }
    if (!st) {
      if (!opts.create) throw new RunDirError(`${this.dir} does not exist`);
      mkdirSync(this.dir, { recursive: true });
      st = lstatSync(this.dir);
    }
    if (st.isSymbolicLink())
      throw new RunDirError(`${this.dir} is a symlink; redfix does not write through links`);
    if (!st.isDirectory()) throw new RunDirError(`${this.dir} is not a folder`);
    const entries = readdirSync(this.dir);
    if (entries.includes(MANIFEST)) {
      for (const line of this.readOwn(MANIFEST).split("\n")) if (validEntry(line)) this.manifest.add(line);
    } else {
      const foreign = entries.filter((e) => !RUN_DIR_NAMES.has(e)).sort();
      if (foreign.length) {
        throw new RunDirError(
          `${this.dir} is not a run directory (it holds ${foreign.slice(0, 3).join(", ")}${foreign.length > 3 ? ", …" : ""}); redfix refuses to write into it`,
        );
      }
    }
  }

  /** The folders on the way to `rel` not yet known to be real folders, and its absolute path. */
  private path(rel: string): { folders: string[]; file: string } {
    if (!validEntry(rel)) throw new RunDirError(`${rel} is not a plain path inside the run directory`);
    const parts = rel.split("/");
    const folders: string[] = [];
    let p = this.dir;
    for (const c of parts.slice(0, -1)) {
      p = join(p, c);
      // A folder checked (or made) by this writer is not checked again for each of its files.
      if (!this.folders.has(p)) folders.push(p);
    }
    return { folders, file: join(p, parts.at(-1)!) };
  }

  /** The absolute path of `rel`, each folder on the way made if missing and checked not to be a link. */
  private target(rel: string, create: boolean): string | null {
    const { folders, file } = this.path(rel);
    for (const p of folders) {
      let st;
      try {
        st = lstatSync(p);
      } catch {
        if (!create) return null;
        mkdirSync(p);
        this.folders.add(p);
        continue;
      }
      this.checked(p, st);
    }
    return file;
  }

  /** `target(rel, true)` with the folders checked and made on libuv's threads. */
  private async targetAsync(rel: string): Promise<string> {
    const { folders, file } = this.path(rel);
    for (const p of folders) {
      let pending = this.checking.get(p);
      if (!pending) {
        pending = this.folderAsync(p);
        this.checking.set(p, pending);
      }
      await pending;
    }
    return file;
  }

  /** A folder found on the way: refused unless it is a real folder. */
  private checked(p: string, st: Stats): void {
    if (st.isSymbolicLink() || !st.isDirectory()) {
      throw new RunDirError(`${p} is a symlink or not a folder; redfix does not write through it`);
    }
    this.folders.add(p);
  }

  private async folderAsync(p: string): Promise<void> {
    let st;
    try {
      st = await lstatAsync(p);
    } catch {
      try {
        await mkdirAsync(p);
        this.folders.add(p);
        return;
      } catch (e) {
        // Made meanwhile (by `target`): checked like a folder that was there.
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
        st = await lstatAsync(p);
      }
    }
    this.checked(p, st);
  }

  private readOwn(rel: string): string {
    const file = this.target(rel, false);
    if (!file) return "";
    let fd: number;
    try {
      fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    } catch {
      return "";
    }
    try {
      if (!fstatSync(fd).isFile()) return "";
      const chunks: Buffer[] = [];
      const b = Buffer.alloc(1 << 16);
      for (let n; (n = readSync(fd, b, 0, b.length, null)) > 0;) chunks.push(Buffer.from(b.subarray(0, n)));
      return Buffer.concat(chunks).toString("utf8");
    } finally {
      closeSync(fd);
    }
  }

  /** The files redfix wrote under `prefix` (e.g. `verify/`), as the manifest lists them. */
  written(prefix = ""): string[] {
    return [...this.manifest].filter((e) => e.startsWith(prefix)).sort();
  }

  /** Writes `rel` from pieces unless it already holds those bytes; never through a link. */
  write(rel: string, text: () => Iterable<string>): string {
    const file = this.target(rel, true)!;
    this.manifest.add(rel);
    let st;
    try {
      st = lstatSync(file);
    } catch {
      st = null;
    }
    if (st && !st.isFile())
      throw new RunDirError(`${file} is a symlink or not a file; redfix does not write through it`);
    if (st && holds(file, batches(text()))) return file;
    const fd = openSync(
      file,
      constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW,
      0o644,
    );
    try {
      for (const b of batches(text())) {
        for (let done = 0; done < b.length;) done += writeSync(fd, b, done);
      }
    } finally {
      closeSync(fd);
    }
    return file;
  }

  /**
   * `write` on libuv's threads: the file's folders are checked (and made) here, its comparison,
   * creation and writing run while the caller goes on. Thousands of patch files cost the thread
   * that renders the report nothing but this call.
   */
  async writeAsync(rel: string, text: string): Promise<void> {
    const file = await this.targetAsync(rel);
    this.manifest.add(rel);
    let st;
    try {
      st = await lstatAsync(file);
    } catch {
      st = null;
    }
    if (st && !st.isFile())
      throw new RunDirError(`${file} is a symlink or not a file; redfix does not write through it`);
    const bytes = Buffer.from(text);
    if (st && st.size === bytes.length && (await holdsAsync(file, bytes))) return;
    const handle = await openAsync(
      file,
      constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW,
      0o644,
    );
    try {
      await handle.writeFile(bytes);
    } finally {
      await handle.close();
    }
  }

  /** Records `rel` as redfix's (a file about to be renamed into place), its folders checked. */
  claim(rel: string): string {
    const file = this.target(rel, true)!;
    this.manifest.add(rel);
    return file;
  }

  /** Removes `rel` when redfix wrote it (a link is unlinked itself, never followed). */
  remove(rel: string): void {
    if (!this.manifest.has(rel)) return;
    this.manifest.delete(rel);
    let file: string | null;
    try {
      file = this.target(rel, false);
    } catch {
      return;
    }
    if (!file) return;
    try {
      if (lstatSync(file).isDirectory()) return;
      unlinkSync(file);
    } catch {
      return;
    }
    for (let d = dirname(rel); d !== "."; d = dirname(d)) this.removedDirs.add(d);
  }

  /** Writes the manifest and removes folders left empty by `remove`. */
  save(): void {
    for (const d of [...this.removedDirs].sort((a, b) => b.length - a.length)) {
      try {
        const p = this.target(`${d}/x`, false);
        if (p) {
          rmdirSync(dirname(p));
          this.folders.delete(dirname(p));
        }
      } catch {
        // not empty, or not ours
      }
    }
    this.removedDirs.clear();
    this.write(MANIFEST, () => [
      [...this.manifest]
        .sort()
        .map((e) => `${e}\n`)
        .join(""),
    ]);
  }
}

export function writeRunDir(
  out: string,
  findings: Finding[],
  rules: RuleMeta[],
  series: PatchSeries,
  run: Omit<RunInfo, "tool">,
  upstream: { path: string; text: string }[] = [],
): void {
  const w = new RunDirWriter(out, { create: true });
  writeRunFiles(w, findings, rules, run, upstream);
  for (const p of patchesToWrite(w, series)) w.write(p.rel, () => [p.text]);
  w.save();
}

/**
 * `writeRunDir`, with the patch files written on libuv's threads while `alongside` runs on the same
 * writer (analyze renders the report meanwhile, from the findings and patch texts in memory); the
 * manifest is saved once both are done.
 */
export async function writeRunDirAlongside(
  out: string,
  findings: Finding[],
  rules: RuleMeta[],
  series: PatchSeries,
  run: Omit<RunInfo, "tool">,
  upstream: { path: string; text: string }[],
  alongside: (w: RunDirWriter) => Promise<unknown>,
): Promise<void> {
  const w = new RunDirWriter(out, { create: true });
  writeRunFiles(w, findings, rules, run, upstream);
  // Two files at a time: libuv's four threads also deflate the report's findings and write the
  // report, which would otherwise wait behind thousands of queued file operations.
  const files = patchesToWrite(w, series);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < files.length) {
      const f = files[next++]!;
      await w.writeAsync(f.rel, f.text);
    }
  };
  const patches = Promise.all([lane(), lane()]);
  // Awaited below whatever `alongside` does: a failed write is never an unhandled rejection.
  patches.catch(() => undefined);
  try {
    await alongside(w);
  } finally {
    await patches;
  }
  w.save();
}

function writeRunFiles(
  w: RunDirWriter,
  findings: Finding[],
  rules: RuleMeta[],
  run: Omit<RunInfo, "tool">,
  upstream: { path: string; text: string }[],
): void {
  // Verify records and issue drafts of an earlier run would describe other findings.
  for (const f of [...w.written("verify/"), ...w.written("upstream/")]) w.remove(f);
  for (const u of upstream) if (validEntry(u.path)) w.write(u.path, () => [u.text]);
  writeFindingsWith(w, findings, rules, run.roots);
  const info: RunInfo = { tool: { name: "redfix", version: VERSION }, ...run };
  w.write("run.json", () => [`${JSON.stringify(info, null, 2)}\n`]);
}

/**
 * `findings.json` and `redfix.sarif`: analyze writes them, verify rewrites them with its verdicts.
 * The SARIF's base URIs are the run's roots: given, or read back from the run's `run.json`.
 */
export function writeFindings(
  out: string,
  findings: Finding[],
  rules: RuleMeta[],
  roots: SarifRoots | undefined = runRoots(out),
): void {
  const w = new RunDirWriter(out, { create: false });
  writeFindingsWith(w, findings, rules, roots);
  w.save();
}

function writeFindingsWith(
  w: RunDirWriter,
  findings: Finding[],
  rules: RuleMeta[],
  roots: SarifRoots | undefined,
): void {
  w.write("findings.json", () => findingsJsonChunks(findingsDocument(findings)));
  w.write("redfix.sarif", () => sarifChunks(findings, rules, roots));
}

function runRoots(out: string): SarifRoots | undefined {
  try {
    const text = readTextSafe(join(out, "run.json"), out, 64 * 1024 * 1024);
    const roots = (JSON.parse(text) as Partial<RunInfo>).roots;
    return typeof roots?.recipes === "string"
      ? { recipes: roots.recipes, harness: roots.harness ?? null }
      : undefined;
  } catch {
    return undefined;
  }
}

/** Where each patch of a series is written in the run directory → its text (what the report shows). */
export function patchTexts(series: PatchSeries): Map<string, string> {
  return new Map(series.patches.map((p) => [patchFile(p), p.content]));
}

function patchFile(p: PatchSeries["patches"][number]): string {
  return `patches/${p.path.split("/")[1]!}/${p.name}`;
}

/**
 * Writes `patches/<repo>/series` and removes what an earlier run wrote under patches/ and this one
 * does not (removing only stale files is much cheaper than deleting and recreating thousands of
 * patches on every run); returns the patch files to write.
 */
function patchesToWrite(w: RunDirWriter, series: PatchSeries): { rel: string; text: string }[] {
  const wanted = new Map<string, string[]>();
  for (const p of series.patches) {
    const repoDir = p.path.split("/")[1]!;
    wanted.set(repoDir, [...(wanted.get(repoDir) ?? []), p.name]);
  }
  const keep = new Set<string>();
  for (const [repoDir, names] of wanted) {
    keep.add(`patches/${repoDir}/series`);
    for (const n of names) keep.add(`patches/${repoDir}/${n}`);
  }
  for (const f of w.written("patches/")) if (!keep.has(f)) w.remove(f);
  return [
    ...[...wanted].map(([repoDir, names]) => ({
      rel: `patches/${repoDir}/series`,
      text: `${names.join("\n")}\n`,
    })),
    ...series.patches.map((p) => ({ rel: patchFile(p), text: p.content })),
  ];
}

/** `holds` for one buffer, on libuv's threads. */
async function holdsAsync(file: string, bytes: Buffer): Promise<boolean> {
  let handle;
  try {
    handle = await openAsync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return false;
  }
  try {
    if (!(await handle.stat()).isFile()) return false;
    return (await handle.readFile()).equals(bytes);
  } finally {
    await handle.close();
  }
}

function holds(file: string, bytes: Iterable<Buffer>): boolean {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return false;
  }
  try {
    if (!fstatSync(fd).isFile()) return false;
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
