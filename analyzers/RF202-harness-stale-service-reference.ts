import { evaluateExpression } from "../harness/evaluate.js";
import { findFunction, recipeOfPath } from "../harness/model.js";
import type { HarnessArgument, HarnessCall, HarnessModel, HarnessModule } from "../harness/model.js";
import type { MergedService } from "../load/merge.js";
import type { Recipe } from "../load/workspace.js";
import type { Rule } from "./rule.js";
import { ABRA_ONLY, ruleData } from "./rule.js";

/** The keyword the ops helpers take a compose service name by (`exec_in(app, cmd, service="app")`). */
export const SERVICE_PARAMETER = "service";

export interface Rf202Data {
  /** The service named, absent from every overlay combination. */
  service: string;
  /** The real service, when exactly one candidate stands out; null when a human must choose. */
  replacement: string | null;
  /** Why that one: image, recipe name, `app`, or traefik labels. */
  reason: string | null;
  /** Offsets of the argument's value in the harness file, for the codemod; where the keyword goes
   * (after the last argument) when the call relies on the helper's default. */
  file: string;
  start: number;
  end: number;
  insert: boolean;
  /** The services the recipe does have, across its combinations. */
  services: string[];
}

/** RF202's facts, for its codemod. */
export const RF202_DATA = ruleData<Rf202Data>("RF202");

/** The argument that carries the service name: the keyword, or its position in the resolved helper. */
export function serviceArgument(model: HarnessModel, call: HarnessCall): HarnessArgument | undefined {
  const kw = call.kwargs.find((k) => k.name === SERVICE_PARAMETER);
  if (kw) return kw;
  if (!call.resolved) return undefined;
  const target = findFunction(model, call.resolved);
  if (!target) return undefined;
  const positional = target.fn.params.filter((p) => !p.rest && !(target.fn.className && p.name === "self"));
  const index = positional.findIndex((p) => p.name === SERVICE_PARAMETER);
  if (index < 0) return undefined;
  // A spread before it moves the arguments: the position is then unknown.
  if (call.args.slice(0, index + 1).some((a) => a.spread)) return undefined;
  return call.args[index];
}

/**
 * A Python call that leaves the service to the helper's default (`exec_in(app, cmd)` → `"app"`): the
 * default's value, and where a `service=` keyword would go (after the last argument). TypeScript
 * defaults live in the helper's body (`opts.service ?? "app"`), which the model does not expose.
 */
function defaultService(
  model: HarnessModel,
  module: HarnessModule,
  call: HarnessCall,
): { value: ReturnType<typeof evaluateExpression>; insertAt: number } | undefined {
  if (module.language !== "python" || !call.resolved) return undefined;
  if (call.args.some((a) => a.spread) || call.kwargs.some((k) => k.spread)) return undefined;
  const target = findFunction(model, call.resolved);
  const param = target?.fn.params.find((p) => p.name === SERVICE_PARAMETER && !p.rest);
  if (!target || !param?.default) return undefined;
  const last = [...call.args, ...call.kwargs].sort((a, b) => a.range.end - b.range.end).pop();
  if (!last) return undefined;
  return { value: evaluateExpression(model, target.module, param.default), insertAt: last.range.end };
}

/** `ghcr.io/bluesky-social/pds:0.4.107` → `pds`. */
function imageName(image: string): string {
  const noDigest = image.split("@")[0]!;
  const last = noDigest.slice(noDigest.lastIndexOf("/") + 1);
  return last.split(":")[0]!.toLowerCase();
}

/**
 * The service a stale name most likely meant, when one candidate stands out: a service whose image is
 * named like the stale name, then like the recipe, then `app` (abra's convention for the main
 * service), then the only service traefik routes to. Null when no step leaves exactly one.
 */
