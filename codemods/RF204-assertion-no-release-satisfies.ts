import { templateLoader } from "../core/templates.js";
import type { Problem } from "../analyzers/rule.js";
import { RF204_DATA } from "../analyzers/RF204-assertion-no-release-satisfies.js";
import type { Rf204Data } from "../analyzers/RF204-assertion-no-release-satisfies.js";
import { harnessRepo, lineIndent } from "../analyzers/support/harness-recipes.js";
import { show } from "../harness/values.js";
import type { StaticValue } from "../harness/values.js";
import { VERSION } from "../core/package.js";
import type { HarnessModel, HarnessModule } from "../harness/model.js";
import type { Workspace } from "../load/workspace.js";
import type { Codemod, FixPlan, NoFix } from "./codemod.js";
import type { Edit } from "../core/edit.js";
import { replace } from "../core/edit.js";
import { deeper, importPoint } from "./support/harness-text.js";

/**
 * Scopes the assertion to when the change exists. Where the head has one of the values every release
 * has (string or number literals), the test is skipped while it still does, with the reason; once the
 * head changes it, the assertion runs unchanged and any value but the expected one fails. Where the
 * releases' values are not literals, or the head has a value of its own, no condition can say "not
 * yet": the test is marked `pytest.mark.xfail(strict=True, reason=…)`, which turns red the day the
 * change lands (the marker is removed then). A TypeScript (node:test) test gets `{ todo: reason }`.
 */
export const rf204Codemod: Codemod = {
  fix(problem, ws) {
    const model = ws.harness;
    const data = RF204_DATA.of(problem);
    if (!model || !data) return null;
    const module = model.modules.find((m) => m.source.path === data.file);
    if (!module) return { unavailable: `${data.file} is not a module of the harness model` };
    const tags = data.releases.map((r) => r.tag).join(", ");
    if (module.language !== "python") return todo(problem, model, module, data, tags);
    const literals = data.subjectReleases.map(pythonLiteral);
    const head = data.subjectHead ? pythonLiteral(data.subjectHead) : null;
    if (
      !data.subjectText ||
      literals.length === 0 ||
      literals.some((l) => l === null) ||
      head === null ||
      !literals.includes(head)
    )
      return xfail(problem, model, module, data, tags);
    const { start, indent } = lineIndent(module, data.start);
    const values = literals.join(", ");
    const condition =
      literals.length === 1 ? `${data.subjectText} == ${values}` : `${data.subjectText} in (${values})`;
    const was = data.subjectReleases.map((v) => (v.kind === "str" ? v.value : show(v))).join(" or ");
    const reason =
      `not applicable until ${problem.recipe} makes this change: the head and every release ` +
      `(${tags}) still have ${was}`;
    const edits: Edit[] = [];
    const pytestAlias = module.imports.find((i) => i.module === "pytest" && i.symbol === undefined)?.alias;
    const skipName = module.imports.find((i) => i.module === "pytest" && i.symbol === "skip")?.alias;
    const skip = pytestAlias ? `${pytestAlias}.skip` : (skipName ?? "pytest.skip");
    if (!pytestAlias && !skipName) {
      const at = importPoint(module);
      edits.push(replace(module.source.absPath, { start: at, end: at }, "import pytest\n"));
    }
    edits.push(
      replace(
        module.source.absPath,
        { start, end: start },
        `${indent}# Scoped to when the change exists: no release has it yet, and while the head has what the\n` +
          `${indent}# releases have the check does not apply; once the head changes it, the assertion runs as before.\n` +
          `${indent}if ${condition}:\n` +
          `${deeper(indent)}${skip}(${pythonText(reason)})\n`,
      ),
    );
    return {
      summary: `skip ${data.nodeId} while the head has what every release has (${literals.join(", ")}); draft an upstream issue`,
      repo: harnessRepo(model),
      edits,
    };
  },
  draft(problem, ws) {
    return upstreamIssue(problem, ws);
  },
};

/** The harness function a test runs, and the test. */
function testFunction(module: HarnessModule, nodeId: string) {
  const test = module.tests.find((t) => t.nodeId === nodeId);
  const fn = test?.function ? module.functions.find((f) => f.qualifiedName === test.function) : undefined;
  return { test, fn };
}

