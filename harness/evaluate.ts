import type { Range } from "../core/source.js";
import { findFunction, findModule } from "./model.js";
import type {
  HarnessCall,
  HarnessExpr,
  HarnessFunction,
  HarnessGuard,
  HarnessLanguage,
  HarnessModel,
  HarnessModule,
} from "./model.js";
import { dottedName, resolveCallee, resolveDotted } from "./resolve.js";
import { formatValue, percentFormat } from "./format.js";
import { callMethod, contains } from "./methods.js";
import { NotStatic, equal, show, truthy } from "./values.js";
import type { StaticValue } from "./values.js";

export type { StaticValue } from "./values.js";

/** Calls deep enough for a harness's helper chains; deeper is treated as not static. */
export const MAX_CALL_DEPTH = 8;

/** One link of the evidence chain behind a value. */
export interface TraceStep {
  kind: "function" | "constant" | "local" | "parameter" | "environment" | "condition";
  /** Qualified function or constant name, local or parameter name, or environment variable. */
  name: string;
  file: string;
  range: Range;
  /** 1-based line of `range.start`, for a finding's evidence. */
  line: number;
  note: string;
}

export type EvalResult = ({ value: string } | { unknown: string }) & { trace: TraceStep[] };
export type ValueResult = ({ value: StaticValue } | { unknown: string }) & { trace: TraceStep[] };

/** Evaluates `qualifiedFunctionName(*args)` with string arguments, never running harness code. */
export function evaluateCall(model: HarnessModel, qualifiedFunctionName: string, args: string[]): EvalResult {
  const ev = new Evaluator(model);
  return asString(
    ev.run(() => {
      const found = findFunction(model, qualifiedFunctionName);
      if (!found) throw new NotStatic(`no harness function ${qualifiedFunctionName}`);
      return ev.callFunction(
        found.module,
        found.fn,
        args.map((value) => ({ kind: "str", value })),
        new Map(),
      );
    }),
  );
}

/** The string value of an expression of `module` (inside a function, its parameters are unknown). */
export function evaluateExpression(
  model: HarnessModel,
  module: HarnessModule,
  node: HarnessExpr,
): EvalResult {
  return asString(evaluateValue(model, module, node));
}

export function evaluateValue(model: HarnessModel, module: HarnessModule, node: HarnessExpr): ValueResult {
  const ev = new Evaluator(model);
  const fn = innermost(module, node.range);
  return ev.run(() => ev.eval(node, { module, ...(fn ? { fn } : {}), params: new Map() }));
}

/**
 * A document the code under evaluation reads from outside the harness — the recipe's compose file — standing
 * for whatever a test loads it with: `<root>["<key>"]`, where `<root>` is a call, a parameter (a pytest
 * fixture) or a local holding one, is `value[key]`. Evaluation records whether the document was read, and
 * which entries of `value[key]` (`services["app"]`).
 */
export interface ExternalDocument {
  key: string;
  value: StaticValue;
  read: boolean;
  entries: string[];
}

export function externalDocument(key: string, value: StaticValue): ExternalDocument {
  return { key, value, read: false, entries: [] };
}

/**
 * `node` evaluated with `doc` bound as above. `missingKey` is set when it failed on a key or index the data
 * lacks: at run time, a KeyError or IndexError.
 */
export function evaluateWithDocument(
  model: HarnessModel,
  module: HarnessModule,
  node: HarnessExpr,
  doc: ExternalDocument,
): ValueResult & { missingKey?: true } {
  const ev = new Evaluator(model);
  const fn = innermost(module, node.range);
  return ev.run(() => ev.eval(node, { module, ...(fn ? { fn } : {}), params: new Map(), doc }));
}

/** A module constant of any static shape: `WARM_DOMAINS`, `WARM_CANONICAL`, `READY_PROBE`, … */
export function moduleConstant(
  model: HarnessModel,
  module: HarnessModule | string,
  name: string,
): ValueResult {
  const ev = new Evaluator(model);
  return ev.run(() => {
    const mod = typeof module === "string" ? findModule(model, module) : module;
    if (!mod) throw new NotStatic(`no harness module ${String(module)}`);
    return ev.eval({ kind: "name", name, range: { start: 0, end: 0 } }, { module: mod, params: new Map() });
  });
}

