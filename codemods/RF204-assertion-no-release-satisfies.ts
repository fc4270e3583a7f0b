import { templateLoader } from "../core/templates.js";
import type { Problem } from "../analyzers/rule.js";
import { RF204_DATA } from "../analyzers/RF204-assertion-no-release-satisfies.js";
import { harnessRepo, lineIndent } from "../analyzers/support/harness-recipes.js";
import { show } from "../harness/values.js";
import type { StaticValue } from "../harness/values.js";
import { VERSION } from "../core/package.js";
import type { HarnessModel } from "../harness/model.js";
import type { Workspace } from "../load/workspace.js";
import type { Codemod } from "./codemod.js";
import type { Edit } from "../core/edit.js";
import { replace } from "../core/edit.js";
import { deeper, importPoint } from "./support/harness-text.js";

/**
 * Scopes the assertion to when the change exists: while the head still has the value every release
 * has, the test is skipped as not applicable, with the reason; once the head changes it, the assertion
 * runs unchanged and any value but the expected one fails. Python harnesses only (pytest's `skip`);
 * a TypeScript test gets no patch (node:test needs the test context to skip, which the model does
 * not carry).
 */
export const rf204Codemod: Codemod = {
  fix(problem, ws) {
    const model = ws.harness;
    const data = RF204_DATA.of(problem);
    if (!model || !data?.subjectText || data.subjectReleases.length === 0) return null;
    const module = model.modules.find((m) => m.source.path === data.file);
    if (!module || module.language !== "python") return null;
    const literals = data.subjectReleases.map(pythonLiteral);
    if (literals.some((l) => l === null)) return null;
    const { start, indent } = lineIndent(module, data.start);
    const values = literals.join(", ");
    const condition =
      literals.length === 1 ? `${data.subjectText} == ${values}` : `${data.subjectText} in (${values})`;
    const was = data.subjectReleases.map((v) => (v.kind === "str" ? v.value : show(v))).join(" or ");
    const reason =
      `not applicable until ${problem.recipe} makes this change: the head and every release ` +
      `(${data.releases.map((r) => r.tag).join(", ")}) still have ${was}`;
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
