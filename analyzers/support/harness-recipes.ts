/**
 * What the harness rules (RF201–RF204) share: the recipes a harness knows, their `recipe_meta`
 * modules, the machinery's functions found by name, and evaluator traces turned into evidence.
 */
import { basename } from "node:path";
import type { TraceStep } from "../../harness/evaluate.js";
import { harnessRecipes, recipeOfPath } from "../../harness/model.js";
import type { HarnessFunction, HarnessModel, HarnessModule } from "../../harness/model.js";
import type { Workspace } from "../../load/workspace.js";
import type { ProblemEvidence } from "../rule.js";
import type { Repo } from "../../core/patch.js";

/** Where a harness patch applies: the harness repo, named like the pipeline names it (`basename`). */
export function harnessRepo(model: HarnessModel): Repo {
  return { name: basename(model.root), kind: "harness", path: model.root };
}

/** Every recipe the harness can be asked about: its `tests/<recipe>/` folders and the analyzed recipes. */
export function knownRecipes(ws: Workspace): string[] {
  const names = new Set(ws.recipes.map((r) => r.name));
  if (ws.harness) for (const r of harnessRecipes(ws.harness)) names.add(r);
  return [...names].sort();
}

/** `tests/<recipe>/recipe_meta.{py,ts,js}`: the recipe's timeouts, health path and readiness probe. */
export function recipeMetaModule(model: HarnessModel, recipe: string): HarnessModule | undefined {
  return model.modules.find(
    (m) =>
      /^tests\/[^/]+\/recipe_meta\.[cm]?[jt]s$|^tests\/[^/]+\/recipe_meta\.py$/.test(m.source.path) &&
      recipeOfPath(m.source.path) === recipe,
  );
}

/**
 * Module-level functions of the harness machinery (outside `tests/`) with this name. A harness
 * defines `canonical_domain` once; several definitions are all returned so a rule can refuse to guess.
 */
export function machineryFunctions(
  model: HarnessModel,
  name: string,
): { module: HarnessModule; fn: HarnessFunction }[] {
  const out: { module: HarnessModule; fn: HarnessFunction }[] = [];
  for (const module of model.modules) {
    if (module.source.path.startsWith("tests/")) continue;
    for (const fn of module.functions) {
      if (fn.qualifiedName === `${module.name}.${name}`) out.push({ module, fn });
    }
  }
  return out;
}

/** The evaluator's chain of functions, constants and environment reads as finding evidence. */
export function traceEvidence(model: HarnessModel, trace: TraceStep[], prefix = ""): ProblemEvidence[] {
  const out: ProblemEvidence[] = [];
  const seen = new Set<string>();
  for (const step of trace) {
    if (step.kind === "condition" || step.kind === "parameter") continue;
    const module = model.modules.find((m) => m.source.path === step.file);
    if (!module) continue;
    const key = `${step.file}:${step.range.start}:${step.note}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const what =
      step.kind === "function"
        ? step.note
        : step.kind === "environment"
          ? `environment ${step.name}: ${step.note}`
          : `${step.name} = ${step.note}`;
    out.push({ root: "harness", source: module.source, range: step.range, note: `${prefix}${what}` });
  }
  return out;
}

/** The offset where a module's line holding `offset` starts, and that line's indentation. */
export function lineIndent(module: HarnessModule, offset: number): { start: number; indent: string } {
  const line = module.source.lines.position(offset).line;
  const start = module.source.lines.lineStart(line);
  const indent = /^[ \t]*/.exec(module.source.lines.lineText(line))?.[0] ?? "";
  return { start, indent };
}
