import { evaluateCall, evaluateValue, moduleConstant } from "../harness/evaluate.js";
import { findConstant } from "../harness/model.js";
import type { HarnessExpr, HarnessModel, HarnessModule } from "../harness/model.js";
import type { Rf201Data } from "../analyzers/RF201-canonical-domain-is-live-warm-domain.js";
import {
  judgedRecipes,
  liveWarmDomains,
  warmDomainsModules,
} from "../analyzers/RF201-canonical-domain-is-live-warm-domain.js";
import {
  harnessRepo,
  lineIndent,
  machineryFunctions,
  recipeMetaModule,
} from "../analyzers/support/harness-recipes.js";
import type { Workspace } from "../load/workspace.js";
import type { Codemod } from "./codemod.js";
import type { Edit } from "../core/edit.js";
import { replace } from "../core/edit.js";
import { deeper, fStringText, referenceTo, templateText } from "./support/harness-text.js";

/** The namespace label colliding recipes get: `warm-keycloak` becomes `warm-canon-keycloak`. */
export const CANON_NAMESPACE = "canon-";

/** The canonical domains of every known recipe (null where not static): the codemod's before/after. */
export function canonicalDomains(ws: Workspace): Map<string, string | null> {
  const out = new Map<string, string | null>();
  const model = ws.harness;
  const fns = model ? machineryFunctions(model, "canonical_domain") : [];
  for (const r of judgedRecipes(ws)) {
    const v = model && fns.length === 1 ? evaluateCall(model, fns[0]!.fn.qualifiedName, [r]) : null;
    out.set(r, v && "value" in v ? v.value : null);
  }
  return out;
}

/**
 * A guard at the top of the return `canonical_domain` takes: colliding recipes get
 * `<prefix>canon-<r><suffix>.<base>`, built from the same base-domain constant the function uses, so
 * an environment override of the CI domain still applies. Every other recipe takes the unchanged
 * return below it. The recipe is re-enrolled when its meta disabled it over the collision.
 */
export const rf201Codemod: Codemod = {
  fix(problem, ws) {
    const model = ws.harness;
    const data = problem.data as Rf201Data | undefined;
    if (!model || !data) return null;
    const found = machineryFunctions(model, "canonical_domain");
    if (found.length !== 1) return null;
    const { module, fn } = found[0]!;
    const param = fn.params.find((p) => !p.rest && p.name !== "self");
    if (!param) return null;

    const live = liveWarmDomains(model);
    const liveSet = new Set(live.map((w) => w.domain));
    const before = canonicalDomains(ws);
    const colliding = [...before].filter(([, d]) => d !== null && liveSet.has(d)).map(([r]) => r);
    if (!colliding.includes(data.recipe)) return null;

    const shape = domainShape(data.recipe, data.domain);
    if (!shape) return null;
    // The template must describe every colliding recipe's domain, or the guard would move one elsewhere.
    if (colliding.some((r) => before.get(r) !== `${shape.prefix}${r}${shape.suffix}.${shape.base}`))
      return null;
    const base = referenceFor(model, module, shape.base);
    if (!base) return null;
    // `warm-` is usually `{PREFIX}-`: keep the constant so a change of prefix still applies.
    const sep = shape.prefix.slice(-1);
    const prefixConstant = /[-_.]/.test(sep)
      ? referenceFor(model, module, shape.prefix.slice(0, -1))
      : undefined;
    const renamed = (r: string) => `${shape.prefix}${CANON_NAMESPACE}${r}${shape.suffix}.${shape.base}`;
    const taken = new Set([...liveSet, ...[...before.values()].filter((d): d is string => d !== null)]);
    if (colliding.some((r) => taken.has(renamed(r)))) return null;

    const edits: Edit[] = [];
    // Guard on WARM_DOMAINS when every live provider collides (the natural rule, and it covers providers
    // added later); otherwise on exactly the colliding recipes, so no other recipe moves.
    const providers = new Set(live.map((w) => w.recipe));
    const wd = warmDomainsModules(model);
    let membership: string;
    if (
      wd.length === 1 &&
      [...providers].every((p) => colliding.includes(p)) &&
      colliding.every((r) => providers.has(r))
    ) {
      const ref = referenceTo(model, module, wd[0]!, "WARM_DOMAINS");
      membership = ref.expr;
      if (ref.edit) edits.push(ref.edit);
    } else {
      const items = colliding.map((r) => JSON.stringify(r));
      membership =
        module.language === "python"
          ? `(${items.join(", ")}${items.length === 1 ? "," : ""})`
          : `[${items.join(", ")}]`;
    }

    const ret = returnTaken(model, fn.qualifiedName, data.recipe);
    if (!ret) return null;
    const { start, indent } = lineIndent(module, ret.start);
    const inner = deeper(indent);
    const why = "a live warm provider's canonical deployment gets its own namespace, beside the live one";
    const guard =
      module.language === "python"
        ? `${indent}if ${param.name} in ${membership}:\n` +
          `${inner}# ${capitalise(why)}.\n` +
          `${inner}return f"${prefixConstant ? `{${prefixConstant}}${fStringText(sep + CANON_NAMESPACE)}` : fStringText(shape.prefix + CANON_NAMESPACE)}{${param.name}}${fStringText(shape.suffix + ".")}{${base}}"\n`
        : `${indent}// ${capitalise(why)}.\n` +
          `${indent}if (${membership.startsWith("[") ? `${membership}.includes(${param.name})` : `${param.name} in ${membership}`}) ` +
          `return \`${prefixConstant ? `\${${prefixConstant}}${templateText(sep + CANON_NAMESPACE)}` : templateText(shape.prefix + CANON_NAMESPACE)}\${${param.name}}${templateText(shape.suffix + ".")}\${${base}}\`;\n`;
    edits.push(replace(module.source.absPath, { start, end: start }, guard));

    const enrol = reEnrol(model, data.recipe);
    edits.push(...enrol);
    return {
      summary:
        `canonical_domain gives ${colliding.join(", ")} the namespace ${renamed(data.recipe)} beside the live warm domain` +
        (enrol.length ? `; re-enrol ${data.recipe} (WARM_CANONICAL)` : ""),
      repo: harnessRepo(model),
      edits,
    };
  },
};

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** `warm-keycloak.ci.example` for `keycloak` → prefix `warm-`, suffix ``, base `ci.example`. */
function domainShape(
  recipe: string,
  domain: string,
): { prefix: string; suffix: string; base: string } | null {
  const dot = domain.indexOf(".");
  if (dot <= 0) return null;
  const label = domain.slice(0, dot);
  const at = label.lastIndexOf(recipe);
  if (at < 0) return null;
  return { prefix: label.slice(0, at), suffix: label.slice(at + recipe.length), base: domain.slice(dot + 1) };
}

