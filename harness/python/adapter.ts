import type { Node } from "web-tree-sitter";
import type { SourceFile } from "../../core/source.js";
import { byStart, comparisonOf, parentModule } from "../facts.js";
import type {
  HarnessAssertion,
  HarnessConstant,
  HarnessFunction,
  HarnessGuard,
  HarnessImport,
  HarnessLocal,
  HarnessModule,
  HarnessParameter,
  HarnessProblem,
  HarnessReturn,
  HarnessTest,
} from "../model.js";
import { pythonParser } from "./parser.js";
import { PythonExpressions, named, range } from "./expressions.js";

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
    walker.collectCalls(tree.rootNode);
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
  private readonly x = new PythonExpressions();
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

  /** Calls outside any fact walked so far (test bodies, decorators) still belong in the call list. */
  collectCalls(root: Node): void {
    for (const call of root.descendantsOfType("call")) if (call) this.x.callFor(call);
  }

  finish(): HarnessModule {
    return {
      ...emptyModule(this.source, this.moduleName),
      imports: this.imports.sort(byStart),
      constants: this.constants.sort(byStart),
      functions: this.functions.sort(byStart),
      calls: this.x.calls().sort(byStart),
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
            ...(value ? { value: this.x.expr(value) } : {}),
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
      const test = condition ? this.x.expr(condition) : undefined;
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
            out.push({ name: name.text, range: range(p), ...(value ? { default: this.x.expr(value) } : {}) });
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
    let value = this.x.expr(right);
    if (node.type === "augmented_assignment") {
      const op = node.childForFieldName("operator")?.text.replace(/=$/, "") ?? "";
      value = { kind: "binary", range: range(node), op, left: this.x.expr(left), right: value };
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
    const test = this.x.expr(testNode);
    const comparison = comparisonOf(test);
    this.assertions.push({
      range: range(stmt),
      text: stmt.text,
      test,
      ...(messageNode ? { message: this.x.expr(messageNode) } : {}),
      ...(comparison ? { comparison } : {}),
    });
  }
}

/** pytest collects `Test*` classes (each level of a nested path). */
function isTestClass(className: string): boolean {
  return className.split(".").every((c) => /^Test/.test(c));
}
