import { evaluateCall, moduleConstant } from "../harness/evaluate.js";
import type { TraceStep } from "../harness/evaluate.js";
import { findConstant } from "../harness/model.js";
import type { HarnessModel, HarnessModule } from "../harness/model.js";
import type { Workspace } from "../load/workspace.js";
import type { Rule } from "./rule.js";
import { ABRA_ONLY } from "./rule.js";
import {
  knownRecipes,
  machineryFunctions,
  recipeMetaModule,
  traceEvidence,
} from "./support/harness-recipes.js";

export interface Rf201Data {
  recipe: string;
  /** Qualified name of `canonical_domain`. */
  canonicalFunction: string;
  domain: string;
  /** The warm recipe whose live domain it is. */
  warmRecipe: string;
  /** `WARM_CANONICAL` of the recipe's meta: false when the recipe was de-enrolled over this collision. */
  enrolled: boolean | null;
}

/** A live warm domain and how the evaluator got it. */
export interface WarmDomain {
  recipe: string;
  domain: string;
  trace: TraceStep[];
}

/**
 * Every domain a warm deployment is live at: the values of `WARM_DOMAINS`, and `stable_domain(r)` for
 * each of its recipes (the harness may compute one and hard-code the other; both are live).
 */
export function liveWarmDomains(model: HarnessModel): WarmDomain[] {
  const out: WarmDomain[] = [];
  const dicts = warmDomainsModules(model);
  const stable = machineryFunctions(model, "stable_domain");
  for (const module of dicts) {
    const v = moduleConstant(model, module, "WARM_DOMAINS");
    if ("unknown" in v || v.value.kind !== "dict") continue;
    for (const [k, d] of v.value.entries) {
      if (k.kind !== "str") continue;
      if (d.kind === "str") out.push({ recipe: k.value, domain: d.value, trace: v.trace });
      for (const s of stable.length === 1 ? stable : []) {
        const r = evaluateCall(model, s.fn.qualifiedName, [k.value]);
        if ("value" in r) out.push({ recipe: k.value, domain: r.value, trace: r.trace });
      }
    }
  }
  return out;
}

/** The recipes judged: the harness's test folders, the analyzed recipes, and the warm providers themselves. */
export function judgedRecipes(ws: Workspace): string[] {
  const names = new Set(knownRecipes(ws));
  if (ws.harness) for (const w of liveWarmDomains(ws.harness)) names.add(w.recipe);
  return [...names].sort();
}

export function warmDomainsModules(model: HarnessModel): HarnessModule[] {
  return model.modules.filter(
    (m) => !m.source.path.startsWith("tests/") && findConstant(m, "WARM_DOMAINS") !== undefined,
  );
}

/** `WARM_CANONICAL` of a recipe's meta when it is a static boolean, else null. */
export function enrolment(model: HarnessModel, recipe: string): boolean | null {
  const meta = recipeMetaModule(model, recipe);
  if (!meta || !findConstant(meta, "WARM_CANONICAL")) return null;
  const v = moduleConstant(model, meta, "WARM_CANONICAL");
  return "value" in v && v.value.kind === "bool" ? v.value.value : null;
}

export const rf201: Rule = {
  replayTopics: /canonical|warm|domain/i,
  meta: {
    id: "RF201",
    name: "canonical-domain-is-live-warm-domain",
    description: "harness: a recipe's canonical domain equals a live warm domain",
    severity: "error",
    target: "harness",
    classification: "harness-defect",
    fixable: true,
    kinds: ABRA_ONLY,
    scope: "workspace",
    docs: `A green run promotes the recipe's canonical deployment to \`canonical_domain(r)\`. When that is the
domain a warm deployment is live at (a value of \`WARM_DOMAINS\`, or \`stable_domain(r)\` of a warm recipe),
promoting takes over the live provider: keycloak's canonical deployment replaced the OIDC provider every
other recipe's SSO tests log in with, and keycloak was de-enrolled (\`WARM_CANONICAL = False\`).

What it checks: \`canonical_domain(r)\` is evaluated statically (literals, f-strings, \`+\`, \`%\`,
\`.format\`, constants across imports, \`os.environ.get\` defaults, calls between harness functions; harness
code is never run) for every recipe the harness has a \`tests/<recipe>/\` folder for, every analyzed recipe
and every warm provider, and compared with every live warm domain. The evidence is the chain of functions and constants
that produced both domains.

Fix: a collision-free namespace for the colliding recipes only — \`canonical_domain\` returns
\`<prefix>canon-<r>.<base>\` for them (\`warm-canon-keycloak…\`) and is unchanged for every other recipe —
and the recipe is re-enrolled (\`WARM_CANONICAL = True\`) when its meta had disabled it.
Source: cc-ci \`runner/harness/warm.py\`, \`canonical.py\`; backlog (keycloak).`,
  },
  check(ctx) {
    const model = ctx.workspace.harness;
    if (!model) return;
    const canon = machineryFunctions(model, "canonical_domain");
    // Two definitions: which one promotion calls is not known statically.
    if (canon.length !== 1) return;
    const { module, fn } = canon[0]!;
    const live = liveWarmDomains(model);
    if (live.length === 0) return;
    for (const recipe of judgedRecipes(ctx.workspace)) {
      const c = evaluateCall(model, fn.qualifiedName, [recipe]);
      if (!("value" in c)) continue;
      const hit = live.find((w) => w.domain === c.value);
      if (!hit) continue;
      const at = c.trace.find((s) => s.kind === "function" && s.name === fn.qualifiedName);
      const enrolled = enrolment(model, recipe);
      const meta = recipeMetaModule(model, recipe);
      const flag = meta ? findConstant(meta, "WARM_CANONICAL") : undefined;
      const whose = hit.recipe === recipe ? "its own" : `${hit.recipe}'s`;
      ctx.report<Rf201Data>({
        recipe,
        root: "harness",
        file: module.source,
        range: at?.range ?? fn.nameRange,
        message:
          `canonical_domain(${JSON.stringify(recipe)}) is ${c.value}, ${whose} live warm domain: promoting ` +
          `${recipe}'s canonical deployment takes over the live one` +
          (enrolled === false ? " (the recipe is de-enrolled with WARM_CANONICAL = False)" : ""),
        key: `canonical:${recipe}`,
        evidence: [
          ...traceEvidence(model, c.trace, "canonical: "),
          ...traceEvidence(model, hit.trace, "live warm: "),
          ...(meta && flag
            ? [
                {
                  root: "harness" as const,
                  source: meta.source,
                  range: flag.range,
                  note:
                    enrolled === false
                      ? "WARM_CANONICAL is false: de-enrolled, never promoted"
                      : "WARM_CANONICAL: promoted when green",
                },
              ]
            : []),
        ],
        data: {
          recipe,
          canonicalFunction: fn.qualifiedName,
          domain: c.value,
          warmRecipe: hit.recipe,
          enrolled,
        },
      });
    }
  },
};