/** A name `module` can use whose static value is `wanted`: its own constants, then imports. */
function referenceFor(model: HarnessModel, module: HarnessModule, wanted: string): string | undefined {
  const at = { start: 0, end: 0 };
  const name = (n: string): HarnessExpr => ({ kind: "name", name: n, range: at });
  const candidates: [string, HarnessExpr][] = [
    ...module.constants.map((c): [string, HarnessExpr] => [c.name, name(c.name)]),
    ...module.imports
      .filter((i) => i.internal && i.symbol !== undefined)
      .map((i): [string, HarnessExpr] => [i.alias, name(i.alias)]),
  ];
  for (const imp of module.imports.filter((i) => i.internal)) {
    const target = model.modules.find(
      (m) => m.name === (imp.symbol === undefined ? imp.module : `${imp.module}.${imp.symbol}`),
    );
    for (const c of target?.constants ?? []) {
      const expr: HarnessExpr = { kind: "attribute", object: name(imp.alias), name: c.name, range: at };
      candidates.push([`${imp.alias}.${c.name}`, expr]);
    }
  }
  for (const [text, expr] of candidates) {
    const v = evaluateValue(model, module, expr);
    if ("value" in v && v.value.kind === "str" && v.value.value === wanted) return text;
  }
  return undefined;
}

/** The return statement `canonical_domain(recipe)` takes, from the evaluator's trace. */
function returnTaken(model: HarnessModel, qualifiedName: string, recipe: string): { start: number } | null {
  const r = evaluateCall(model, qualifiedName, [recipe]);
  const step = r.trace.find((s) => s.kind === "function" && s.name === qualifiedName);
  return step ? { start: step.range.start } : null;
}

/**
 * `WARM_CANONICAL = False` → `True` in the recipe's meta. A comment right above it that explains the
 * de-enrolment would now be wrong: it is replaced by one that says why the recipe is enrolled again.
 */
function reEnrol(model: HarnessModel, recipe: string): Edit[] {
  const meta = recipeMetaModule(model, recipe);
  const flag = meta ? findConstant(meta, "WARM_CANONICAL") : undefined;
  if (!meta || !flag || flag.value.kind !== "bool") return [];
  const v = moduleConstant(model, meta, "WARM_CANONICAL");
  if (!("value" in v) || v.value.kind !== "bool" || v.value.value) return [];
  const python = meta.language === "python";
  const edits: Edit[] = [replace(meta.source.absPath, flag.value.range, python ? "True" : "true")];
  const lines = meta.source.lines;
  const flagLine = lines.position(flag.range.start).line;
  const marker = python ? "#" : "//";
  let first = flagLine;
  while (
    first > 1 &&
    lines
      .lineText(first - 1)
      .trim()
      .startsWith(marker)
  )
    first--;
  if (first < flagLine) {
    const block = { start: lines.lineStart(first), end: lines.lineStart(flagLine) };
    if (/enrol/i.test(meta.source.text.slice(block.start, block.end))) {
      edits.push(
        replace(
          meta.source.absPath,
          block,
          `${marker} Enrolled: the canonical deployment is promoted in its own namespace (canonical_domain),\n` +
            `${marker} beside the live warm deployment other recipes use.\n`,
        ),
      );
    }
  }
  return edits;
}
