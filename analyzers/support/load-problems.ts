import type { LoadProblemKind } from "../../load/workspace.js";
import type { RuleContext } from "../rule.js";

/**
 * The unparsable-file and bad-reference rules report what the loader found (it is the only place that reads files): each load
 * problem of the rule becomes a finding at its range, or at its position when the file has no text.
 */
export function reportLoadProblems(ctx: RuleContext, kind: LoadProblemKind): void {
  const all = [...ctx.workspace.problems, ...ctx.workspace.recipes.flatMap((r) => r.problems)];
  for (const p of all) {
    if (p.kind !== kind) continue;
    ctx.report({
      recipe: p.recipe,
      root: p.root,
      file: p.source ?? p.file,
      ...(p.range ? { range: p.range } : {}),
      ...(p.position ? { position: p.position } : {}),
      message: p.message,
      key: p.key,
      target: p.root === "harness" ? "harness" : "recipe",
      classification: p.root === "harness" ? "harness-defect" : "recipe-defect",
    });
  }
}
