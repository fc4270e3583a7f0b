/**
 * An analysis put back together from its parts (pipeline/parts.ts), in a cold run's order. Apart from
 * the cutting, which needs the rules: a cache hit assembles its stored parts with this module alone.
 */
import { compareFindings, type Finding } from "../core/finding.js";
import type { PatchFile, PatchSeries, Repo } from "../core/patch.js";
import type { Draft } from "../codemods/codemod.js";
import type { AnalyzeOutcome } from "./analyze.js";

/** What `assemble` reads of a part (pipeline/parts.ts `Part`). */
export interface PartResult {
  findings: Finding[];
  repos: Repo[];
  patches: PatchFile[];
  /** Each refusal with the repo it was refused in. */
  refused: (PatchSeries["refused"][number] & { repo: string })[];
  drafts: [string, Draft][];
}

/**
 * The parts of a run as one result, in a cold run's order: findings by `compareFindings`, repos by
 * name with each repo's patches and refusals together, drafts in their findings' order.
 */
export function assemble(parts: PartResult[]): Pick<AnalyzeOutcome, "findings" | "series" | "upstream"> {
  const findings = parts.flatMap((p) => p.findings).sort(compareFindings);
  const repos = parts
    .flatMap((p) => p.repos)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const byRepo = <T>(xs: T[], repo: (x: T) => string): Map<string, T[]> => {
    const m = new Map<string, T[]>();
    for (const x of xs) {
      const list = m.get(repo(x));
      if (list) list.push(x);
      else m.set(repo(x), [x]);
    }
    return m;
  };
  const patches = byRepo(
    parts.flatMap((p) => p.patches),
    (p) => p.repo.path,
  );
  const refused = byRepo(
    parts.flatMap((p) => p.refused),
    (x) => x.repo,
  );
  const inRepos = new Set(repos.map((x) => x.path));
  const drafts = new Map(parts.flatMap((p) => p.drafts));
  return {
    findings,
    series: {
      patches: repos.flatMap((x) => patches.get(x.path) ?? []),
      repos,
      // Refusals outside the repos (a whole run kept uncut) keep their order, after the rest.
      refused: [
        ...repos.flatMap((x) => refused.get(x.path) ?? []),
        ...[...refused].filter(([repo]) => !inRepos.has(repo)).flatMap(([, xs]) => xs),
      ].map(({ findingId, reason }) => ({ findingId, reason })),
    },
    upstream: findings.flatMap((f) => (drafts.has(f.id) ? [drafts.get(f.id)!] : [])),
  };
}
