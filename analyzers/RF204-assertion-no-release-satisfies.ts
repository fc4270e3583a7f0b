import { parse as parseYaml } from "yaml";
import { evaluateValue } from "../harness/evaluate.js";
import type { StaticValue } from "../harness/evaluate.js";
import { formatValue } from "../harness/format.js";
import { callMethod, contains } from "../harness/methods.js";
import { recipeOfPath } from "../harness/model.js";
import type {
  HarnessAssertion,
  HarnessExpr,
  HarnessFunction,
  HarnessModel,
  HarnessModule,
} from "../harness/model.js";
import { equal, show, truthy } from "../harness/values.js";
import { fileAtTag } from "../load/git.js";
import type { Recipe } from "../load/workspace.js";
import type { Rule } from "./rule.js";

/** abra's release tags: `x.y.z+<upstream version>`. */
const RELEASE_TAG = /^(\d+)\.(\d+)\.(\d+)\+\S+$/;

export interface ReleaseOutcome {
  tag: string;
  /** The asserted subject at that release (`image.split(":")[0]`), as Python would show it. */
  subject: string | null;
  satisfied: boolean;
}

export interface Rf204Data {
  nodeId: string;
  file: string;
  /** The assertion statement. */
  start: number;
  end: number;
  assertion: string;
  /** The side of the comparison read from the compose file, its text and its value at the head. */
  subjectText: string | null;
  subjectHead: StaticValue | null;
  /** The subject's values across releases (all of them, none satisfying). */
  subjectReleases: StaticValue[];
  /** What the assertion expects, shown. */
  expected: string | null;
  op: string | null;
  composeFile: string;
  releases: ReleaseOutcome[];
}

/** The assertion cannot be judged statically (beyond a key missing from the compose file). */
class Unknown extends Error {}
/** The compose file lacks a key the assertion reads: at run time, a KeyError — the assertion fails. */
class Missing extends Error {}

/**
 * Evaluates an assertion's expressions with the recipe's compose document standing for whatever the
 * test loads it with: `<anything>["services"]` where `<anything>` is a call, a parameter (a fixture)
 * or a local holding one is the document's `services`. Locals are followed to their last assignment
 * before the use; module constants go to the harness evaluator; `split` and the evaluator's string
 * methods are applied. Nothing is run.
 */
export class ComposeAssertion {
  usedCompose = false;
  /** Services the assertion read (`services["app"]`), for the evidence. */
  readonly services: string[] = [];
  private servicesValue: StaticValue | undefined;

  constructor(
    private readonly model: HarnessModel,
    private readonly module: HarnessModule,
    private readonly fn: HarnessFunction | undefined,
    private readonly compose: StaticValue,
  ) {}

  eval(e: HarnessExpr, at = e.range.start): StaticValue {
    switch (e.kind) {
      case "string":
        return { kind: "str", value: e.value };
      case "number":
        return { kind: "num", value: e.value };
      case "bool":
        return { kind: "bool", value: e.value };
      case "none":
        return { kind: "none" };
      case "template":
        return {
          kind: "str",
          value: e.parts
            .map((p) =>
              p.kind === "text"
                ? p.value
                : formatValue(this.eval(p.expr, at), p.conversion, p.formatSpec, this.module.language),
            )
            .join(""),
        };
      case "list":
      case "tuple":
      case "set":
        return { kind: e.kind, items: e.items.map((i) => this.eval(i, at)) };
      case "unary": {
        const v = this.eval(e.operand, at);
        if (e.op === "not") return { kind: "bool", value: !truthy(v) };
        break;
      }
      case "subscript": {
        const index = this.eval(e.index, at);
        if (index.kind === "str" && index.value === "services" && this.isComposeRoot(e.object, at)) {
          this.usedCompose = true;
          this.servicesValue = this.key(this.compose, index);
          return this.servicesValue;
        }
        const object = this.eval(e.object, at);
        if (object === this.servicesValue && index.kind === "str" && !this.services.includes(index.value)) {
          this.services.push(index.value);
        }
        return this.key(object, index);
      }
      case "name": {
        const local = this.local(e.name, at);
        if (local) return this.eval(local.value, local.range.start);
        if (this.fn?.params.some((p) => p.name === e.name)) throw new Unknown(`parameter ${e.name}`);
        return this.global(e);
      }
      case "call": {
        const callee = e.call.calleeExpr;
        if (callee.kind === "attribute") {
          const self = this.eval(callee.object, at);
          const args = e.call.args.map((a) => this.eval(a.value, at));
          const kwargs = new Map(e.call.kwargs.map((k) => [k.name, this.eval(k.value, at)] as const));
          const split = splitMethod(self, callee.name, args);
          if (split) return split;
          try {
            return callMethod(self, callee.name, args, kwargs);
          } catch {
            throw new Unknown(`method ${callee.name}`);
          }
        }
        return this.global(e);
      }
      case "binary":
        return this.binary(e, at);
      default:
        return this.global(e);
    }
    throw new Unknown(e.kind);
  }

