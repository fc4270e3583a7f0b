import { Node, Project, SyntaxKind, ts } from "ts-morph";
import type { ImportDeclaration, ParameterDeclaration } from "ts-morph";
import type { SourceFile as MorphFile } from "ts-morph";
import type { SourceFile } from "../../core/source.js";
import { byStart, comparisonOf, crashed } from "../facts.js";
import { TsExpressions, binary, range, unwrap } from "./expressions.js";
import type {
  HarnessAssertion,
  HarnessCall,
  HarnessConstant,
  HarnessExpr,
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

export interface ModuleAnalysis {
  /** Absent when the file could not be walked at all. */
  module?: HarnessModule;
  problems: HarnessProblem[];
}

/**
 * Parses the harness's TypeScript and JavaScript files in one in-memory project: only syntax is
 * needed, so no lib files or node_modules types are loaded and nothing is type-checked.
 */
export function analyzeTypeScript(files: { source: SourceFile; moduleName: string }[]): ModuleAnalysis[] {
  const project = new Project({
    useInMemoryFileSystem: true,
    compilerOptions: { allowJs: true, noLib: true, target: ts.ScriptTarget.ES2022, noResolve: true },
  });
  // The compiler's parser recurses per nesting level: a pathological file overflows the stack
  // and must become a problem for that file alone.
  const morphs = files.map((f): { morph: MorphFile } | { failure: unknown } => {
    try {
      return { morph: project.createSourceFile(`/${f.source.path}`, f.source.text, { overwrite: true }) };
    } catch (failure) {
      return { failure };
    }
  });
  const program = project.getProgram();
  return files.map((f, i): ModuleAnalysis => {
    const created = morphs[i]!;
    if ("failure" in created) return { problems: [crashed(f.source, created.failure)] };
    const morph = created.morph;
    try {
      const problems = program.getSyntacticDiagnostics(morph).map((d): HarnessProblem => {
        const start = d.getStart() ?? 0;
        const message = ts.flattenDiagnosticMessageText(d.compilerObject.messageText, "\n");
        return {
          file: f.source.path,
          range: { start, end: start + (d.getLength() ?? 0) },
          position: f.source.lines.position(start),
          message: `syntax error: ${message}`,
        };
      });
      return { module: new TsModuleWalker(f.source, f.moduleName, morph).walk(), problems };
    } catch (e) {
      return { problems: [crashed(f.source, e)] };
    }
  });
}

interface FunctionScope {
  qualifiedName: string;
  returns: HarnessReturn[];
  locals: HarnessLocal[];
}

const TEST_CALLS = new Set(["test", "it"]);
const SUITE_CALLS = new Set(["describe", "suite"]);
const EQUALITY = new Set([
  "equal",
  "strictEqual",
  "deepEqual",
  "deepStrictEqual",
  "is",
  "toBe",
  "toEqual",
  "toStrictEqual",
]);
const INEQUALITY = new Set([
  "notEqual",
  "notStrictEqual",
  "notDeepEqual",
  "notDeepStrictEqual",
  "not",
  "unreachable",
]);

class TsModuleWalker {
  private readonly imports: HarnessImport[] = [];
  private readonly constants: HarnessConstant[] = [];
  private readonly functions: HarnessFunction[] = [];
  private readonly x = new TsExpressions();
  private readonly tests: HarnessTest[] = [];
  private readonly assertions: HarnessAssertion[] = [];
  private readonly isTestFile: boolean;

  constructor(
    private readonly source: SourceFile,
    private readonly moduleName: string,
    private readonly morph: MorphFile,
  ) {
    const base = source.path.slice(source.path.lastIndexOf("/") + 1);
    this.isTestFile = /^test_.*\.[cm]?[jt]s$/.test(base) || /[._](test|spec)\.[cm]?[jt]s$/.test(base);
  }

  walk(): HarnessModule {
    for (const stmt of this.morph.getStatements()) this.topLevel(stmt);
    this.morph.forEachDescendant((node) => {
      if (Node.isCallExpression(node)) {
        const call = this.x.callFor(node);
        this.maybeAssertion(node, call);
        this.maybeTest(node);
      }
    });
    return {
      source: this.source,
      language: "typescript",
      name: this.moduleName,
      imports: this.imports.sort(byStart),
      constants: this.constants.sort(byStart),
      functions: this.functions.sort(byStart),
      calls: this.x.calls().sort(byStart),
      tests: this.tests.sort(byStart),
      assertions: this.assertions.sort(byStart),
      connects: [],
    };
  }

  private topLevel(stmt: Node): void {
    if (Node.isImportDeclaration(stmt)) return this.addImport(stmt);
    if (Node.isFunctionDeclaration(stmt)) {
      const name = stmt.getName();
      if (name) this.addFunction(stmt, name, stmt.getNameNode() ?? stmt, undefined, undefined);
      return;
    }
    if (Node.isClassDeclaration(stmt)) {
      const className = stmt.getName() ?? "default";
      for (const m of stmt.getMethods())
        this.addFunction(m, m.getName(), m.getNameNode(), className, undefined);
      return;
    }
    if (Node.isVariableStatement(stmt)) {
      for (const decl of stmt.getDeclarations()) {
        const nameNode = decl.getNameNode();
        const init = decl.getInitializer();
        if (!Node.isIdentifier(nameNode) || !init) continue;
        const fn = unwrap(init);
        if (Node.isArrowFunction(fn) || Node.isFunctionExpression(fn)) {
          this.addFunction(fn, nameNode.getText(), nameNode, undefined, undefined, decl);
        } else {
          this.constants.push({
            name: nameNode.getText(),
            range: range(stmt),
            nameRange: range(nameNode),
            value: this.x.expr(init),
          });
        }
      }
    }
  }

  private addImport(decl: ImportDeclaration): void {
    const module = this.resolveSpecifier(decl.getModuleSpecifierValue());
    const namespace = decl.getNamespaceImport();
    if (namespace)
      this.imports.push({ range: range(namespace), alias: namespace.getText(), module, internal: false });
    const def = decl.getDefaultImport();
    if (def)
      this.imports.push({
        range: range(def),
        alias: def.getText(),
        module,
        symbol: "default",
        internal: false,
      });
    for (const spec of decl.getNamedImports()) {
      const alias = spec.getAliasNode()?.getText() ?? spec.getName();
      this.imports.push({ range: range(spec), alias, module, symbol: spec.getName(), internal: false });
    }
  }

  /** `./warm.js` from `runner/harness/canonical.ts` → `runner.harness.warm`; packages stay as written. */
  private resolveSpecifier(spec: string): string {
    if (!spec.startsWith(".")) return spec;
    const dir = this.source.path.split("/").slice(0, -1);
    for (const seg of spec.replace(/\.[cm]?[jt]s$/, "").split("/")) {
      if (seg === "..") dir.pop();
      else if (seg !== "." && seg !== "") dir.push(seg);
    }
    if (dir[dir.length - 1] === "index") dir.pop();
    return dir.join(".");
  }

  private addFunction(
    fn: Node,
    name: string,
    nameNode: Node,
    className: string | undefined,
    outer: FunctionScope | undefined,
    declaration?: Node,
    qualifiedName?: string,
  ): void {
    if (!hasBody(fn)) return;
    const owner = outer?.qualifiedName ?? (className ? `${this.moduleName}.${className}` : this.moduleName);
    const scope: FunctionScope = {
      qualifiedName: qualifiedName ?? `${owner}.${name}`,
      returns: [],
      locals: [],
    };
    const body = fn.getBody();
    if (!body) return;
    if (Node.isBlock(body)) this.walkStatements(body.getStatements(), [], scope);
    else scope.returns.push({ range: range(body), value: this.x.expr(body), guards: [] });
    const whole = declaration?.getParent()?.getParent() ?? fn;
    this.functions.push({
      name,
      qualifiedName: scope.qualifiedName,
      ...(className ? { className } : {}),
      range: range(Node.isVariableStatement(whole) ? whole : fn),
      nameRange: range(nameNode),
      bodyRange: range(body),
      params: fn.getParameters().map((p): HarnessParameter => {
        const init = p.getInitializer();
        return {
          name: p.getNameNode().getText(),
          range: range(p),
          ...(init ? { default: this.x.expr(init) } : {}),
          ...(p.isRestParameter() ? { rest: "positional" as const } : {}),
        };
      }),
      returns: scope.returns,
      locals: scope.locals,
      async: fn.getModifiers().some((m) => m.getKind() === SyntaxKind.AsyncKeyword),
    });
    if (this.isTestFile && !outer && !className && /^test/.test(name)) {
      this.tests.push({
        nodeId: `${this.source.path}::${name}`,
        name,
        range: range(fn),
        function: scope.qualifiedName,
      });
    }
  }

  private walkStatements(stmts: Node[], guards: HarnessGuard[], scope: FunctionScope): void {
    for (const s of stmts) this.walkStatement(s, guards, scope);
  }

  private walkStatement(stmt: Node, guards: HarnessGuard[], scope: FunctionScope): void {
    if (Node.isBlock(stmt)) return this.walkStatements(stmt.getStatements(), guards, scope);
    if (Node.isReturnStatement(stmt)) {
      const e = stmt.getExpression();
      scope.returns.push({
        range: range(stmt),
        ...(e ? { value: this.x.expr(e) } : {}),
        guards: [...guards],
      });
      return;
    }
    if (Node.isIfStatement(stmt)) {
      const test = this.x.expr(stmt.getExpression());
      this.walkStatement(stmt.getThenStatement(), [...guards, { kind: "if", test, holds: true }], scope);
      const otherwise = stmt.getElseStatement();
      if (otherwise) this.walkStatement(otherwise, [...guards, { kind: "if", test, holds: false }], scope);
      return;
    }
    if (Node.isVariableStatement(stmt)) {
      for (const decl of stmt.getDeclarations()) {
        const nameNode = decl.getNameNode();
        const init = decl.getInitializer();
        if (!Node.isIdentifier(nameNode) || !init) continue;
        const f = unwrap(init);
        if (Node.isArrowFunction(f) || Node.isFunctionExpression(f)) {
          this.addFunction(f, nameNode.getText(), nameNode, undefined, scope, decl);
        } else {
          scope.locals.push({
            name: nameNode.getText(),
            range: range(decl),
            value: this.x.expr(init),
            guards: [...guards],
          });
        }
      }
      return;
    }
    if (Node.isFunctionDeclaration(stmt)) {
      const name = stmt.getName();
      if (name) this.addFunction(stmt, name, stmt.getNameNode() ?? stmt, undefined, scope);
      return;
    }
    if (Node.isExpressionStatement(stmt)) {
      const e = stmt.getExpression();
      if (Node.isBinaryExpression(e) && Node.isIdentifier(e.getLeft())) {
        const kind = e.getOperatorToken().getKind();
        const name = e.getLeft().getText();
        if (kind === SyntaxKind.EqualsToken) {
          scope.locals.push({
            name,
            range: range(stmt),
            value: this.x.expr(e.getRight()),
            guards: [...guards],
          });
        } else if (kind === SyntaxKind.PlusEqualsToken) {
          const value: HarnessExpr = {
            kind: "binary",
            range: range(e),
            op: "+",
            left: this.x.expr(e.getLeft()),
            right: this.x.expr(e.getRight()),
          };
          scope.locals.push({ name, range: range(stmt), value, guards: [...guards] });
        }
      }
      return;
    }
    if (Node.isTryStatement(stmt)) {
      this.walkStatement(stmt.getTryBlock(), guards, scope);
      const handler = stmt.getCatchClause();
      if (handler) {
        const opaque: HarnessGuard = {
          kind: "opaque",
          reason: "a catch block runs only when an exception is thrown",
          range: range(handler),
        };
        this.walkStatement(handler.getBlock(), [...guards, opaque], scope);
      }
      const fin = stmt.getFinallyBlock();
      if (fin) this.walkStatement(fin, guards, scope);
      return;
    }
    const loop =
      Node.isForStatement(stmt) ||
      Node.isForOfStatement(stmt) ||
      Node.isForInStatement(stmt) ||
      Node.isWhileStatement(stmt) ||
      Node.isDoStatement(stmt);
    if (loop || Node.isSwitchStatement(stmt)) {
      const reason = loop ? "a loop body may run any number of times" : "switch cases are not followed";
      const inner: HarnessGuard[] = [...guards, { kind: "opaque", reason, range: range(stmt) }];
      stmt.forEachChild((child) => {
        if (Node.isStatement(child)) this.walkStatement(child, inner, scope);
        if (Node.isCaseBlock(child)) {
          for (const clause of child.getClauses()) this.walkStatements(clause.getStatements(), inner, scope);
        }
      });
    }
  }

  /** `assert(x)`, `assert.ok(x)`, `assert.equal(a, b)`, `expect(a).toBe(b)` and their negations. */
  private maybeAssertion(node: Node, call: HarnessCall): void {
    if (!Node.isCallExpression(node)) return;
    const callee = call.callee;
    const method = callee.slice(callee.lastIndexOf(".") + 1);
    const [first, second] = call.args;
    let test: HarnessExpr | undefined;
    let message: HarnessExpr | undefined;
    const expectCall = /^expect\(/.test(callee);
    if (expectCall) {
      const target = node.getExpression();
      const inner = Node.isPropertyAccessExpression(target) ? target.getExpression() : undefined;
      const actualNode = Node.isCallExpression(inner) ? inner.getArguments()[0] : undefined;
      if (!actualNode || !first) return;
      const actual = this.x.expr(actualNode);
      if (EQUALITY.has(method)) test = binary("==", actual, first.value, call.range);
      else if (method === "toContain") test = binary("in", first.value, actual, call.range);
      else return;
    } else if (callee === "assert" || callee === "assert.ok" || callee === "assert.strict") {
      if (!first) return;
      test = first.value;
      message = second?.value;
    } else if (/^assert\./.test(callee) && first && second) {
      if (EQUALITY.has(method)) test = binary("==", first.value, second.value, call.range);
      else if (INEQUALITY.has(method)) test = binary("!=", first.value, second.value, call.range);
      else return;
      message = call.args[2]?.value;
    } else return;
    const comparison = comparisonOf(test);
    this.assertions.push({
      range: call.range,
      text: this.source.text.slice(call.range.start, call.range.end),
      test,
      ...(message ? { message } : {}),
      ...(comparison ? { comparison } : {}),
    });
  }

  /** `test("name", fn)` inside `describe("suite", …)` → `path::suite::name`. */
  private maybeTest(node: Node): void {
    if (!this.isTestFile || !Node.isCallExpression(node)) return;
    const callee = node.getExpression().getText();
    const name = stringArg(node);
    if (!TEST_CALLS.has(callee) || name === undefined) return;
    const suites: string[] = [];
    for (let p = node.getParent(); p; p = p.getParent()) {
      if (Node.isCallExpression(p) && SUITE_CALLS.has(p.getExpression().getText())) {
        const suite = stringArg(p);
        if (suite !== undefined) suites.unshift(suite);
      }
    }
    // The callback is the test's function: recorded so its locals and calls have an owner.
    // `::` in its qualified name marks a name that is not an identifier.
    const callback = node.getArguments().find((a) => Node.isArrowFunction(a) || Node.isFunctionExpression(a));
    const qualifiedName = `${this.moduleName}::${[...suites, name].join("::")}`;
    if (callback)
      this.addFunction(
        callback,
        name,
        node.getArguments()[0]!,
        undefined,
        undefined,
        undefined,
        qualifiedName,
      );
    this.tests.push({
      nodeId: [this.source.path, ...suites, name].join("::"),
      name,
      ...(suites.length ? { className: suites.join(".") } : {}),
      range: range(node),
      ...(callback ? { function: qualifiedName } : {}),
    });
  }
}

function stringArg(call: Node): string | undefined {
  if (!Node.isCallExpression(call)) return undefined;
  const first = call.getArguments()[0];
  if (first && (Node.isStringLiteral(first) || Node.isNoSubstitutionTemplateLiteral(first))) {
    return first.getLiteralValue();
  }
  return undefined;
}

function hasBody(node: Node): node is Node & {
  getBody(): Node | undefined;
  getParameters(): ParameterDeclaration[];
  getModifiers(): Node[];
} {
  return (
    Node.isFunctionDeclaration(node) ||
    Node.isArrowFunction(node) ||
    Node.isFunctionExpression(node) ||
    Node.isMethodDeclaration(node)
  );
}
