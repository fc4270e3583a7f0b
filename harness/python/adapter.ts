import type { Node } from "web-tree-sitter";
import type { SourceFile } from "../../load/source.js";
import { byStart, comparisonOf, literalString, parentModule } from "../facts.js";
import type {
  HarnessArgument,
  HarnessAssertion,
  HarnessCall,
  HarnessConstant,
  HarnessExpr,
  HarnessFunction,
  HarnessGuard,
  HarnessImport,
  HarnessKeywordArgument,
  HarnessLocal,
  HarnessModule,
  HarnessParameter,
  HarnessProblem,
  HarnessReturn,
  HarnessTest,
  TemplatePart,
} from "../model.js";
import { pythonParser } from "./parser.js";
import { decodeContent, parseNumber, parsePrefix } from "./strings.js";

/** Enough syntax errors to locate the damage; a binary file would otherwise yield thousands. */
const MAX_PROBLEMS_PER_FILE = 20;

export interface ModuleAnalysis {
  module: HarnessModule;
  problems: HarnessProblem[];
}

/**
 * Facts of one Python file. web-tree-sitter reads a JS string as UTF-16, so its `startIndex` and
 * `endIndex` are already offsets into `source.text` (no UTF-8 byte conversion is needed).
 */
export async function analyzePython(
  source: SourceFile,
  moduleName: string,
  isPackage: boolean,
): Promise<ModuleAnalysis> {
  const parser = await pythonParser();
  const tree = parser.parse(source.text);
  if (!tree) {
    return {
      module: emptyModule(source, moduleName),
      problems: [problem(source, 0, 0, "the Python parser returned no tree")],
    };
  }
  try {
    const walker = new PythonModuleWalker(source, moduleName, isPackage);
    walker.walkBlock(tree.rootNode, [], undefined, undefined);
    for (const call of tree.rootNode.descendantsOfType("call")) if (call) walker.callFor(call);
    return { module: walker.finish(), problems: syntaxProblems(source, tree.rootNode) };
  } finally {
    tree.delete();
  }
}

function emptyModule(source: SourceFile, name: string): HarnessModule {
  return {
    source,
    language: "python",
    name,
    imports: [],
    constants: [],
    functions: [],
    calls: [],
    tests: [],
    assertions: [],
    connects: [],
  };
}

function problem(source: SourceFile, start: number, end: number, message: string): HarnessProblem {
  return { file: source.path, range: { start, end }, position: source.lines.position(start), message };
}

function syntaxProblems(source: SourceFile, root: Node): HarnessProblem[] {
  const found: HarnessProblem[] = [];
  if (!root.hasError) return found;
  const visit = (node: Node): void => {
    if (found.length > MAX_PROBLEMS_PER_FILE) return;
    if (node.isMissing) {
      found.push(problem(source, node.startIndex, node.endIndex, `syntax error: missing \`${node.type}\``));
      return;
    }
    if (node.isError) {
      const snippet = source.text.slice(node.startIndex, Math.min(node.endIndex, node.startIndex + 40));
      found.push(
        problem(
          source,
          node.startIndex,
          node.endIndex,
          `syntax error: cannot parse ${JSON.stringify(snippet)}`,
        ),
      );
      return;
    }
    if (node.hasError) for (const child of node.children) if (child) visit(child);
  };
  visit(root);
  if (found.length > MAX_PROBLEMS_PER_FILE) {
    found.length = MAX_PROBLEMS_PER_FILE;
    const last = found[found.length - 1]!;
    last.message += ` (further syntax errors in ${source.path} not listed)`;
  }
  return found;
}

function range(node: Node): { start: number; end: number } {
  return { start: node.startIndex, end: node.endIndex };
}

function named(node: Node): Node[] {
  return node.namedChildren.filter((c): c is Node => c !== null && c.type !== "comment");
}

/** Where returns and locals of the function being walked go. */
interface FunctionScope {
  qualifiedName: string;
  returns: HarnessReturn[];
  locals: HarnessLocal[];
}

const OPAQUE_BLOCKS: Record<string, string> = {
  for_statement: "a loop body may run any number of times",
  while_statement: "a loop body may run any number of times",
  except_clause: "an except block runs only when an exception is raised",
  except_group_clause: "an except block runs only when an exception is raised",
  match_statement: "match cases are not followed",
};

class PythonModuleWalker {
  private readonly imports: HarnessImport[] = [];
  private readonly constants: HarnessConstant[] = [];
  private readonly functions: HarnessFunction[] = [];
  private readonly calls = new Map<string, HarnessCall>();
  private readonly tests: HarnessTest[] = [];
  private readonly assertions: HarnessAssertion[] = [];
  private readonly isTestFile: boolean;

