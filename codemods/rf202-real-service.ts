import type { Rf202Data } from "../analyzers/rules/rf202-stale-service-reference.js";
import { harnessRepo } from "../analyzers/rules/rf200-harness-support.js";
import type { Codemod } from "./codemod.js";
import { replace } from "./edit.js";

/**
 * Points the call at the real service: the argument's value becomes that name as a literal, in the
 * quote style it was written in. A constant reference (`service=DEFAULT`) is replaced at the call,
 * never at the constant: other recipes' calls may share it.
 */
export const rf202Codemod: Codemod = {
  rule: "RF202",
  fix(problem, ws) {
    const model = ws.harness;
    const data = problem.data as Rf202Data | undefined;
    if (!model || !data?.replacement) return null;
    const module = model.modules.find((m) => m.source.path === data.file);
    if (!module) return null;
    const written = module.source.text.slice(data.start, data.end);
    const quote = written.startsWith("'") ? "'" : '"';
    const literal = `${quote}${data.replacement}${quote}`;
    return {
      summary: `address service \`${data.replacement}\` instead of \`${data.service}\` (${data.reason ?? "the only candidate"})`,
      repo: harnessRepo(model),
      edits: [replace(module.source.absPath, { start: data.start, end: data.end }, literal)],
    };
  },
};
