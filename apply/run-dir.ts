/**
 * Reads what `redfix apply` needs from a run directory (docs/run-directory.md): the repos and roots of
 * `run.json`, the findings, and each repo's patch series. Nothing here touches a repo.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Finding } from "../core/finding.js";
import type { Repo } from "../core/patch.js";
import { safeRepoDir } from "../core/paths.js";
import { readRunDir as readRunDirFiles, RunDirError } from "../reports/read-run-dir.js";

/**
 * A repo of the run (run.json), where its patches apply: `harness`, or the folder kind of a recipe
 * (`abra-recipe`, `swarm-stack`, `compose-project`; `recipe` in older run directories).
 */
export type RunRepo = Omit<Repo, "kind"> & { kind: string };

export interface RunDirInfo {
  dir: string;
  roots: { recipes: string; harness: string | null };
  repos: RunRepo[];
  findings: Finding[];
  /** Repo name → patch file names in series order. */
  series: Map<string, string[]>;
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

export { RunDirError };

export function readRunDir(dir: string): RunDirInfo {
  const rd = readRunDirFiles(dir);
  return {
    dir: rd.dir,
    roots: rd.run.roots,
    repos: rd.run.repos,
    findings: rd.doc.findings,
    series: rd.series,
  };
}

/** The patches of every repo, repos in run.json order, each repo's patches in series order. */
export function readSeries(run: RunDirInfo): SeriesPatch[] {
  const out: SeriesPatch[] = [];
  for (const repo of run.repos) {
    const folder = join("patches", safeRepoDir(repo.name));
    const seriesFile = join(run.dir, folder, "series");
    const names = run.series.get(repo.name);
    if (!names) continue;
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
