import { parse as parseYaml } from "yaml";
import { evaluateValue, evaluateWithDocument, externalDocument } from "../harness/evaluate.js";
import type { StaticValue } from "../harness/evaluate.js";
import { recipeOfPath } from "../harness/model.js";
import type { HarnessAssertion, HarnessFunction, HarnessModel, HarnessModule } from "../harness/model.js";
import { equal, show, truthy } from "../harness/values.js";
import { fileAtTag } from "../load/git.js";
import type { Recipe } from "../load/workspace.js";
import type { Rule } from "./rule.js";
import { ABRA_ONLY, ruleData } from "./rule.js";

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

/** RF204's facts, for its codemod. */
export const RF204_DATA = ruleData<Rf204Data>("RF204");
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

/**
 * Whether the test is already marked as expected to fail until the change lands: a
 * `@pytest.mark.xfail(strict=True, …)` on its function (a non-strict one would hide the day it passes),
 * or node:test's `todo` option on its call.
 */
export function markedNotYet(module: HarnessModule, nodeId: string): boolean {
  const t = module.tests.find((x) => x.nodeId === nodeId);
  if (!t) return false;
  const text = module.source.text;
  if (module.language === "python") {
    const fn = t.function ? module.functions.find((f) => f.qualifiedName === t.function) : undefined;
    if (!fn) return false;
    const lines = module.source.lines;
    for (let l = lines.position(fn.range.start).line - 1; l >= 1; l--) {
      const line = lines.lineText(l).trim();
      if (!line.startsWith("@")) break;
      if (/\bmark\.xfail\(.*\bstrict\s*=\s*True\b/.test(line)) return true;
    }
    return false;
  }
  const call = module.calls.find((c) => c.range.start === t.range.start);
  const options = call?.args[1]?.value;
  return options?.kind === "dict" &&
    options.entries.some((e) => e.key.kind === "string" && e.key.value === "todo")
    ? true
    : /^[^,]*,\s*\{\s*todo\s*:/.test(text.slice(t.range.start, t.range.end));
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
  const compose = externalDocument("services", toStatic(doc));
  const r = evaluateWithDocument(model, module, a.test, compose);
  // A key the compose file lacks is a KeyError at run time: the assertion fails.
  if (!("value" in r) && !r.missingKey) return null;
  if (!compose.read) return null;
  return {
    satisfied: "value" in r && truthy(r.value),
    subject: subjectOf(model, module, fn, a, toStatic(doc))?.value ?? null,
    services: compose.entries,
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
    const doc = externalDocument("services", compose);
    const r = evaluateWithDocument(model, module, c[side], doc);
    if ("value" in r && doc.read) return { side, value: r.value };
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
    kinds: ABRA_ONLY,
    scope: "workspace",
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
        if (markedNotYet(module, a.testId)) continue;
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
