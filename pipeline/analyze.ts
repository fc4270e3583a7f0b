/**
 * The analyze pipeline as one function (the CLI, the tests and the benchmark call it):
 * load the workspace → run the rules → findings → codemods → patch series.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { basename, resolve } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { CONFIG_OPTIONS, RULES, findRule } from "./registry.js";
import type { RegisteredRule } from "./registry.js";
import type { Draft } from "../codemods/codemod.js";
import {
  scanDirectives,
  toFindings,
  runRules,
  unknownDirectiveIds,
  unusedDirectives,
  type Directive,
} from "./check.js";
import type { Analyzed } from "../analyzers/rule.js";
import type { Finding } from "../core/finding.js";
import { buildSeries, uniqueRepoNames } from "./series.js";
import { incrementalProblems, type Increment } from "./incremental.js";
import type { PatchSeries } from "../core/patch.js";
import type { RedfixConfig } from "../load/config.js";
import { loadConfig, resolveProfile, ruleLevel } from "../load/config.js";
import { loadWorkspaceAsync } from "../load/workspace.js";
import { CaddyAdapter, type AdaptStore } from "../load/caddy.js";
import { readFileSafe } from "../core/safe-file.js";
import { isInside } from "../core/paths.js";
import { DEFAULT_MAX_FILE_BYTES } from "../core/source.js";
import type { Workspace } from "../load/workspace.js";
import type { RunInfo } from "../reports/run-dir.js";

export class UsageError extends Error {}

export interface AnalyzeOptions {
  recipes: string;
  harness?: string;
  config?: string;
  /** The folder the command runs in: a config there or above comes before the analyzed folder's. */
  cwd?: string;
  rules?: string[];
  profile?: string;
  /** Values for the config options the rules declare (`--backup-hooks`), over the config file's. */
  options?: Record<string, string>;
  /** `caddy adapt` results of earlier runs (pipeline/cache.ts): an unchanged Caddyfile is not adapted again. */
  adaptStore?: AdaptStore;
}

export interface AnalyzeResult {
  workspace: Workspace;
  config: RedfixConfig;
  items: Analyzed[];
  findings: Finding[];
  series: PatchSeries;
  /** `file:line: …` for each inline directive that suppressed nothing (`--report-unused-directives`). */
  unusedDirectives: string[];
  /** The inline directives of the files this run read. */
  directives: Directive[];
  /** Upstream issue texts drafted for findings whose fix belongs upstream (RF204), for the run directory. */
  upstream: Draft[];
  rules: RegisteredRule[];
  run: Omit<RunInfo, "tool">;
}

/** What the CLI needs of an analysis; a cached run has no workspace model to give. */
export type AnalyzeOutcome = Omit<AnalyzeResult, "workspace" | "items" | "directives">;

/**
 * The outcome of a fresh analysis without its workspace model: once the run directory is being
 * written, the parsed documents are garbage, and a catalogue's report can use their memory.
 */
export function outcomeOf(r: AnalyzeResult): AnalyzeOutcome {
  return {
    config: r.config,
    findings: r.findings,
    unusedDirectives: r.unusedDirectives,
    series: r.series,
    upstream: r.upstream,
    rules: r.rules,
    run: r.run,
  };
}

/**
 * `increment` (pipeline/incremental.ts, used by `--cache`): the result covers only the recipes it
 * names fresh, with the workspace-scope findings of the others left out; the cache adds their stored part.
 */
