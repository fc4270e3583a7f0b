/** Reading a run directory back (docs/run-directory.md). */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { FindingsDocument } from "../analyzers/finding.js";
import type { RunInfo } from "../reports/run-dir.js";

export interface RunDir {
  dir: string;
  run: RunInfo;
  doc: FindingsDocument;
  /** Repo name → patch file names in series order. */
  series: Map<string, string[]>;
}

export class RunDirError extends Error {}

export function readRunDir(runDir: string): RunDir {
  // Absolute: patches are applied with the patched copy as the working directory.
  const dir = resolve(runDir);
  for (const f of ["findings.json", "run.json"]) {
    if (!existsSync(join(dir, f))) throw new RunDirError(`${dir} is not a run directory: ${f} is missing`);
  }
  const doc = JSON.parse(readFileSync(join(dir, "findings.json"), "utf8")) as FindingsDocument;
  const run = JSON.parse(readFileSync(join(dir, "run.json"), "utf8")) as RunInfo;
  const series = new Map<string, string[]>();
  for (const repo of run.repos) {
    const file = join(dir, "patches", safeRepoDir(repo.name), "series");
    if (existsSync(file)) series.set(repo.name, readFileSync(file, "utf8").split("\n").filter(Boolean));
  }
  return { dir, run, doc, series };
}

/** The folder name of a repo under `patches/` (the same rule the series writer uses). */
export function safeRepoDir(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, "_");
}
