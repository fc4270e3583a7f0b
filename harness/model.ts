import type { Position, Range, SourceFile } from "../core/source.js";

/**
 * The language-independent picture of a CI harness. The Python and TypeScript adapters both produce
 * it, so rules and the evaluator never look at a parser's tree. Every fact carries a `range`: offsets
 * into its module's `source.text` (UTF-16 code units, like JS strings).
 */
export interface HarnessModel {
  /** Absolute path of the harness root. */
  root: string;
  /** Languages that have at least one file, sorted. */
  language: HarnessLanguage[];
  /** Sorted by `source.path`. */
  modules: HarnessModule[];
  /** Files that could not be read or parsed (RF001), sorted by file then offset. */
  problems: HarnessProblem[];
}

export type HarnessLanguage = "python" | "typescript";

/** A file that cannot be read or parsed; the rest of the harness is still analyzed. */
export interface HarnessProblem {
  /** Path relative to the harness root, forward slashes. */
  file: string;
  /** Offsets into the decoded text; `{0, 0}` when the file could not be decoded at all. */
  range: Range;
  /** Where the problem starts; for an undecodable file, computed on the bytes before it. */
  position: Position;
  message: string;
}

export interface HarnessModule {
  source: SourceFile;
  language: HarnessLanguage;
  /** Dotted name from the path: `runner/harness/canonical.py` → `runner.harness.canonical`. */
  name: string;
  imports: HarnessImport[];
  /** Module-level assignments in source order (dicts, sets, strings, flags alike). */
  constants: HarnessConstant[];
  /** Module-level functions and class methods, in source order. */
  functions: HarnessFunction[];
  /** Every call in the module, in source order. */
  calls: HarnessCall[];
  tests: HarnessTest[];
  assertions: HarnessAssertion[];
  connects: HarnessConnect[];
}

/** One name an import statement binds in the importing module. */
export interface HarnessImport {
  range: Range;
  /** The local name it binds (`w` in `from . import warm as w`). */
  alias: string;
  /** Absolute dotted module the name comes from (relative imports resolved). */
  module: string;
  /** The symbol imported from `module`; absent when the name binds the module itself. */
  symbol?: string;
  /** Whether `module` is a module of this harness (set when the whole harness is loaded). */
  internal: boolean;
}

export interface HarnessConstant {
  name: string;
  /** The whole assignment statement. */
  range: Range;
  nameRange: Range;
  value: HarnessExpr;
}

export interface HarnessParameter {
  name: string;
  range: Range;
  default?: HarnessExpr;
  /** `*args` / `...rest` and `**kwargs` collect the remaining arguments. */
  rest?: "positional" | "keyword";
}

/**
 * A condition under which a statement runs: an `if` test that must hold (or fail, for `else`
 * branches), or a construct the evaluator cannot follow statically (loops, `except` blocks).
 */
export type HarnessGuard =
  { kind: "if"; test: HarnessExpr; holds: boolean } | { kind: "opaque"; reason: string; range: Range };

export interface HarnessReturn {
  range: Range;
  /** Absent for a bare `return`. */
  value?: HarnessExpr;
  guards: HarnessGuard[];
}

/** An assignment to a local name inside a function body. */
export interface HarnessLocal {
  name: string;
  range: Range;
  value: HarnessExpr;
  guards: HarnessGuard[];
}

export interface HarnessFunction {
  name: string;
  /**
   * `<module>.<name>` or `<module>.<Class>.<name>`; a nested function adds to its owner's name.
   * A TypeScript test callback is `<module>::<suite>::<test name>` (its test's name).
   */
  qualifiedName: string;
  className?: string;
  /** The whole definition (decorators excluded). */
  range: Range;
  nameRange: Range;
  bodyRange: Range;
  params: HarnessParameter[];
  returns: HarnessReturn[];
  locals: HarnessLocal[];
  async: boolean;
}

export interface HarnessArgument {
  range: Range;
  value: HarnessExpr;
  /** The string when the argument is a literal string (no interpolation). */
  string?: string;
  /** `*xs` / `...xs` spread positionally; `**kw` spreads keywords. */
  spread?: "positional" | "keyword";
}

export interface HarnessKeywordArgument extends HarnessArgument {
  name: string;
  nameRange: Range;
}

export interface HarnessCall {
  range: Range;
  /** The callee as written, whitespace removed: `ops.exec_in`, `socket.create_connection`. */
  callee: string;
  calleeExpr: HarnessExpr;
  args: HarnessArgument[];
  /**
   * Python keyword arguments; in TypeScript, the properties of an object-literal argument
   * (`exec(ctx, { service: "app" })`), the idiom that stands for them there.
   */
  kwargs: HarnessKeywordArgument[];
  /** Qualified name of the harness function called, when the callee resolves to one. */
  resolved?: string;
  /** Qualified name of the function the call sits in. */
  enclosingFunction?: string;
  /** Node id of the test the call sits in. */
  testId?: string;
}

