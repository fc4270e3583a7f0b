import { findConnects } from "./connects.js";
import { enclosingFunction } from "./facts.js";
import type { HarnessModel } from "./model.js";
import { resolveExpr } from "./resolve.js";

/**
 * Facts that need the whole harness: which imports are internal, which harness function each
 * call reaches, the function each call and assertion sits in, and the sockets opened.
 * Runs once, after every module is parsed; mutates the freshly built model.
 */
export function linkHarness(model: HarnessModel): void {
  const names = new Set(model.modules.map((m) => m.name));
  for (const module of model.modules) {
    for (const imp of module.imports) {
      imp.internal =
        names.has(imp.module) || (imp.symbol !== undefined && names.has(`${imp.module}.${imp.symbol}`));
    }
  }
  for (const module of model.modules) {
    for (const call of module.calls) {
      const fn = enclosingFunction(module.functions, call.range);
      if (fn) call.enclosingFunction = fn.qualifiedName;
      const nested =
        fn && call.calleeExpr.kind === "name"
          ? module.functions.find((f) => f.qualifiedName === `${fn.qualifiedName}.${call.callee}`)
          : undefined;
      const binding = nested ? undefined : resolveExpr(model, module, call.calleeExpr);
      if (nested) call.resolved = nested.qualifiedName;
      else if (binding?.kind === "function") call.resolved = binding.fn.qualifiedName;
    }
    for (const assertion of module.assertions) {
      const fn = enclosingFunction(module.functions, assertion.range);
      if (fn) assertion.enclosingFunction = fn.qualifiedName;
    }
  }
  for (const module of model.modules) module.connects = findConnects(model, module);
}