function asString(result: ValueResult): EvalResult {
  if ("unknown" in result) return result;
  if (result.value.kind !== "str")
    return { unknown: `evaluates to ${show(result.value)}, not a string`, trace: result.trace };
  return { value: result.value.value, trace: result.trace };
}

function innermost(module: HarnessModule, r: Range): HarnessFunction | undefined {
  let best: HarnessFunction | undefined;
  for (const fn of module.functions) {
    if (fn.bodyRange.start <= r.start && r.end <= fn.bodyRange.end) {
      if (!best || (best.range.start <= fn.range.start && fn.range.end <= best.range.end)) best = fn;
    }
  }
  return best;
}

/** A key or index the data lacks: at run time, a KeyError or IndexError. */
class MissingKey extends NotStatic {}

/** An environment read without a default: `a or "d"` / `a ?? "d"` then take the default. */
class EnvironmentRead extends NotStatic {}

interface Frame {
  module: HarnessModule;
  fn?: HarnessFunction;
  params: Map<string, StaticValue>;
  /** Only in the frame it was bound in: a called harness function reads no document. */
  doc?: ExternalDocument & { keyValue?: StaticValue };
}

class Evaluator {
  private readonly trace: TraceStep[] = [];
  /** Functions being called, innermost last: recursion and the depth bound. */
  private readonly stack: string[] = [];
  /** Constants being evaluated: a constant defined through itself is not static. */
  private readonly pending: string[] = [];
  /** Constants already evaluated: their trace steps appear once. */
  private readonly constants = new Map<string, StaticValue>();

  constructor(private readonly model: HarnessModel) {}

  run(body: () => StaticValue): ValueResult & { missingKey?: true } {
    try {
      return { value: body(), trace: this.trace };
    } catch (e) {
      if (e instanceof MissingKey) return { unknown: e.message, trace: this.trace, missingKey: true };
      if (e instanceof NotStatic) return { unknown: e.message, trace: this.trace };
      if (e instanceof RangeError)
        return { unknown: "expression nested too deeply to evaluate", trace: this.trace };
      throw e;
    }
  }

  private step(
    kind: TraceStep["kind"],
    name: string,
    module: HarnessModule,
    range: Range,
    note: string,
  ): TraceStep {
    const line = module.source.lines.position(range.start).line;
    const s: TraceStep = { kind, name, file: module.source.path, range, line, note };
    this.trace.push(s);
    return s;
  }

  callFunction(
    module: HarnessModule,
    fn: HarnessFunction,
    args: StaticValue[],
    kwargs: Map<string, StaticValue>,
  ): StaticValue {
    if (this.stack.includes(fn.qualifiedName)) throw new NotStatic(`${fn.qualifiedName} is recursive`);
    if (this.stack.length >= MAX_CALL_DEPTH) {
      throw new NotStatic(`call chain deeper than ${MAX_CALL_DEPTH} at ${fn.qualifiedName}`);
    }
    const shown = args.map(show).concat([...kwargs].map(([k, v]) => `${k}=${show(v)}`));
    const entry = this.step(
      "function",
      fn.qualifiedName,
      module,
      fn.nameRange,
      `${fn.name}(${shown.join(", ")})`,
    );
    this.stack.push(fn.qualifiedName);
    try {
      const params = this.bind(module, fn, args, kwargs);
      const frame: Frame = { module, fn, params };
      for (const ret of fn.returns) {
        if (!this.guardsHold(ret.guards, frame)) continue;
        const value: StaticValue = ret.value ? this.eval(ret.value, frame) : { kind: "none" };
        entry.range = ret.range;
        entry.line = module.source.lines.position(ret.range.start).line;
        entry.note += ` returns ${show(value)}`;
        return value;
      }
      throw new NotStatic(`no return statement of ${fn.qualifiedName} applies`);
    } finally {
      this.stack.pop();
    }
  }

  private bind(
    module: HarnessModule,
    fn: HarnessFunction,
    args: StaticValue[],
    kwargs: Map<string, StaticValue>,
  ): Map<string, StaticValue> {
    const params = new Map<string, StaticValue>();
    const positional = fn.params.filter((p) => !p.rest && !(fn.className && p.name === "self"));
    positional.forEach((p, i) => {
      const given = args[i] ?? kwargs.get(p.name);
      if (given) params.set(p.name, given);
      else if (p.default) {
        const value = this.eval(p.default, { module, params: new Map() });
        this.step("parameter", p.name, module, p.range, `default ${show(value)}`);
        params.set(p.name, value);
      }
    });
    return params;
  }

