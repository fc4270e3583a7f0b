/**
 * Reads a run directory back (docs/run-directory.md) for the steps after analyze — verify, report and
 * apply read the same files the same way. A directory that is not a run directory is a usage error.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { FindingsDocument } from "../core/finding.js";
import { safeRepoDir } from "../core/paths.js";
import { RunDirError, type RunInfo } from "./run-dir.js";

export { RunDirError };

export interface RunDir {
  /** Absolute: patches are applied from inside other folders. */
  dir: string;
  run: RunInfo;
  doc: FindingsDocument;
  /** Repo name → its patch file names in series order (repos without patches are absent). */
  series: Map<string, string[]>;
}

export function readRunDir(runDir: string): RunDir {
  const dir = resolve(runDir);
  const run = readJson(join(dir, "run.json"), dir) as Partial<RunInfo>;
  const doc = readJson(join(dir, "findings.json"), dir) as Partial<FindingsDocument>;
  if (!run.roots || !Array.isArray(run.repos)) {
    throw new RunDirError(
      `${join(dir, "run.json")} has no roots or repos (was it written by redfix analyze?)`,
    );
  }
  if (!Array.isArray(doc.findings)) throw new RunDirError(`${join(dir, "findings.json")} has no findings`);
  const series = new Map<string, string[]>();
  for (const repo of run.repos) {
    let text: string;
    try {
      text = readFileSync(join(dir, "patches", safeRepoDir(repo.name), "series"), "utf8");
    } catch {
      continue;
    }
    const names = text
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l !== "" && !l.startsWith("#"));
    // A hand-edited series names only patch files of its own folder: `../../../x.patch` is refused.
    const bad = names.find((n) => !PATCH_NAME.test(n));
    if (bad !== undefined) {
      throw new RunDirError(
        `${join(dir, "patches", safeRepoDir(repo.name), "series")} names ${JSON.stringify(bad).slice(0, 200)}, which is not a patch file name of that folder`,
      );
    }
    series.set(repo.name, names);
  }
  for (const f of doc.findings as FindingsDocument["findings"]) {
    // Ids become folder names under verify/: one plain path component, never `..`.
    if (typeof f.id !== "string" || !FINDING_ID.test(f.id)) {
      throw new RunDirError(
        `${join(dir, "findings.json")} holds the finding id ${JSON.stringify(f.id).slice(0, 200)}, which is not a plain id`,
      );
    }
    if (f.fix) {
      const names = series.get(f.fix.repo) ?? [];
      const expected = names.map((n) => `patches/${safeRepoDir(f.fix!.repo)}/${n}`);
      if (typeof f.fix.patch !== "string" || !expected.includes(f.fix.patch)) {
        throw new RunDirError(
          `${join(dir, "findings.json")}: the fix of ${f.id} names ${JSON.stringify(f.fix.patch).slice(0, 200)}, which is not a patch in the series of ${JSON.stringify(f.fix.repo).slice(0, 100)}`,
        );
      }
    }
  }
  return { dir, run: { rules: [], ...run } as RunInfo, doc: doc as FindingsDocument, series };
}

/** A finding id as redfix writes it (16 hex digits), or any single plain path component. */
export const FINDING_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
/** A patch file name in a series: a plain file name ending in `.patch`. */
export const PATCH_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}\.patch$/;

function readJson(file: string, dir: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new RunDirError(`${dir} is not a run directory: ${file} is missing (run redfix analyze first)`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new RunDirError(`${file} is not valid JSON: ${(e as Error).message}`);
  }
}