/** `@pytest.mark.xfail(strict=True, reason=…)` on the test function. */
function xfail(
  problem: Problem,
  model: HarnessModel,
  module: HarnessModule,
  data: Rf204Data,
  tags: string,
): FixPlan | NoFix {
  const { fn } = testFunction(module, data.nodeId);
  if (!fn) return { unavailable: `${data.nodeId} is not a named test function: no marker can go on it` };
  const { start, indent } = lineIndent(module, fn.range.start);
  const edits: Edit[] = [];
  const pytestAlias = module.imports.find((i) => i.module === "pytest" && i.symbol === undefined)?.alias;
  const reason =
    `${problem.recipe} has not made this change: no release (${tags}) satisfies it; ` +
    `strict: the test turns red once the change lands, then remove this marker`;
  const marker = `${indent}@${pytestAlias ?? "pytest"}.mark.xfail(strict=True, reason=${pythonText(reason)})\n`;
  const at = pytestAlias ? null : importPoint(module);
  if (at === start) {
    // A module with no import yet: the import goes where the test starts, before the marker.
    edits.push(replace(module.source.absPath, { start, end: start }, `import pytest\n\n\n${marker}`));
  } else {
    if (at !== null) edits.push(replace(module.source.absPath, { start: at, end: at }, "import pytest\n"));
    edits.push(replace(module.source.absPath, { start, end: start }, marker));
  }
  return {
    summary: `expect ${data.nodeId} to fail (strict xfail) until ${problem.recipe} makes the change; draft an upstream issue`,
    repo: harnessRepo(model),
    edits,
  };
}

/** node:test's `{ todo: reason }` option on the test call, after its name. */
function todo(
  problem: Problem,
  model: HarnessModel,
  module: HarnessModule,
  data: Rf204Data,
  tags: string,
): FixPlan | NoFix {
  const { test } = testFunction(module, data.nodeId);
  const call = test ? module.calls.find((c) => c.range.start === test.range.start) : undefined;
  const name = call?.args[0];
  if (!call || !name || name.spread)
    return { unavailable: `the node:test call of ${data.nodeId} was not found: no todo option can go on it` };
  const second = call.args[1]?.value;
  if (call.args.length > 2 || second?.kind === "dict")
    return { unavailable: `${data.nodeId} already passes options to node:test` };
  const reason = `${problem.recipe} has not made this change: no release (${tags}) satisfies it; remove the todo once it lands`;
  return {
    summary: `mark ${data.nodeId} todo until ${problem.recipe} makes the change; draft an upstream issue`,
    repo: harnessRepo(model),
    edits: [
      replace(
        module.source.absPath,
        { start: name.range.end, end: name.range.end },
        `, { todo: ${JSON.stringify(reason)} }`,
      ),
    ],
  };
}

/** A Python string literal, single-quoted when that avoids escapes. */
function pythonText(s: string): string {
  if (s.includes('"') && !s.includes("'")) return `'${s.replace(/\\/g, "\\\\")}'`;
  return JSON.stringify(s);
}

/** A Python literal for a string or number; null for anything else. */
function pythonLiteral(v: StaticValue): string | null {
  if (v.kind === "str") return JSON.stringify(v.value);
  if (v.kind === "num") return String(v.value);
  return null;
}

const loadTemplate = templateLoader();

/**
 * The upstream issue describing the missing change, for the run directory: `path` is relative to it
 * (`upstream/<recipe>/RF204-<test>.md`). The pipeline writes it beside the patches; it is no edit of
 * the harness repo.
 */
export function upstreamIssue(problem: Problem, ws: Workspace): { path: string; text: string } | null {
  const data = RF204_DATA.of(problem);
  if (!data) return null;
  const current = data.subjectReleases.map(show);
  const context = ws.harness ? testDocstring(ws.harness, data.nodeId) : null;
  const subject = data.subjectText;
  const text = loadTemplate("upstream-issue/missing-change.md.hbs")({
    recipe: problem.recipe,
    title: subject
      ? `no release has \`${subject}\` ${data.op} ${data.expected ?? "the expected value"}`
      : `no release satisfies the harness check in ${data.nodeId}`,
    harness: ws.harness ? harnessRepo(ws.harness).name : "the harness",
    nodeId: data.nodeId,
    assertion: data.assertion,
    subject,
    op: data.op,
    expected: data.expected,
    releases: data.releases,
    head: data.subjectHead ? show(data.subjectHead) : null,
    current,
    composeFile: data.composeFile,
    context,
    version: VERSION,
    findingKey: problem.key,
  });
  const test = data.nodeId.split("::").pop() ?? "assertion";
  return { path: `upstream/${problem.recipe}/RF204-${test.replace(/[^A-Za-z0-9_.-]+/g, "-")}.md`, text };
}

/** The test's docstring, which says why the harness expects the change (Python tests only). */
function testDocstring(model: HarnessModel, nodeId: string): string | null {
  for (const module of model.modules) {
    const t = module.tests.find((x) => x.nodeId === nodeId);
    const fn = t?.function ? module.functions.find((f) => f.qualifiedName === t.function) : undefined;
    if (!fn) continue;
    const body = module.source.text.slice(fn.bodyRange.start, fn.bodyRange.end);
    const m = /^\s*(?:[rRuU]?)("""|''')([\s\S]*?)\1/.exec(body);
    return m ? m[2]!.trim().replace(/\s*\n\s*/g, " ") : null;
  }
  return null;
}
