import { findConstant, findModule } from "./model.js";
import type {
  HarnessCall,
  HarnessConstant,
  HarnessExpr,
  HarnessFunction,
  HarnessModel,
  HarnessModule,
} from "./model.js";

/** What a name or dotted reference in a module stands for, following imports between harness modules. */
export type Binding =
  | { kind: "module"; module: HarnessModule }
  | { kind: "function"; module: HarnessModule; fn: HarnessFunction }
  | { kind: "constant"; module: HarnessModule; constant: HarnessConstant };

/** `a.b.c` for a chain of names and attributes; undefined for anything else. */
export function dottedName(expr: HarnessExpr): string | undefined {
  if (expr.kind === "name") return expr.name;
  if (expr.kind === "attribute") {
    const base = dottedName(expr.object);
    return base === undefined ? undefined : `${base}.${expr.name}`;
  }
  return undefined;
}

/** Resolves a dotted reference (`warm.stable_domain`, `runner.harness.warm.WARM_DOMAINS`, `X`). */
export function resolveDotted(
  model: HarnessModel,
  module: HarnessModule,
  dotted: string,
): Binding | undefined {
  return resolveIn(model, module, dotted.split("."), new Set());
}

export function resolveExpr(
  model: HarnessModel,
  module: HarnessModule,
  expr: HarnessExpr,
): Binding | undefined {
  const dotted = dottedName(expr);
  return dotted === undefined ? undefined : resolveDotted(model, module, dotted);
}

function resolveIn(
  model: HarnessModel,
  module: HarnessModule,
  parts: string[],
  seen: Set<string>,
): Binding | undefined {
  const [head, ...rest] = parts;
  if (head === undefined) return { kind: "module", module };
  const key = `${module.name}:${parts.join(".")}`;
  if (seen.has(key)) return undefined;
  seen.add(key);
  const local = ownBinding(model, module, head);
  if (local) return follow(model, local, rest, seen);
  // `import a.b.c` records the alias `a.b.c`: match the longest dotted prefix.
  for (let n = parts.length; n >= 1; n--) {
    const prefix = parts.slice(0, n).join(".");
    const imp = module.imports.filter((i) => i.alias === prefix).pop();
    if (!imp) continue;
    const target = importTarget(model, imp.module, imp.symbol, seen);
    if (target) return follow(model, target, parts.slice(n), seen);
  }
  return undefined;
}

/** Functions and constants defined in the module itself (the last definition wins). */
function ownBinding(_model: HarnessModel, module: HarnessModule, name: string): Binding | undefined {
  const fn = module.functions.filter((f) => f.qualifiedName === `${module.name}.${name}`).pop();
  const constant = findConstant(module, name);
  if (fn && (!constant || fn.range.start > constant.range.start)) return { kind: "function", module, fn };
  if (constant) return { kind: "constant", module, constant };
  return undefined;
}

function importTarget(
  model: HarnessModel,
  moduleName: string,
  symbol: string | undefined,
  seen: Set<string>,
): Binding | undefined {
  const target = findModule(model, moduleName);
  if (symbol === undefined) return target ? { kind: "module", module: target } : undefined;
  // `from pkg import sub` may name a submodule rather than a symbol of the package.
  const sub = findModule(model, `${moduleName}.${symbol}`);
  if (target) {
    const inner = resolveIn(model, target, [symbol], seen);
    if (inner) return inner;
  }
  return sub ? { kind: "module", module: sub } : undefined;
}

function follow(
  model: HarnessModel,
  binding: Binding,
  rest: string[],
  seen: Set<string>,
): Binding | undefined {
  if (rest.length === 0) return binding;
  if (binding.kind !== "module") return undefined;
  const direct = resolveIn(model, binding.module, rest, seen);
  if (direct) return direct;
  const sub = findModule(model, `${binding.module.name}.${rest[0]}`);
  return sub ? follow(model, { kind: "module", module: sub }, rest.slice(1), seen) : undefined;
}

/**
 * What a call reaches. Inside `fn`, a function nested in it comes first, and a parameter or
 * local of the callee's name hides any module-level binding.
 */
export function resolveCallee(
  model: HarnessModel,
  module: HarnessModule,
  fn: HarnessFunction | undefined,
  call: HarnessCall,
): Binding | undefined {
  if (!fn) return resolveExpr(model, module, call.calleeExpr);
  if (call.calleeExpr.kind === "name") {
    const nested = module.functions.find((f) => f.qualifiedName === `${fn.qualifiedName}.${call.callee}`);
    if (nested) return { kind: "function", module, fn: nested };
  }
  const head = dottedName(call.calleeExpr)?.split(".")[0];
  if (head === undefined) return undefined;
  if (fn.params.some((p) => p.name === head) || fn.locals.some((l) => l.name === head)) return undefined;
  return resolveExpr(model, module, call.calleeExpr);
}
