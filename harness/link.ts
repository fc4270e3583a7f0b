import { findConnects } from "./connects.js";
import { enclosingFunction, rangeContains } from "./facts.js";
import type { HarnessModel, HarnessModule } from "./model.js";
import { resolveCallee } from "./resolve.js";

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
      const test = enclosingTest(module, call.range);
      if (test) call.testId = test;
      const resolved = resolveCallee(model, module, fn, call);
      if (resolved?.kind === "function") call.resolved = resolved.fn.qualifiedName;
    }
    for (const assertion of module.assertions) {
      const fn = enclosingFunction(module.functions, assertion.range);
      if (fn) assertion.enclosingFunction = fn.qualifiedName;
      const test = enclosingTest(module, assertion.range);
      if (test) assertion.testId = test;
    }
  }
  for (const module of model.modules) {
    module.connects = findConnects(model, module).map((c) => {
      const test = enclosingTest(module, c.range);
      return test ? { ...c, testId: test } : c;
    });
  }
}

/** Tests do not nest, so at most one contains a range. */
function enclosingTest(module: HarnessModule, range: { start: number; end: number }): string | undefined {
  return module.tests.find((t) => rangeContains(t.range, range))?.nodeId;
}