  /** True when every guard holds; false when one statically fails; throws when one is not static. */
  private guardsHold(guards: HarnessGuard[], frame: Frame): boolean {
    for (const g of guards) {
      if (g.kind === "opaque") throw new NotStatic(g.reason);
      const condition = truthy(this.eval(g.test, frame));
      const text = frame.module.source.text.slice(g.test.range.start, g.test.range.end);
      this.step("condition", text, frame.module, g.test.range, condition ? "holds" : "does not hold");
      if (condition !== g.holds) return false;
    }
    return true;
  }

  eval(expr: HarnessExpr, frame: Frame): StaticValue {
    switch (expr.kind) {
      case "string":
        return { kind: "str", value: expr.value };
      case "number":
        return { kind: "num", value: expr.value };
      case "bool":
        return { kind: "bool", value: expr.value };
      case "none":
        return { kind: "none" };
      case "template":
        return {
          kind: "str",
          value: expr.parts
            .map((p) =>
              p.kind === "text"
                ? p.value
                : formatValue(this.eval(p.expr, frame), p.conversion, p.formatSpec, lang(frame)),
            )
            .join(""),
        };
      case "name":
        return this.name(expr.name, expr.range, frame);
      case "attribute":
        return this.attribute(expr, frame);
      case "subscript": {
        const base = dottedName(expr.object);
        if (base === "os.environ" || base === "process.env") {
          const key = this.eval(expr.index, frame);
          throw this.envRead(key.kind === "str" ? key.value : show(key), frame, expr.range);
        }
        const index = this.eval(expr.index, frame);
        const doc = frame.doc;
        if (
          doc &&
          index.kind === "str" &&
          index.value === doc.key &&
          this.isDocumentRoot(expr.object, frame)
        ) {
          doc.read = true;
          doc.keyValue = this.subscript(doc.value, index, expr, frame);
          return doc.keyValue;
        }
        const object = this.eval(expr.object, frame);
        if (doc && object === doc.keyValue && index.kind === "str" && !doc.entries.includes(index.value)) {
          doc.entries.push(index.value);
        }
        return this.subscript(object, index, expr, frame);
      }
      case "call":
        return this.call(expr.call, frame);
      case "binary":
        return this.binary(expr.op, expr.left, expr.right, frame);
      case "unary": {
        const v = this.eval(expr.operand, frame);
        if (expr.op === "not") return { kind: "bool", value: !truthy(v) };
        if (v.kind !== "num") throw new NotStatic(`unary ${expr.op} on ${show(v)}`);
        return { kind: "num", value: expr.op === "-" ? -v.value : v.value };
      }
      case "conditional":
        return truthy(this.eval(expr.test, frame))
          ? this.eval(expr.then, frame)
          : this.eval(expr.else, frame);
      case "dict":
        return {
          kind: "dict",
          entries: expr.entries.map((e) => [this.eval(e.key, frame), this.eval(e.value, frame)]),
        };
      case "list":
      case "tuple":
      case "set":
        return { kind: expr.kind, items: expr.items.map((i) => this.eval(i, frame)) };
      case "other":
        throw new NotStatic(
          `${expr.syntax} at ${where(frame.module, expr.range)} is not evaluated statically`,
        );
    }
  }

  /** Parameters, then locals assigned before the use, then module constants and imports. */
  private name(name: string, at: Range, frame: Frame): StaticValue {
    const param = frame.params.get(name);
    if (param) return param;
    if (frame.fn) {
      if (frame.fn.params.some((p) => p.name === name)) {
        throw new NotStatic(`parameter ${name} of ${frame.fn.qualifiedName} has no static value here`);
      }
      const assigned = frame.fn.locals.filter((l) => l.name === name);
      const before = assigned.filter((l) => l.range.end <= at.start).reverse();
      for (const local of before) {
        if (!this.guardsHold(local.guards, frame)) continue;
        const value = this.eval(local.value, frame);
        this.step("local", name, frame.module, local.range, show(value));
        return value;
      }
      if (assigned.length)
        throw new NotStatic(
          `local ${name} has no assignment that surely runs before ${where(frame.module, at)}`,
        );
    }
    return this.global(name, frame.module, at);
  }