  constructor(
    private readonly source: SourceFile,
    private readonly moduleName: string,
    private readonly isPackage: boolean,
  ) {
    const base = source.path.slice(source.path.lastIndexOf("/") + 1);
    this.isTestFile = /^test_.*\.py$/.test(base) || /_test\.py$/.test(base);
  }

  finish(): HarnessModule {
    return {
      ...emptyModule(this.source, this.moduleName),
      imports: this.imports.sort(byStart),
      constants: this.constants.sort(byStart),
      functions: this.functions.sort(byStart),
      calls: [...this.calls.values()].sort(byStart),
      tests: this.tests.sort(byStart),
      assertions: this.assertions.sort(byStart),
    };
  }

  /**
   * Walks statements. `scope` is the function being walked (absent at module and class level);
   * `className` is the dotted class path when directly inside a class body.
   */
  walkBlock(
    block: Node,
    guards: HarnessGuard[],
    scope: FunctionScope | undefined,
    className: string | undefined,
  ) {
    for (const stmt of named(block)) this.walkStatement(stmt, guards, scope, className);
  }

  private walkStatement(
    stmt: Node,
    guards: HarnessGuard[],
    scope: FunctionScope | undefined,
    className: string | undefined,
  ): void {
    const atModuleLevel = scope === undefined && className === undefined && guards.length === 0;
    switch (stmt.type) {
      case "import_statement":
      case "import_from_statement":
        this.addImports(stmt);
        return;
      case "decorated_definition": {
        const def = stmt.childForFieldName("definition");
        if (def) this.walkStatement(def, guards, scope, className);
        return;
      }
      case "function_definition":
        this.addFunction(stmt, className, scope);
        return;
      case "class_definition": {
        const name = stmt.childForFieldName("name")?.text ?? "";
        const body = stmt.childForFieldName("body");
        const path = className ? `${className}.${name}` : name;
        if (body && scope === undefined) this.walkBlock(body, guards, undefined, path);
        return;
      }
      case "expression_statement":
        for (const child of named(stmt)) this.addAssignment(child, guards, scope, atModuleLevel);
        return;
      case "return_statement":
        if (scope) {
          const value = named(stmt)[0];
          scope.returns.push({
            range: range(stmt),
            ...(value ? { value: this.expr(value) } : {}),
            guards: [...guards],
          });
        }
        return;
      case "assert_statement":
        this.addAssertion(stmt);
        return;
      case "if_statement":
        this.walkIf(stmt, guards, scope, className);
        return;
      case "try_statement":
        for (const child of named(stmt)) {
          if (child.type === "block") this.walkBlock(child, guards, scope, className);
          else this.walkNested(child, guards, scope, className);
        }
        return;
      default:
        this.walkNested(stmt, guards, scope, className);
    }
  }

  /** Compound statements other than `if`: their blocks, guarded when they may not run exactly once. */
  private walkNested(
    stmt: Node,
    guards: HarnessGuard[],
    scope: FunctionScope | undefined,
    className: string | undefined,
  ): void {
    const reason = OPAQUE_BLOCKS[stmt.type];
    const inner: HarnessGuard[] = reason
      ? [...guards, { kind: "opaque", reason, range: range(stmt) }]
      : guards;
    for (const child of named(stmt)) {
      if (child.type === "block") this.walkBlock(child, inner, scope, className);
      else if (/_clause$/.test(child.type) || child.type === "case_clause") {
        this.walkNested(child, inner, scope, className);
      }
    }
  }

  private walkIf(
    stmt: Node,
    guards: HarnessGuard[],
    scope: FunctionScope | undefined,
    className: string | undefined,
  ): void {
    const failed: HarnessGuard[] = [];
    const branch = (condition: Node | null, body: Node | null): void => {
      if (!body) return;
      const test = condition ? this.expr(condition) : undefined;
      const here: HarnessGuard[] = [...guards, ...failed];
      if (test) here.push({ kind: "if", test, holds: true });
      this.walkBlock(body, here, scope, className);
      if (test) failed.push({ kind: "if", test, holds: false });
    };
    branch(stmt.childForFieldName("condition"), stmt.childForFieldName("consequence"));
    for (const alt of stmt.childrenForFieldName("alternative")) {
      if (!alt) continue;
      if (alt.type === "elif_clause") {
        branch(alt.childForFieldName("condition"), alt.childForFieldName("consequence"));
      } else branch(null, alt.childForFieldName("body"));
    }
  }

