/**
 * The analyze pipeline as one function (the CLI, the tests and the benchmark call it):
 * load the workspace → run the rules → findings → codemods → patch series.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { basename, resolve } from "node:path";
import { RULES } from "../analyzers/index.js";
import type { Rule } from "../analyzers/rule.js";
import { toFindings, runRules } from "../analyzers/run.js";
import type { Analyzed } from "../analyzers/run.js";
import type { Finding } from "../analyzers/finding.js";
import { SEVERITY_RANK } from "../analyzers/finding.js";
import { CODEMODS } from "../codemods/index.js";
import { buildSeries } from "../codemods/series.js";
import { linkServiceReferences } from "../codemods/rf202-real-service.js";
import { upstreamIssue } from "../codemods/rf204-scope-assertion.js";
import type { PatchSeries } from "../codemods/series.js";
import type { RedfixConfig } from "../load/config.js";
import { loadConfig, resolveProfile, ruleLevel } from "../load/config.js";
import { loadWorkspace } from "../load/workspace.js";
import type { Workspace } from "../load/workspace.js";
import type { RunInfo } from "../reports/run-dir.js";

export class UsageError extends Error {}

export interface AnalyzeOptions {
  recipes: string;
  harness?: string;
  config?: string;
  rules?: string[];
  profile?: string;
  backupHooks?: "script" | "inline";
}

export interface AnalyzeResult {
  workspace: Workspace;
  config: RedfixConfig;
  items: Analyzed[];
  findings: Finding[];
  series: PatchSeries;
  /** Upstream issue texts drafted for findings whose fix belongs upstream (RF204), for the run directory. */
  upstream: { path: string; text: string }[];
  rules: Rule[];
  run: Omit<RunInfo, "tool">;
}

export async function analyze(opts: AnalyzeOptions): Promise<AnalyzeResult> {
  const root = resolve(opts.recipes);
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    throw new UsageError(`${opts.recipes} is not a folder`);
  }
  const harness = opts.harness ? resolve(opts.harness) : null;
  if (harness && (!existsSync(harness) || !statSync(harness).isDirectory())) {
    throw new UsageError(`--harness ${opts.harness} is not a folder`);
  }
  const config = loadConfig(root, opts.config);
  if (opts.profile) config.profile = opts.profile;
  if (opts.backupHooks) config.backupHooks = opts.backupHooks;
  resolveProfile(config);
  for (const id of opts.rules ?? []) {
    if (!RULES.some((r) => r.meta.id === id.toUpperCase())) throw new UsageError(`unknown rule ${id}`);
  }
  const workspace = loadWorkspace(root, config);
  if (harness) {
    // Loaded only when asked for: the adapters pull in tree-sitter or ts-morph as the files need.
    const { loadHarness } = await import("../harness/load.js");
    workspace.harness = await loadHarness(harness);
    for (const p of workspace.harness.problems) {
      workspace.problems.push({
        rule: "RF001",
        recipe: basename(harness),
        root: "harness",
        file: p.file,
        ...(workspace.harness.modules.find((m) => m.source.path === p.file)
          ? {
              source: workspace.harness.modules.find((m) => m.source.path === p.file)!.source,
              range: p.range,
            }
          : { position: p.position }),
        message: p.message,
        key: `harness:${p.file}:${p.message}`,
      });
    }
  }
  const problems = runRules(workspace, RULES, opts.rules ?? []);
  const items = toFindings(problems, config);
  const sources = new Map<string, string>();
  for (const r of workspace.recipes) {
    for (const f of r.composeFiles) sources.set(f.source.absPath, f.source.text);
    if (r.abraSh) sources.set(r.abraSh.source.absPath, r.abraSh.source.text);
    if (r.envSample) sources.set(r.envSample.source.absPath, r.envSample.source.text);
    for (const ref of r.fileRefs) if (ref.source) sources.set(ref.source.absPath, ref.source.text);
  }
  const textOf = (p: string) => sources.get(p) ?? readOrNull(p);
  let series = buildSeries(items, workspace, config, CODEMODS, textOf);
  // A harness reference that a recipe patch makes right (the recipe renames the service to it) needs
  // no harness patch of its own: withdraw it, and build the series again without it.
  const withdrawn = new Set(
    linkServiceReferences(items, series.patches)
      .filter((l) => l.why === "adds-service")
      .map((l) => l.harnessFinding),
  );
  if (withdrawn.size > 0) {
    for (const it of items) it.finding.fix = null;
    const kept = items.filter((i) => !withdrawn.has(i.finding.id));
    series = buildSeries(kept, workspace, config, CODEMODS, textOf);
    linkServiceReferences(items, series.patches);
  }
  const upstream = items
    .flatMap((i) => (i.problem.rule === "RF204" ? [upstreamIssue(i.problem, workspace)] : []))
    .filter((u): u is { path: string; text: string } => u !== null);
  const rules = RULES.filter((r) =>
    opts.rules?.length ? opts.rules.map((x) => x.toUpperCase()).includes(r.meta.id) : true,
  );
  const repos: RunInfo["repos"] = workspace.recipes.map((r) => ({
    name: r.name,
    kind: "recipe",
    path: r.dir,
  }));
  if (harness) repos.push({ name: basename(harness), kind: "harness", path: harness });
  return {
    workspace,
    config,
    items,
    findings: items.map((i) => i.finding),
    series,
    upstream,
    rules: [...rules],
    run: {
      roots: { recipes: root, harness },
      rules: rules
        .filter((r) => ruleLevel(config, r.meta.id, r.meta.severity) !== "off")
        .map((r) => r.meta.id),
      repos,
    },
  };
}

/** Exit status 1 when an unsuppressed finding reaches the threshold. */
export function failed(findings: Finding[], failOn: RedfixConfig["failOn"]): boolean {
  if (failOn === "never") return false;
  return findings.some((f) => !f.suppressed && SEVERITY_RANK[f.severity] >= SEVERITY_RANK[failOn]);
}

function readOrNull(p: string): string | null {
  try {
    return readFileSync(p, "utf8");
  } catch {
    return null;
  }
}