export async function analyze(opts: AnalyzeOptions, increment?: Increment): Promise<AnalyzeResult> {
  const root = resolve(opts.recipes);
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    throw new UsageError(`${opts.recipes} is not a folder`);
  }
  const harness = opts.harness ? resolve(opts.harness) : null;
  if (harness && (!existsSync(harness) || !statSync(harness).isDirectory())) {
    throw new UsageError(`--harness ${opts.harness} is not a folder`);
  }
  const config = analysisConfig(opts);
  for (const id of opts.rules ?? []) {
    if (!RULES.some((r) => r.meta.id === id.toUpperCase())) throw new UsageError(`unknown rule ${id}`);
  }
  if (folderCount(root) >= CATALOGUE_FOLDERS) leanHeap();
  // caddy adapt of the Caddyfile configs, for the rules to read (they never run processes): started
  // as each recipe is loaded, so the child processes run on the other cores while the rest load.
  const caddy = new CaddyAdapter(opts.adaptStore);
  const workspace = await loadWorkspaceAsync(root, config, (recipe) => caddy.start(recipe), increment?.defer);
  const deferred = workspace.deferred ?? [];
  if (
    workspace.recipes.length === 0 &&
    deferred.length === 0 &&
    workspace.problems.length === 0 &&
    !harness
  ) {
    const seen = workspace.skipped
      .slice(0, 8)
      .map((s) => `${s.path} (${s.reason})`)
      .join(", ");
    throw new UsageError(
      `nothing to analyze in ${opts.recipes}: no folder holds a compose file (compose.yml, docker-compose*.yml or *stack*.yml)` +
        (seen ? `; skipped: ${seen}` : ""),
    );
  }
  if (harness) {
    // Loaded only when asked for: the adapters pull in tree-sitter or ts-morph as the files need.
    const { loadHarness } = await import("../harness/load.js");
    workspace.harness = await loadHarness(harness);
    for (const p of workspace.harness.problems) {
      workspace.problems.push({
        kind: "unparsable",
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
  // Recipes the incremental cache did not load are repos of the run all the same, in the loader's order.
  const repoList: RunInfo["repos"] = [...workspace.recipes, ...deferred]
    .sort((a, b) => (a.relDir < b.relDir ? -1 : a.relDir > b.relDir ? 1 : 0))
    .map((r) => ({ name: r.name, kind: r.kind, path: r.dir }));
  if (harness) repoList.push({ name: basename(harness), kind: "harness", path: harness });
  const names = uniqueRepoNames(repoList);
  await caddy.done();
  const problems = increment
    ? incrementalProblems(workspace, RULES, opts.rules ?? [], names, increment)
    : runRules(workspace, RULES, opts.rules ?? []);
  const items = toFindings(problems, config);
  const sources = new Map<string, string>();
  for (const r of workspace.recipes) {
    for (const f of r.composeFiles) sources.set(f.source.absPath, f.source.text);
    if (r.abraSh) sources.set(r.abraSh.source.absPath, r.abraSh.source.text);
    if (r.envSample) sources.set(r.envSample.source.absPath, r.envSample.source.text);
    for (const ref of r.fileRefs) if (ref.source) sources.set(ref.source.absPath, ref.source.text);
  }
  const scanned = scanDirectives(
    new Map([
      ...sources,
      ...(workspace.harness?.modules ?? []).map((m) => [m.source.absPath, m.source.text] as const),
    ]),
  );
  // With those of the recipes not loaded, in file order (a stable sort keeps each file's line order).
  const directives = increment?.directives
    ? [...scanned, ...increment.directives()].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0))
    : scanned;
  const unknown = unknownDirectiveIds(
    directives,
    RULES.map((r) => r.meta.id),
  );
  if (unknown.length > 0) throw new UsageError(unknown.join("\n"));
  const textOf = (p: string) => sources.get(p) ?? readOrNull(p, [root, ...(harness ? [harness] : [])]);
  let series = buildSeries(items, workspace, config, RULES, textOf, names);
  // A fix may make another rule's patch unnecessary (a recipe patch that adds the service a harness
  // reference names): withdraw those, and build the series again without them.
  const afterSeries = () => new Set(RULES.flatMap((r) => r.fix?.afterSeries?.(items, series.patches) ?? []));
  const withdrawn = afterSeries();
  if (withdrawn.size > 0) {
    for (const it of items) it.finding.fix = null;
    const kept = items.filter((i) => !withdrawn.has(i.finding.id));
    series = buildSeries(kept, workspace, config, RULES, textOf, names);
    afterSeries();
    for (const it of items) {
      if (withdrawn.has(it.finding.id) && !it.finding.suppressed)
        it.finding.fixUnavailable = "another patch of this run makes its fix unnecessary (see related)";
    }
  }
  const upstream = items
    .map((i) => findRule(i.problem.rule)?.fix?.draft?.(i.problem, workspace) ?? null)
    .filter((u): u is Draft => u !== null);
  const rules = RULES.filter((r) =>
    opts.rules?.length ? opts.rules.map((x) => x.toUpperCase()).includes(r.meta.id) : true,
  );
  const repos = repoList.map((r) => ({ ...r, name: names.get(r.path) ?? r.name }));
  const ran = rules
    .filter((r) => ruleLevel(config, r.meta.id, r.meta.severity) !== "off")
    .map((r) => r.meta.id);
  return {
    workspace,
    config,
    items,
    unusedDirectives: unusedDirectives(directives, items, ran, increment?.used() ?? []),
    directives: scanned,
    findings: items.map((i) => i.finding),
    series,
    upstream,
    rules: [...rules],
    run: {
      roots: { recipes: root, harness },
      rules: ran,
      repos,
      skipped: workspace.skipped,
    },
  };
}

/** From this many folders on, a workspace is a catalogue: its heap is kept lean (`leanHeap`). */
export const CATALOGUE_FOLDERS = 1000;
/** How far V8 lets a catalogue's heap grow past what the last full collection left, in percent. */
const CATALOGUE_HEAP_GROWTH = 40;

/**
 * V8 lets the heap grow to up to four times what survived the last full collection before it
 * collects again. A catalogue's model is a few hundred megabytes alive at once, and the dead model,
 * the rules' intermediate values and the output's strings then pile up on top of it. Allowed to grow
 * by 40 % only, the heap is collected more often but each time with less in it: at 5,000 recipes
 * 14 full collections instead of 5, the same garbage-collection time (1.4 s), and a peak of 285 MiB
 * instead of 345 MiB (25 % cost 0.5 s more for the same peak). A small workspace keeps V8's default.
 */
function leanHeap(): void {
  setFlagsFromString(`--heap-growing-percent=${CATALOGUE_HEAP_GROWTH}`);
}

function folderCount(root: string): number {
  try {
    return readdirSync(root).length;
  } catch {
    return 0;
  }
}

let fullGc: (() => void) | null = null;

/**
 * A full garbage collection, for when a fresh analysis has been reduced to its outcome and the
 * workspace model (parsed documents, merged stacks: most of a catalogue's heap) is garbage. V8 sizes
 * its heap from the peak of the analysis and would otherwise let the run directory and the report
 * grow on top of the dead model; collected here, they reuse its pages. `gc` is exposed only by a
 * V8 flag, which can be set at run time and then read from a fresh context.
 */
export async function releaseAnalysis(): Promise<void> {
  // The analysis's last continuations still hold the model until the event loop turns once.
  await new Promise<void>((go) => setImmediate(go));
  if (!fullGc) {
    setFlagsFromString("--expose-gc");
    fullGc = runInNewContext("gc") as () => void;
  }
  fullGc();
}

/** The config a run of `opts` uses: the file's, then the command line's profile and options. */
export function analysisConfig(opts: AnalyzeOptions): RedfixConfig {
  const config = loadConfig(resolve(opts.recipes), opts.config, CONFIG_OPTIONS, {
    knownRules: RULES.map((r) => r.meta.id),
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
  });
  if (opts.profile) config.profile = opts.profile;
  Object.assign(config.options, opts.options ?? {});
  resolveProfile(config);
  return config;
}

/** A file a fix edits, through the safe reader: a regular file inside one of the analyzed roots. */
function readOrNull(p: string, roots: string[]): string | null {
  const root = roots.find((r) => isInside(r, p));
  if (!root) return null;
  const r = readFileSafe(p, { root, maxBytes: DEFAULT_MAX_FILE_BYTES });
  return r.ok ? r.bytes.toString("utf8") : null;
}