  private addImports(stmt: Node): void {
    const fromNode = stmt.childForFieldName("module_name");
    const from = fromNode ? this.absoluteModule(fromNode) : undefined;
    for (const nameNode of stmt.childrenForFieldName("name")) {
      if (!nameNode) continue;
      const dotted = nameNode.type === "aliased_import" ? nameNode.childForFieldName("name") : nameNode;
      const aliasNode = nameNode.type === "aliased_import" ? nameNode.childForFieldName("alias") : null;
      const target = dotted?.text ?? "";
      if (from === undefined) {
        // `import a.b.c` binds `a`, used as `a.b.c.x`: record the whole dotted path as the name.
        this.imports.push({
          range: range(nameNode),
          alias: aliasNode?.text ?? target,
          module: target,
          internal: false,
        });
      } else {
        this.imports.push({
          range: range(nameNode),
          alias: aliasNode?.text ?? target,
          module: from,
          symbol: target,
          internal: false,
        });
      }
    }
  }

  /** `from ..x import y` in `a.b.c` → `a.x`. */
  private absoluteModule(node: Node): string {
    if (node.type !== "relative_import") return node.text;
    const dots = node.namedChildren.find((c) => c?.type === "import_prefix")?.text.length ?? 0;
    const rest = node.namedChildren.find((c) => c?.type === "dotted_name")?.text;
    let base = this.isPackage ? this.moduleName : parentModule(this.moduleName);
    for (let i = 1; i < dots; i++) base = parentModule(base);
    return [base, rest].filter((s) => s).join(".");
  }

  private addFunction(def: Node, className: string | undefined, outer: FunctionScope | undefined): void {
    const nameNode = def.childForFieldName("name");
    const body = def.childForFieldName("body");
    if (!nameNode || !body) return;
    const name = nameNode.text;
    const owner = outer?.qualifiedName ?? (className ? `${this.moduleName}.${className}` : this.moduleName);
    const scope: FunctionScope = { qualifiedName: `${owner}.${name}`, returns: [], locals: [] };
    this.walkBlock(body, [], scope, undefined);
    const fn: HarnessFunction = {
      name,
      qualifiedName: scope.qualifiedName,
      ...(className ? { className } : {}),
      range: range(def),
      nameRange: range(nameNode),
      bodyRange: range(body),
      params: this.params(def.childForFieldName("parameters")),
      returns: scope.returns,
      locals: scope.locals,
      async: def.children.some((c) => c?.type === "async"),
    };
    this.functions.push(fn);
    if (this.isTestFile && !outer && /^test/.test(name) && (!className || isTestClass(className))) {
      this.tests.push({
        nodeId: [this.source.path, ...(className ? className.split(".") : []), name].join("::"),
        name,
        ...(className ? { className } : {}),
        range: range(def),
        function: fn.qualifiedName,
      });
    }
  }

  private params(list: Node | null): HarnessParameter[] {
    if (!list) return [];
    const out: HarnessParameter[] = [];
    for (const p of named(list)) {
      switch (p.type) {
        case "identifier":
          out.push({ name: p.text, range: range(p) });
          break;
        case "typed_parameter": {
          const id = named(p).find((c) => c.type === "identifier" || c.type.endsWith("splat_pattern"));
          if (id?.type === "identifier") out.push({ name: id.text, range: range(p) });
          else if (id) out.push(this.splatParam(id, p));
          break;
        }
        case "default_parameter":
        case "typed_default_parameter": {
          const name = p.childForFieldName("name");
          const value = p.childForFieldName("value");
          if (name)
            out.push({ name: name.text, range: range(p), ...(value ? { default: this.expr(value) } : {}) });
          break;
        }
        case "list_splat_pattern":
        case "dictionary_splat_pattern":
          out.push(this.splatParam(p, p));
          break;
      }
    }
    return out;
  }

  private splatParam(splat: Node, whole: Node): HarnessParameter {
    const name = named(splat)[0]?.text ?? "";
    const rest = splat.type === "dictionary_splat_pattern" ? "keyword" : "positional";
    return { name, range: range(whole), rest };
  }

  private addAssignment(
    node: Node,
    guards: HarnessGuard[],
    scope: FunctionScope | undefined,
    atModule: boolean,
  ) {
    if (node.type !== "assignment" && node.type !== "augmented_assignment") return;
    const left = node.childForFieldName("left");
    const right = node.childForFieldName("right");
    if (!left || !right || left.type !== "identifier") return;
    let value = this.expr(right);
    if (node.type === "augmented_assignment") {
      const op = node.childForFieldName("operator")?.text.replace(/=$/, "") ?? "";
      value = { kind: "binary", range: range(node), op, left: this.expr(left), right: value };
    }
    if (scope) {
      scope.locals.push({ name: left.text, range: range(node), value, guards: [...guards] });
    } else if (atModule) {
      this.constants.push({ name: left.text, range: range(node), nameRange: range(left), value });
    }
  }