/** A test the harness's runner can select on its own. */
export interface HarnessTest {
  /** pytest node id relative to the harness root: `tests/mumble/custom/test_x.py::Class::test_y`. */
  nodeId: string;
  name: string;
  className?: string;
  range: Range;
  /** The function that implements it, when it is a named function of the module. */
  function?: string;
}

export interface HarnessComparison {
  /** Normalised operator: `==`, `!=`, `in`, `not in`, `is`, `is not`, `<`, … (`===` is `==`). */
  op: string;
  left: HarnessExpr;
  right: HarnessExpr;
}

export interface HarnessAssertion {
  range: Range;
  text: string;
  /** The asserted condition (for `assert.equal(a, b)`, the synthesized comparison). */
  test: HarnessExpr;
  message?: HarnessExpr;
  comparison?: HarnessComparison;
  enclosingFunction?: string;
  /** Node id of the test the assertion sits in. */
  testId?: string;
}

export type ConnectKind = "tcp" | "tls";

/** A socket opened by the harness: what a readiness gate must cover. */
export interface HarnessConnect {
  range: Range;
  kind: ConnectKind;
  callee: string;
  host?: HarnessExpr;
  port?: HarnessExpr;
  /** The port number when it is a literal or a constant the module defines. */
  portValue?: number;
  enclosingFunction?: string;
  /** Node id of the test that opens it. */
  testId?: string;
}

/**
 * Expressions in one shape for both languages. Anything the evaluator has no use for is `other`,
 * keeping its range so a rule can still quote it.
 */
export type HarnessExpr =
  | { kind: "string"; range: Range; value: string }
  | { kind: "template"; range: Range; parts: TemplatePart[] }
  | { kind: "number"; range: Range; value: number }
  | { kind: "bool"; range: Range; value: boolean }
  | { kind: "none"; range: Range }
  | { kind: "name"; range: Range; name: string }
  | { kind: "attribute"; range: Range; object: HarnessExpr; name: string }
  | { kind: "subscript"; range: Range; object: HarnessExpr; index: HarnessExpr }
  | { kind: "call"; range: Range; call: HarnessCall }
  | { kind: "binary"; range: Range; op: string; left: HarnessExpr; right: HarnessExpr }
  | { kind: "unary"; range: Range; op: "not" | "-" | "+"; operand: HarnessExpr }
  | { kind: "conditional"; range: Range; test: HarnessExpr; then: HarnessExpr; else: HarnessExpr }
  | { kind: "dict"; range: Range; entries: { key: HarnessExpr; value: HarnessExpr }[] }
  | { kind: "list" | "tuple" | "set"; range: Range; items: HarnessExpr[] }
  | { kind: "other"; range: Range; syntax: string };

export type TemplatePart =
  | { kind: "text"; range: Range; value: string }
  | { kind: "value"; range: Range; expr: HarnessExpr; conversion?: string; formatSpec?: string };

/** The text of a fact in its module. */
export function textOf(module: HarnessModule, range: Range): string {
  return module.source.text.slice(range.start, range.end);
}

export function findModule(model: HarnessModel, name: string): HarnessModule | undefined {
  return model.modules.find((m) => m.name === name);
}

export function findFunction(
  model: HarnessModel,
  qualifiedName: string,
): { module: HarnessModule; fn: HarnessFunction } | undefined {
  for (const module of model.modules) {
    const fn = module.functions.find((f) => f.qualifiedName === qualifiedName);
    if (fn) return { module, fn };
  }
  return undefined;
}

/** The last module-level binding of `name` wins, as at run time. */
export function findConstant(module: HarnessModule, name: string): HarnessConstant | undefined {
  let found: HarnessConstant | undefined;
  for (const c of module.constants) if (c.name === name) found = c;
  return found;
}

/** cc-ci keeps each recipe's tests and `recipe_meta` under `tests/<recipe>/`. */
export function recipeOfPath(path: string): string | undefined {
  const m = /^tests\/([^/]+)\/./.exec(path);
  return m?.[1];
}

/** The recipes the harness has test folders for, sorted. */
export function harnessRecipes(model: HarnessModel): string[] {
  const names = new Set<string>();
  for (const m of model.modules) {
    const r = recipeOfPath(m.source.path);
    if (r) names.add(r);
  }
  return [...names].sort();
}