  private global(dotted: string, module: HarnessModule, at: Range): StaticValue {
    const binding = resolveDotted(this.model, module, dotted);
    if (!binding) throw new NotStatic(`${dotted} at ${where(module, at)} is not a harness constant`);
    if (binding.kind !== "constant") throw new NotStatic(`${dotted} is a ${binding.kind}, not a value`);
    const qualified = `${binding.module.name}.${binding.constant.name}`;
    const known = this.constants.get(qualified);
    if (known) return known;
    if (this.pending.includes(qualified)) throw new NotStatic(`${qualified} is defined in terms of itself`);
    this.pending.push(qualified);
    try {
      const s = this.step("constant", qualified, binding.module, binding.constant.range, "");
      const value = this.eval(binding.constant.value, { module: binding.module, params: new Map() });
      s.note = show(value);
      this.constants.set(qualified, value);
      return value;
    } finally {
      this.pending.pop();
    }
  }

  private attribute(expr: Extract<HarnessExpr, { kind: "attribute" }>, frame: Frame): StaticValue {
    const dotted = dottedName(expr);
    if (dotted !== undefined) {
      const envName = environmentName(dotted);
      if (envName) throw this.envRead(envName, frame, expr.range);
      const head = dotted.split(".")[0]!;
      const shadowed = isLocalName(frame, head);
      if (!shadowed) return this.global(dotted, frame.module, expr.range);
    }
    throw new NotStatic(`attribute ${expr.name} at ${where(frame.module, expr.range)} is not static`);
  }

  /** A call, a parameter (a pytest fixture), or a local holding one: what a test loads a document with. */
  private isDocumentRoot(e: HarnessExpr, frame: Frame): boolean {
    if (e.kind === "call") return true;
    if (e.kind !== "name" || !frame.fn) return false;
    const local = frame.fn.locals
      .filter((l) => l.name === e.name && l.range.end <= e.range.start && l.guards.length === 0)
      .pop();
    if (local) return this.isDocumentRoot(local.value, frame);
    return !frame.params.has(e.name) && frame.fn.params.some((p) => p.name === e.name);
  }

  private envRead(name: string, frame: Frame, r: Range): EnvironmentRead {
    this.step("environment", name, frame.module, r, "read at run time; unset during analysis");
    return new EnvironmentRead(`environment variable ${name} is only known at run time`);
  }

  private subscript(object: StaticValue, index: StaticValue, expr: HarnessExpr, frame: Frame): StaticValue {
    if (object.kind === "dict") {
      const hit = object.entries.find(([k]) => equal(k, index));
      if (!hit) throw new MissingKey(`key ${show(index)} missing at ${where(frame.module, expr.range)}`);
      return hit[1];
    }
    if ((object.kind === "list" || object.kind === "tuple") && index.kind === "num") {
      const item = object.items.at(index.value);
      if (item) return item;
      throw new MissingKey(`index ${index.value} out of range at ${where(frame.module, expr.range)}`);
    }
    if (object.kind === "str" && index.kind === "num") {
      const ch = object.value.at(index.value);
      if (ch !== undefined) return { kind: "str", value: ch };
      throw new MissingKey(`index ${index.value} out of range at ${where(frame.module, expr.range)}`);
    }
    throw new NotStatic(`cannot index ${show(object)} with ${show(index)}`);
  }

