import type { Range } from "../core/source.js";
import type { SourceFile } from "../core/source.js";
import type { HarnessComparison, HarnessExpr, HarnessFunction, HarnessProblem } from "./model.js";

/** Operators the adapters normalise comparisons to (TypeScript's `===` becomes `==`). */
const COMPARISONS = new Set(["==", "!=", "<", "<=", ">", ">=", "in", "not in", "is", "is not"]);

/** The value of a literal string with no interpolation, as the adapters store on arguments. */
export function literalString(expr: HarnessExpr): string | undefined {
  if (expr.kind === "string") return expr.value;
  if (expr.kind === "template" && expr.parts.every((p) => p.kind === "text")) {
    return expr.parts.map((p) => (p.kind === "text" ? p.value : "")).join("");
  }
  return undefined;
}

export function comparisonOf(expr: HarnessExpr): HarnessComparison | undefined {
  if (expr.kind === "binary" && COMPARISONS.has(expr.op)) {
    return { op: expr.op, left: expr.left, right: expr.right };
  }
  return undefined;
}

export function rangeContains(outer: Range, inner: Range): boolean {
  return outer.start <= inner.start && inner.end <= outer.end;
}

/** The innermost function whose definition contains `range`. */
export function enclosingFunction(functions: HarnessFunction[], range: Range): HarnessFunction | undefined {
  let best: HarnessFunction | undefined;
  for (const fn of functions) {
    if (rangeContains(fn.range, range) && (!best || rangeContains(best.range, fn.range))) best = fn;
  }
  return best;
}

export function byStart<T extends { range: Range }>(a: T, b: T): number {
  return a.range.start - b.range.start || a.range.end - b.range.end;
}

/** Splits a dotted module name into its package: `a.b.c` → `a.b`. */
export function parentModule(name: string): string {
  const i = name.lastIndexOf(".");
  return i === -1 ? "" : name.slice(0, i);
}

/** A file whose analysis failed outright (for example nesting deeper than the stack allows). */
export function crashed(source: SourceFile, e: unknown): HarnessProblem {
  const why =
    e instanceof RangeError ? "nesting too deep to analyze" : e instanceof Error ? e.message : String(e);
  return {
    file: source.path,
    range: { start: 0, end: 0 },
    position: { line: 1, column: 1 },
    message: `${source.path} could not be analyzed: ${why}`,
  };
}