  private addAssertion(stmt: Node): void {
    const [testNode, messageNode] = named(stmt);
    if (!testNode) return;
    const test = this.expr(testNode);
    const comparison = comparisonOf(test);
    this.assertions.push({
      range: range(stmt),
      text: stmt.text,
      test,
      ...(messageNode ? { message: this.expr(messageNode) } : {}),
      ...(comparison ? { comparison } : {}),
    });
  }

  /** One `HarnessCall` per call node, shared by the expression tree and the module's call list. */
  callFor(node: Node): HarnessCall {
    const key = `${node.startIndex}:${node.endIndex}`;
    const known = this.calls.get(key);
    if (known) return known;
    const fnNode = node.childForFieldName("function");
    const argsNode = node.childForFieldName("arguments");
    const args: HarnessArgument[] = [];
    const kwargs: HarnessKeywordArgument[] = [];
    const argNodes = argsNode?.type === "argument_list" ? named(argsNode) : argsNode ? [argsNode] : [];
    for (const a of argNodes) {
      if (a.type === "keyword_argument") {
        const nameNode = a.childForFieldName("name");
        const valueNode = a.childForFieldName("value");
        if (!nameNode || !valueNode) continue;
        kwargs.push({ name: nameNode.text, nameRange: range(nameNode), ...this.argument(a, valueNode) });
      } else if (a.type === "list_splat" || a.type === "dictionary_splat") {
        const inner = named(a)[0] ?? a;
        args.push({
          ...this.argument(a, inner),
          spread: a.type === "list_splat" ? "positional" : "keyword",
        });
      } else {
        args.push(this.argument(a, a));
      }
    }
    const calleeExpr: HarnessExpr = fnNode
      ? this.expr(fnNode)
      : { kind: "other", range: range(node), syntax: "call" };
    const call: HarnessCall = {
      range: range(node),
      callee: (fnNode?.text ?? "").replace(/\s+/g, ""),
      calleeExpr,
      args,
      kwargs,
    };
    this.calls.set(key, call);
    return call;
  }

  private argument(whole: Node, valueNode: Node): HarnessArgument {
    const value = this.expr(valueNode);
    const str = literalString(value);
    return { range: range(whole), value, ...(str !== undefined ? { string: str } : {}) };
  }

  expr(node: Node): HarnessExpr {
    const r = range(node);
    const kids = named(node);
    switch (node.type) {
      case "string":
        return this.stringExpr(node);
      case "concatenated_string":
        return this.joinStrings(
          kids.map((k) => this.stringExpr(k)),
          r,
        );
      case "integer":
      case "float": {
        const value = parseNumber(node.text);
        return value === undefined
          ? { kind: "other", range: r, syntax: node.type }
          : { kind: "number", range: r, value };
      }
      case "true":
      case "false":
        return { kind: "bool", range: r, value: node.type === "true" };
      case "none":
        return { kind: "none", range: r };
      case "identifier":
        return { kind: "name", range: r, name: node.text };
      case "attribute": {
        const object = node.childForFieldName("object");
        const attr = node.childForFieldName("attribute");
        if (!object || !attr) break;
        return { kind: "attribute", range: r, object: this.expr(object), name: attr.text };
      }
      case "subscript": {
        const value = node.childForFieldName("value");
        const index = node.childForFieldName("subscript");
        if (!value || !index) break;
        return { kind: "subscript", range: r, object: this.expr(value), index: this.expr(index) };
      }
      case "call":
        return { kind: "call", range: r, call: this.callFor(node) };
      case "binary_operator":
      case "boolean_operator": {
        const left = node.childForFieldName("left");
        const right = node.childForFieldName("right");
        const op = node.childForFieldName("operator")?.text;
        if (!left || !right || !op) break;
        return { kind: "binary", range: r, op, left: this.expr(left), right: this.expr(right) };
      }
      case "comparison_operator":
        return this.comparison(node);
      case "not_operator": {
        const arg = node.childForFieldName("argument");
        if (!arg) break;
        return { kind: "unary", range: r, op: "not", operand: this.expr(arg) };
      }
      case "unary_operator": {
        const arg = node.childForFieldName("argument");
        const op = node.childForFieldName("operator")?.text;
        if (!arg || (op !== "-" && op !== "+")) break;
        return { kind: "unary", range: r, op, operand: this.expr(arg) };
      }
      case "conditional_expression": {
        const [then, test, otherwise] = kids;
        if (!then || !test || !otherwise) break;
        return {
          kind: "conditional",
          range: r,
          test: this.expr(test),
          then: this.expr(then),
          else: this.expr(otherwise),
        };
      }
      case "parenthesized_expression":
        if (kids.length === 1) return this.expr(kids[0]!);
        break;
      case "dictionary": {
        if (kids.some((k) => k.type !== "pair")) break;
        const entries = kids.map((pair) => {
          const key = pair.childForFieldName("key");
          const value = pair.childForFieldName("value");
          return key && value ? { key: this.expr(key), value: this.expr(value) } : undefined;
        });
        if (entries.some((e) => e === undefined)) break;
        return { kind: "dict", range: r, entries: entries as { key: HarnessExpr; value: HarnessExpr }[] };
      }
      case "list":
      case "tuple":
      case "set":
      case "expression_list":
        return {
          kind: node.type === "expression_list" ? "tuple" : node.type,
          range: r,
          items: kids.map((k) => this.expr(k)),
        };
    }
    return { kind: "other", range: r, syntax: node.type };
  }

