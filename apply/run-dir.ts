/**
 * Reads what `redfix apply` needs from a run directory (docs/run-directory.md): the repos and roots of
 * `run.json`, the findings, and each repo's patch series. Nothing here touches a repo.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Finding, FindingsDocument } from "../analyzers/finding.js";

export interface RunRepo {
  name: string;
  kind: "recipe" | "harness";
  path: string;
}

export interface RunDirInfo {
  dir: string;
  roots: { recipes: string; harness: string | null };
  repos: RunRepo[];
  findings: Finding[];
}

/** One patch of a repo's series, with the findings whose `fix.patch` names it. */
export interface SeriesPatch {
  repo: RunRepo;
  /** `NNNN-<rule>-<recipe>.patch` */
  name: string;
  /** Relative to the run directory: `patches/<repo>/<name>`. */
  relPath: string;
  absPath: string;
  /** Series position, from 1. */
  index: number;
  rule: string;
  recipe: string;
  findings: Finding[];
  /** Absolute paths of the patches before this one in its repo's series (it was computed on top of them). */
  earlier: string[];
}

/** A run directory that cannot be read: a usage error, exit 2. */
export class RunDirError extends Error {}

export function readRunDir(dir: string): RunDirInfo {
  const runJson = readJson(join(dir, "run.json"), dir) as Partial<RunDirInfo>;
  const doc = readJson(join(dir, "findings.json"), dir) as Partial<FindingsDocument>;
  if (!runJson.roots || !Array.isArray(runJson.repos)) {
    throw new RunDirError(
      `${join(dir, "run.json")} has no roots or repos (was it written by redfix analyze?)`,
    );
  }
  if (!Array.isArray(doc.findings)) throw new RunDirError(`${join(dir, "findings.json")} has no findings`);
  return { dir, roots: runJson.roots, repos: runJson.repos, findings: doc.findings };
}

/** The patches of every repo, repos in run.json order, each repo's patches in series order. */
export function readSeries(run: RunDirInfo): SeriesPatch[] {
  const out: SeriesPatch[] = [];
  for (const repo of run.repos) {
    const folder = join("patches", safeName(repo.name));
    const seriesFile = join(run.dir, folder, "series");
    if (!existsSync(seriesFile)) continue;
    const names = readFileSync(seriesFile, "utf8")
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l !== "" && !l.startsWith("#"));
    const paths = names.map((name) => join(run.dir, folder, name));
    names.forEach((name, i) => {
      const relPath = `${folder.split("\\").join("/")}/${name}`;
      const absPath = paths[i]!;
      if (!existsSync(absPath)) throw new RunDirError(`${seriesFile} names ${name}, which is missing`);
      const findings = run.findings.filter((f) => f.fix?.patch === relPath);
      const parsed = /^\d+-([A-Za-z0-9]+)-(.+)\.patch$/.exec(name);
      const rule = findings[0]?.rule ?? parsed?.[1] ?? "fix";
      const recipe = findings[0]?.recipe ?? parsed?.[2] ?? repo.name;
      out.push({
        repo,
        name,
        relPath,
        absPath,
        index: i + 1,
        rule,
        recipe,
        findings,
        earlier: paths.slice(0, i),
      });
    });
  }
  return out;
}

/** The folder name `redfix analyze` gives a repo under `patches/` (reports/run-dir.ts, codemods/series.ts). */
export function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]/g, "_");
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