export function realService(recipe: Recipe, stale: string): { service: string; reason: string } | null {
  const services = new Map<string, MergedService>();
  for (const c of recipe.combinations)
    for (const [n, s] of c.services) if (!services.has(n)) services.set(n, s);
  const all = [...services.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  const img = (s: MergedService) => (s.image ? imageName(s.image.value.value) : "");
  const steps: [string, (s: MergedService) => boolean][] = [
    [`its image is named ${stale}`, (s) => img(s) === stale.toLowerCase()],
    [`its image is named after ${stale}`, (s) => img(s) !== "" && img(s).includes(stale.toLowerCase())],
    [
      `its image is named after the recipe ${recipe.name}`,
      (s) => img(s) !== "" && recipe.name.toLowerCase().includes(img(s)),
    ],
    ["`app` is the recipe's main service by convention", (s) => s.name === "app"],
    [
      "traefik routes to it",
      (s) =>
        [...s.deployLabels.values()].some(
          (l) => l.value.key === "traefik.enable" && l.value.value === "true",
        ),
    ],
  ];
  for (const [reason, test] of steps) {
    const hits = all.filter(test);
    if (hits.length === 1) return { service: hits[0]!.name, reason };
    if (hits.length > 1) return null;
  }
  return null;
}

export const rf202: Rule = {
  replayTopics: /service/i,
  meta: {
    id: "RF202",
    name: "harness-stale-service-reference",
    description: "harness: a reference to a compose service the recipe does not have",
    severity: "error",
    target: "harness",
    classification: "harness-defect",
    fixable: true,
    kinds: ABRA_ONLY,
    scope: "workspace",
    docs: `The ops helpers address a deployed app by its compose service name (\`exec_in(app, cmd, service="app")\`,
\`service_logs\`, \`restart\`). When the recipe has no such service — renamed in the recipe, or named after the
upstream project instead of the recipe's \`app\` — the test fails with abra's "no such service" before it
checks anything, and reads as a recipe failure.

What it checks: every call in \`tests/<recipe>/\` whose \`service=\` keyword (or the helper's positional
\`service\` parameter, or a TypeScript options object's \`service\` property) evaluates statically to a name
that no overlay combination of the analyzed recipe defines.

Fix: the real service, when exactly one candidate stands out (its image is named like the stale name, or
like the recipe; else \`app\`; else the only service traefik routes to). When a recipe fix renames the service
in the same run, the two findings are linked and must land together. Source: cc-ci \`runner/harness/ops.py\`;
backlog (bluesky-pds).`,
  },
  check(ctx) {
    const model = ctx.workspace.harness;
    if (!model) return;
    for (const module of model.modules) {
      const recipeName = recipeOfPath(module.source.path);
      const recipe = ctx.workspace.recipes.find((r) => r.name === recipeName);
      if (!recipe || recipe.combinations.length === 0) continue;
      for (const call of module.calls) check(module, call, recipe);
    }

    function check(module: HarnessModule, call: HarnessCall, recipe: Recipe): void {
      const arg = serviceArgument(model!, call);
      const fallback = arg ? undefined : defaultService(model!, module, call);
      if (!arg && !fallback) return;
      const v = arg ? evaluateExpression(model!, module, arg.value) : fallback!.value;
      if (!("value" in v)) return;
      const service = v.value;
      if (recipe.combinations.some((c) => c.services.has(service))) return;
      const services = [...new Set(recipe.combinations.flatMap((c) => [...c.services.keys()]))].sort();
      const real = realService(recipe, service);
      const base = recipe.base;
      ctx.report<Rf202Data>({
        recipe: recipe.name,
        root: "harness",
        file: module.source,
        range: arg ? arg.value.range : call.range,
        message:
          `\`${call.callee}\` addresses ${arg ? "" : "its default "}service \`${service}\`, which no stack of ${recipe.name} defines ` +
          `(services: ${services.join(", ")})` +
          (real ? `; the real service is \`${real.service}\` (${real.reason})` : ""),
        key: `${call.testId ?? call.enclosingFunction ?? ""}:${call.callee}:${arg ? "" : "default-"}service:${service}`,
        evidence: base?.servicesRange
          ? [
              {
                root: "recipes",
                source: base.source,
                range: base.servicesRange,
                note: `services of ${recipe.name}: ${services.join(", ")}`,
              },
            ]
          : [],
        data: {
          service,
          replacement: real?.service ?? null,
          reason: real?.reason ?? null,
          file: module.source.path,
          start: arg ? arg.value.range.start : fallback!.insertAt,
          end: arg ? arg.value.range.end : fallback!.insertAt,
          insert: arg === undefined,
          services,
        },
      });
    }
  },
};
