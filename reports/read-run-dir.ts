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
    series.set(
      repo.name,
      text
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l !== "" && !l.startsWith("#")),
    );
  }
  return { dir, run: { rules: [], ...run } as RunInfo, doc: doc as FindingsDocument, series };
}

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