  /** `a < b < c` is `a < b and b < c`, as Python evaluates it. */
  private comparison(node: Node): HarnessExpr {
    const operands: Node[] = [];
    const ops: string[] = [];
    node.children.forEach((child, i) => {
      if (!child) return;
      if (node.fieldNameForChild(i) === "operators") ops.push(child.text.split(/\s+/).join(" "));
      else if (child.isNamed && child.type !== "comment") operands.push(child);
    });
    let result: HarnessExpr | undefined;
    for (let i = 0; i < ops.length; i++) {
      const left = operands[i];
      const right = operands[i + 1];
      if (!left || !right) return { kind: "other", range: range(node), syntax: node.type };
      const pair: HarnessExpr = {
        kind: "binary",
        range: { start: left.startIndex, end: right.endIndex },
        op: ops[i]!,
        left: this.expr(left),
        right: this.expr(right),
      };
      result = result
        ? {
            kind: "binary",
            range: { start: node.startIndex, end: right.endIndex },
            op: "and",
            left: result,
            right: pair,
          }
        : pair;
    }
    return result ?? { kind: "other", range: range(node), syntax: node.type };
  }

  private stringExpr(node: Node): HarnessExpr {
    const r = range(node);
    if (node.type !== "string") return { kind: "other", range: r, syntax: node.type };
    const start = node.children.find((c) => c?.type === "string_start");
    const prefix = parsePrefix(start?.text ?? '"');
    if (prefix.bytes) return { kind: "other", range: r, syntax: "bytes" };
    const parts: TemplatePart[] = [];
    for (const child of named(node)) {
      if (child.type === "string_content") {
        const value = decodeContent(child.text, prefix);
        if (value === undefined) return { kind: "other", range: r, syntax: "string" };
        parts.push({ kind: "text", range: range(child), value });
      } else if (child.type === "interpolation") {
        const e = child.childForFieldName("expression");
        if (!e) return { kind: "other", range: r, syntax: "string" };
        const conversion = child.childForFieldName("type_conversion")?.text.slice(1);
        const spec = child.childForFieldName("format_specifier")?.text.slice(1);
        parts.push({
          kind: "value",
          range: range(child),
          expr: this.expr(e),
          ...(conversion ? { conversion } : {}),
          ...(spec !== undefined ? { formatSpec: spec } : {}),
        });
      }
    }
    return prefix.format
      ? { kind: "template", range: r, parts }
      : this.joinStrings([{ kind: "template", range: r, parts }], r);
  }

  /** Adjacent literals concatenate; the result is a plain string when nothing is interpolated. */
  private joinStrings(pieces: HarnessExpr[], r: { start: number; end: number }): HarnessExpr {
    const parts: TemplatePart[] = [];
    for (const p of pieces) {
      if (p.kind === "string") parts.push({ kind: "text", range: p.range, value: p.value });
      else if (p.kind === "template") parts.push(...p.parts);
      else return { kind: "other", range: r, syntax: p.kind === "other" ? p.syntax : "string" };
    }
    if (parts.every((p) => p.kind === "text")) {
      return {
        kind: "string",
        range: r,
        value: parts.map((p) => (p.kind === "text" ? p.value : "")).join(""),
      };
    }
    return { kind: "template", range: r, parts };
  }
}

/** pytest collects `Test*` classes (each level of a nested path). */
function isTestClass(className: string): boolean {
  return className.split(".").every((c) => /^Test/.test(c));
}