  private binary(e: Extract<HarnessExpr, { kind: "binary" }>, at: number): StaticValue {
    if (e.op === "and") {
      const l = this.eval(e.left, at);
      return truthy(l) ? this.eval(e.right, at) : l;
    }
    if (e.op === "or") {
      const l = this.eval(e.left, at);
      return truthy(l) ? l : this.eval(e.right, at);
    }
    const l = this.eval(e.left, at);
    const r = this.eval(e.right, at);
    switch (e.op) {
      case "==":
        return { kind: "bool", value: equal(l, r) };
      case "!=":
        return { kind: "bool", value: !equal(l, r) };
      case "in":
      case "not in":
        try {
          return { kind: "bool", value: contains(r, l) === (e.op === "in") };
        } catch {
          throw new Unknown("membership");
        }
      case "+":
        if (l.kind === "str" && r.kind === "str") return { kind: "str", value: l.value + r.value };
    }
    throw new Unknown(`operator ${e.op}`);
  }

  /** Compose keys are strings; a missing one is what the test would trip over. */
  private key(object: StaticValue, index: StaticValue): StaticValue {
    if (object.kind === "dict") {
      const hit = object.entries.find(([k]) => equal(k, index));
      if (!hit) throw new Missing(`no key ${show(index)}`);
      return hit[1];
    }
    if (
      (object.kind === "list" || object.kind === "tuple" || object.kind === "str") &&
      index.kind === "num"
    ) {
      const items =
        object.kind === "str"
          ? [...object.value].map((c): StaticValue => ({ kind: "str", value: c }))
          : object.items;
      const item = items.at(index.value);
      if (item) return item;
      throw new Missing(`no index ${index.value}`);
    }
    throw new Unknown(`subscript of ${object.kind}`);
  }

  /** A call, a parameter (a pytest fixture), or a local holding a call: what a test loads compose with. */
  private isComposeRoot(e: HarnessExpr, at: number): boolean {
    if (e.kind === "call") return true;
    if (e.kind !== "name") return false;
    const local = this.local(e.name, at);
    if (local) return this.isComposeRoot(local.value, local.range.start);
    return this.fn?.params.some((p) => p.name === e.name) ?? false;
  }

  private local(name: string, at: number): { value: HarnessExpr; range: { start: number } } | undefined {
    return this.fn?.locals.filter((l) => l.name === name && l.range.end <= at && l.guards.length === 0).pop();
  }

  private global(e: HarnessExpr): StaticValue {
    const v = evaluateValue(this.model, this.module, e);
    if ("value" in v) return v.value;
    throw new Unknown(v.unknown);
  }
}

/** `str.split(sep)` / `rsplit` / JS `split`, with Python's maxsplit. */
function splitMethod(self: StaticValue, name: string, args: StaticValue[]): StaticValue | undefined {
  if (self.kind !== "str" || (name !== "split" && name !== "rsplit")) return undefined;
  const [sep, max] = args;
  if (sep?.kind !== "str" || sep.value === "") return undefined;
  let parts = self.value.split(sep.value);
  if (max?.kind === "num" && max.value >= 0 && parts.length > max.value + 1) {
    parts =
      name === "split"
        ? [...parts.slice(0, max.value), parts.slice(max.value).join(sep.value)]
        : [
            parts.slice(0, parts.length - max.value).join(sep.value),
            ...parts.slice(parts.length - max.value),
          ];
  }
  return { kind: "list", items: parts.map((value): StaticValue => ({ kind: "str", value })) };
}

/** YAML data as the evaluator's values (what `yaml.safe_load` gives the test). */
export function toStatic(v: unknown): StaticValue {
  if (v === null || v === undefined) return { kind: "none" };
  if (typeof v === "string") return { kind: "str", value: v };
  if (typeof v === "number") return { kind: "num", value: v };
  if (typeof v === "boolean") return { kind: "bool", value: v };
  if (Array.isArray(v)) return { kind: "list", items: v.map(toStatic) };
  if (typeof v === "object") {
    return {
      kind: "dict",
      entries: Object.entries(v as Record<string, unknown>).map(([k, x]) => [
        { kind: "str", value: k },
        toStatic(x),
      ]),
    };
  }
  return { kind: "str", value: String(v) };
}