  private binary(op: string, leftExpr: HarnessExpr, rightExpr: HarnessExpr, frame: Frame): StaticValue {
    if (op === "or" || op === "??") {
      let left: StaticValue;
      try {
        left = this.eval(leftExpr, frame);
      } catch (e) {
        // An unset environment variable falls through to the default, as at run time.
        if (e instanceof EnvironmentRead) return this.eval(rightExpr, frame);
        throw e;
      }
      const useRight = op === "or" ? !truthy(left) : left.kind === "none";
      return useRight ? this.eval(rightExpr, frame) : left;
    }
    const left = this.eval(leftExpr, frame);
    if (op === "and") return truthy(left) ? this.eval(rightExpr, frame) : left;
    const right = this.eval(rightExpr, frame);
    switch (op) {
      case "+":
        if (left.kind === "str" && right.kind === "str")
          return { kind: "str", value: left.value + right.value };
        if (left.kind === "num" && right.kind === "num")
          return { kind: "num", value: left.value + right.value };
        if (lang(frame) === "typescript" && (left.kind === "str" || right.kind === "str")) {
          return {
            kind: "str",
            value:
              formatValue(left, undefined, undefined, "typescript") +
              formatValue(right, undefined, undefined, "typescript"),
          };
        }
        if (left.kind === "list" && right.kind === "list")
          return { kind: "list", items: [...left.items, ...right.items] };
        break;
      case "%":
        if (left.kind === "str") return { kind: "str", value: percentFormat(left.value, right) };
        if (left.kind === "num" && right.kind === "num" && right.value !== 0) {
          return { kind: "num", value: ((left.value % right.value) + right.value) % right.value };
        }
        break;
      case "==":
        return { kind: "bool", value: equal(left, right) };
      case "!=":
        return { kind: "bool", value: !equal(left, right) };
      case "is":
      case "is not":
        if (left.kind === "none" || right.kind === "none" || left.kind === "bool") {
          return { kind: "bool", value: equal(left, right) === (op === "is") };
        }
        break;
      case "in":
      case "not in":
        return { kind: "bool", value: contains(right, left) === (op === "in") };
      case "<":
      case "<=":
      case ">":
      case ">=":
        if (left.kind === right.kind && (left.kind === "num" || left.kind === "str")) {
          const a = left.value as number | string;
          const b = (right as { value: number | string }).value;
          const value = op === "<" ? a < b : op === "<=" ? a <= b : op === ">" ? a > b : a >= b;
          return { kind: "bool", value };
        }
        break;
    }
    throw new NotStatic(`${show(left)} ${op} ${show(right)} is not evaluated statically`);
  }

  private call(call: HarnessCall, frame: Frame): StaticValue {
    const dotted = dottedName(call.calleeExpr);
    const env = dotted ? environmentCall(dotted) : false;
    if (env) {
      const [nameArg, defaultArg] = call.args;
      const name = nameArg ? this.eval(nameArg.value, frame) : undefined;
      const shownName = name?.kind === "str" ? name.value : "?";
      const fallback = defaultArg ?? call.kwargs.find((k) => k.name === "default");
      if (!fallback) throw this.envRead(shownName, frame, call.range);
      const value = this.eval(fallback.value, frame);
      this.step(
        "environment",
        shownName,
        frame.module,
        call.range,
        `unset during analysis; default ${show(value)}`,
      );
      return value;
    }
    const args = call.args.map((a) => {
      if (a.spread) throw new NotStatic(`spread argument at ${where(frame.module, a.range)}`);
      return this.eval(a.value, frame);
    });
    const kwargs = new Map(call.kwargs.map((k) => [k.name, this.eval(k.value, frame)] as const));
    const target = this.callee(call, frame);
    if (target) return this.callFunction(target.module, target.fn, args, kwargs);
    if (call.calleeExpr.kind === "attribute") {
      return callMethod(this.eval(call.calleeExpr.object, frame), call.calleeExpr.name, args, kwargs);
    }
    if (
      call.calleeExpr.kind === "name" &&
      (call.calleeExpr.name === "str" || call.calleeExpr.name === "String")
    ) {
      const [v] = args;
      return { kind: "str", value: v ? formatValue(v, undefined, undefined, lang(frame)) : "" };
    }
    throw new NotStatic(
      `call to ${call.callee} at ${where(frame.module, call.range)} is not a harness function`,
    );
  }

  private callee(
    call: HarnessCall,
    frame: Frame,
  ): { module: HarnessModule; fn: HarnessFunction } | undefined {
    const binding = resolveCallee(this.model, frame.module, frame.fn, call);
    return binding?.kind === "function" ? { module: binding.module, fn: binding.fn } : undefined;
  }
}

/** `os.environ.get` / `os.getenv` / `environ.get` / `getenv`. */
function environmentCall(dotted: string): boolean {
  return /^(os\.)?(environ\.get|getenv)$/.test(dotted);
}

/** `process.env.X` → `X`. */
function environmentName(dotted: string): string | undefined {
  const m = /^process\.env\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(dotted);
  return m?.[1];
}

/** A parameter or local of the function being evaluated hides a module-level name. */
function isLocalName(frame: Frame, name: string): boolean {
  if (frame.params.has(name)) return true;
  return (
    !!frame.fn &&
    (frame.fn.params.some((p) => p.name === name) || frame.fn.locals.some((l) => l.name === name))
  );
}

function lang(frame: Frame): HarnessLanguage {
  return frame.module.language;
}

function where(module: HarnessModule, r: Range): string {
  const p = module.source.lines.position(r.start);
  return `${module.source.path}:${p.line}:${p.column}`;
}