/**
 * Whether the test already scopes the assertion: a `skip` call before it in the same function, under an
 * `if` whose condition reads the same subject (`if image.split(":")[0] in (…): pytest.skip(…)`). The
 * model keeps no guards on calls, so the `if` header is read from the lines above the call.
 */
export function scopedBySkip(
  module: HarnessModule,
  fn: HarnessFunction,
  a: HarnessAssertion,
  subjectText: string,
): boolean {
  const lines = module.source.lines;
  const indentOf = (t: string) => /^[ \t]*/.exec(t)![0].length;
  const bodyLine = lines.position(fn.bodyRange.start).line;
  for (const call of module.calls) {
    if (call.enclosingFunction !== fn.qualifiedName || call.range.start >= a.range.start) continue;
    if (!/(^|\.)(skip|skipTest)$/.test(call.callee)) continue;
    const callLine = lines.position(call.range.start).line;
    const indent = indentOf(lines.lineText(callLine));
    for (let l = callLine - 1; l >= bodyLine; l--) {
      const t = lines.lineText(l);
      if (t.trim() === "" || indentOf(t) >= indent) continue;
      if (/^\s*(el)?if\b/.test(t) && t.includes(subjectText)) return true;
      break;
    }
  }
  return false;
}

/** Release tags oldest first, by their `x.y.z`. */
export function releaseTags(recipe: Recipe): string[] {
  const tags = (recipe.git?.tags ?? []).map((t) => t.name).filter((t) => RELEASE_TAG.test(t));
  const key = (t: string) => RELEASE_TAG.exec(t)!.slice(1, 4).map(Number);
  return tags.sort((a, b) => {
    const [x, y] = [key(a), key(b)];
    return x[0]! - y[0]! || x[1]! - y[1]! || x[2]! - y[2]!;
  });
}

type Outcome = { satisfied: boolean; subject: StaticValue | null; services: string[] } | null;

/** The assertion judged against one compose document; null when it cannot be judged statically. */
function judge(
  model: HarnessModel,
  module: HarnessModule,
  fn: HarnessFunction | undefined,
  a: HarnessAssertion,
  composeText: string | null,
): Outcome {
  let doc: unknown;
  try {
    doc = composeText === null ? null : parseYaml(composeText);
  } catch {
    return { satisfied: false, subject: null, services: [] };
  }
  if (doc === null) return { satisfied: false, subject: null, services: [] };
  const ev = new ComposeAssertion(model, module, fn, toStatic(doc));
  let satisfied: boolean;
  try {
    satisfied = truthy(ev.eval(a.test));
  } catch (e) {
    if (e instanceof Missing) satisfied = false;
    else return null;
  }
  if (!ev.usedCompose) return null;
  return {
    satisfied,
    subject: subjectOf(model, module, fn, a, toStatic(doc))?.value ?? null,
    services: ev.services,
  };
}

/** The side of the assertion's comparison that reads the compose file, and its value. */
export function subjectOf(
  model: HarnessModel,
  module: HarnessModule,
  fn: HarnessFunction | undefined,
  a: HarnessAssertion,
  compose: StaticValue,
): { side: "left" | "right"; value: StaticValue } | null {
  const c = a.comparison;
  if (!c) return null;
  for (const side of ["left", "right"] as const) {
    const ev = new ComposeAssertion(model, module, fn, compose);
    try {
      const value = ev.eval(c[side], a.range.start);
      if (ev.usedCompose) return { side, value };
    } catch {
      continue;
    }
  }
  return null;
}

export const rf204: Rule = {
  replayTopics: /upgrade|release|migration/i,
  meta: {
    id: "RF204",
    name: "assertion-no-release-satisfies",
    description: "harness: an assertion about a change that no release of the recipe performs",
    severity: "warning",
    target: "harness",
    classification: "test-scope",
    fixable: true,
    docs: `A harness test that asserts a change in the recipe's compose file — discourse's upgrade test asserting the
move from \`bitnamilegacy/discourse\` to the official image — is red on every run when no release of the recipe
performs that change and the head does not either. The defect is upstream (the migration is missing), and the
test, as scoped, reports it as a failure of every deployment.

What it checks: assertions in \`tests/<recipe>/\` that read the compose file (\`…["services"][…]\`, from a loader
call or a fixture) are evaluated statically against \`compose.yml\` at the head and at every release tag
(\`x.y.z+…\`, read with \`git show\`; tags are immutable, so the reads are cached). A finding when no release
satisfies it and the head still has what every release has.

Fix: scope the assertion to when the change exists — \`pytest.skip\` with the reason while the head still has
the releases' value, so the assertion fires as soon as the head changes it (any other value must then be the
expected one: not a weakening) — and an upstream issue text describing the missing migration, drafted from
\`templates/upstream-issue/\`. Source: backlog (discourse).`,
  },
  check(ctx) {
    const model = ctx.workspace.harness;
    if (!model) return;
    for (const module of model.modules) {
      const recipe = ctx.workspace.recipes.find((r) => r.name === recipeOfPath(module.source.path));
      if (!recipe?.base) continue;
      const tags = releaseTags(recipe);
      if (tags.length === 0) continue;
      for (const a of module.assertions) {
        if (!a.testId) continue;
        const fn = module.functions.find((f) => f.qualifiedName === a.enclosingFunction);
        const headDoc = toStatic(parseYaml(recipe.base.source.text));
        const subjectAtHead = subjectOf(model, module, fn, a, headDoc);
        const c = a.comparison;
        const subjectText =
          c && subjectAtHead
            ? module.source.text.slice(c[subjectAtHead.side].range.start, c[subjectAtHead.side].range.end)
            : null;
        if (fn && subjectText && scopedBySkip(module, fn, a, subjectText)) continue;
        const head = judge(model, module, fn, a, recipe.base.source.text);
        if (!head || head.satisfied) continue;
        const releases: ReleaseOutcome[] = [];
        const values: StaticValue[] = [];
        let judged = true;
        for (const tag of tags) {
          const o = judge(model, module, fn, a, fileAtTag(recipe.dir, tag, recipe.base.name));
          if (!o) {
            judged = false;
            break;
          }
          releases.push({ tag, subject: o.subject ? show(o.subject) : null, satisfied: o.satisfied });
          if (o.subject && !values.some((v) => equal(v, o.subject!))) values.push(o.subject);
        }
        if (!judged || releases.some((r) => r.satisfied)) continue;
        // The head changed what the releases have and still fails: a real failure, not a missing change.
        if (head.subject && values.length > 0 && !values.some((v) => equal(v, head.subject!))) continue;
        const subject = subjectAtHead;
        const other = c && subject ? (subject.side === "left" ? c.right : c.left) : undefined;
        const expectedValue = other ? evaluateValue(model, module, other) : undefined;
        const expected = expectedValue && "value" in expectedValue ? show(expectedValue.value) : null;
        const text = (r: { start: number; end: number }) => module.source.text.slice(r.start, r.end);
        ctx.report<Rf204Data>({
          recipe: recipe.name,
          root: "harness",
          file: module.source,
          range: a.range,
          message:
            `${a.testId} asserts ${c && subject ? `${text(c[subject.side].range)} ${c.op} ${expected ?? text(other!.range)}` : text(a.test.range)}` +
            `, which no release of ${recipe.name} satisfies (${releases.map((r) => `${r.tag}: ${r.subject ?? "fails"}`).join(", ")})` +
            ` and the head does not either${head.subject ? ` (${show(head.subject)})` : ""}: the change does not exist yet`,
          key: `${a.testId}:${text(a.test.range)}`,
          evidence: [
            ...head.services.flatMap((name) => {
              const svc = recipe.base!.services.find((x) => x.name === name);
              if (!svc) return [];
              return [
                {
                  root: "recipes" as const,
                  source: recipe.base!.source,
                  range: svc.image?.range ?? svc.keyRange,
                  note:
                    `\`${name}\` at the head${head.subject ? `: ${show(head.subject)}` : ""}; at the releases: ` +
                    releases.map((r) => `${r.tag} ${r.subject ?? "fails"}`).join(", "),
                },
              ];
            }),
          ],
          data: {
            nodeId: a.testId,
            file: module.source.path,
            start: a.range.start,
            end: a.range.end,
            assertion: a.text,
            subjectText,
            subjectHead: head.subject,
            subjectReleases: values,
            expected,
            op: c?.op ?? null,
            composeFile: recipe.base.name,
            releases,
          },
        });
      }
    }
  },
};
