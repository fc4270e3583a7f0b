import { Node, SyntaxKind } from "ts-morph";
import { literalString } from "../facts.js";
import type {
  HarnessArgument,
  HarnessCall,
  HarnessExpr,
  HarnessKeywordArgument,
  TemplatePart,
} from "../model.js";

type Range = { start: number; end: number };

/** Offsets without leading trivia: a fact starts at its first token, as in the Python adapter. */
export function range(node: Node): Range {
  return { start: node.getStart(), end: node.getEnd() };
}

const BINARY_OPS: Partial<Record<SyntaxKind, string>> = {
  [SyntaxKind.PlusToken]: "+",
  [SyntaxKind.MinusToken]: "-",
  [SyntaxKind.AsteriskToken]: "*",
  [SyntaxKind.SlashToken]: "/",
  [SyntaxKind.PercentToken]: "%",
  [SyntaxKind.EqualsEqualsToken]: "==",
  [SyntaxKind.EqualsEqualsEqualsToken]: "==",
  [SyntaxKind.ExclamationEqualsToken]: "!=",
  [SyntaxKind.ExclamationEqualsEqualsToken]: "!=",
  [SyntaxKind.LessThanToken]: "<",
  [SyntaxKind.LessThanEqualsToken]: "<=",
  [SyntaxKind.GreaterThanToken]: ">",
  [SyntaxKind.GreaterThanEqualsToken]: ">=",
  [SyntaxKind.AmpersandAmpersandToken]: "and",
  [SyntaxKind.BarBarToken]: "or",
  [SyntaxKind.QuestionQuestionToken]: "??",
  [SyntaxKind.InKeyword]: "in",
};

/** Turns TypeScript expressions into `HarnessExpr`, one `HarnessCall` per call node. */
export class TsExpressions {
  private readonly memo = new Map<string, HarnessCall>();

  calls(): HarnessCall[] {
    return [...this.memo.values()];
  }

  callFor(node: Node): HarnessCall {
    const key = `${node.getStart()}:${node.getEnd()}`;
    const known = this.memo.get(key);
    if (known || !Node.isCallExpression(node)) return known!;
    const args: HarnessArgument[] = [];
    const kwargs: HarnessKeywordArgument[] = [];
    for (const a of node.getArguments()) {
      if (Node.isSpreadElement(a)) {
        args.push({ ...this.argument(a, a.getExpression()), spread: "positional" });
        continue;
      }
      args.push(this.argument(a, a));
      const obj = unwrap(a);
      if (!Node.isObjectLiteralExpression(obj)) continue;
      for (const prop of obj.getProperties()) {
        if (Node.isPropertyAssignment(prop)) {
          const nameNode = prop.getNameNode();
          const init = prop.getInitializer();
          if (!init || Node.isComputedPropertyName(nameNode)) continue;
          kwargs.push({
            name: propertyName(nameNode),
            nameRange: range(nameNode),
            ...this.argument(prop, init),
          });
        } else if (Node.isShorthandPropertyAssignment(prop)) {
          const nameNode = prop.getNameNode();
          kwargs.push({
            name: nameNode.getText(),
            nameRange: range(nameNode),
            ...this.argument(prop, nameNode),
          });
        }
      }
    }
    const callee = node.getExpression();
    const call: HarnessCall = {
      range: range(node),
      callee: callee.getText().replace(/\s+/g, ""),
      calleeExpr: this.expr(callee),
      args,
      kwargs,
    };
    this.memo.set(key, call);
    return call;
  }

  argument(whole: Node, valueNode: Node): HarnessArgument {
    const value = this.expr(valueNode);
    const str = literalString(value);
    return { range: range(whole), value, ...(str !== undefined ? { string: str } : {}) };
  }

  expr(node: Node): HarnessExpr {
    const r = range(node);
    const n = unwrap(node);
    if (Node.isStringLiteral(n) || Node.isNoSubstitutionTemplateLiteral(n)) {
      return { kind: "string", range: r, value: n.getLiteralValue() };
    }
    if (Node.isTemplateExpression(n)) {
      // Literal tokens carry the delimiters: "`a${", "}b${", "}c`". Text parts cover only the
      // characters between them and placeholders cover `${…}`, as `{…}` does in Python.
      const head = n.getHead();
      const parts: TemplatePart[] = [];
      const text = (lit: Node, value: string, closing: number): void => {
        const inner = { start: lit.getStart() + 1, end: lit.getEnd() - closing };
        if (value) parts.push({ kind: "text", range: inner, value });
      };
      text(head, head.compilerNode.text, 2);
      let open = head.getEnd() - 2;
      for (const span of n.getTemplateSpans()) {
        const lit = span.getLiteral();
        parts.push({
          kind: "value",
          range: { start: open, end: lit.getStart() + 1 },
          expr: this.expr(span.getExpression()),
        });
        const closing = Node.isTemplateTail(lit) ? 1 : 2;
        text(lit, lit.compilerNode.text, closing);
        open = lit.getEnd() - 2;
      }
      return { kind: "template", range: r, parts };
    }
    if (Node.isNumericLiteral(n)) return { kind: "number", range: r, value: n.getLiteralValue() };
    if (Node.isTrueLiteral(n) || Node.isFalseLiteral(n))
      return { kind: "bool", range: r, value: Node.isTrueLiteral(n) };
    if (Node.isNullLiteral(n)) return { kind: "none", range: r };
    if (Node.isIdentifier(n)) {
      return n.getText() === "undefined"
        ? { kind: "none", range: r }
        : { kind: "name", range: r, name: n.getText() };
    }
    if (Node.isPropertyAccessExpression(n)) {
      return { kind: "attribute", range: r, object: this.expr(n.getExpression()), name: n.getName() };
    }
    if (Node.isElementAccessExpression(n)) {
      const index = n.getArgumentExpression();
      if (index)
        return { kind: "subscript", range: r, object: this.expr(n.getExpression()), index: this.expr(index) };
    }
    if (Node.isCallExpression(n)) return { kind: "call", range: r, call: this.callFor(n) };
    if (Node.isBinaryExpression(n)) {
      const op = BINARY_OPS[n.getOperatorToken().getKind()];
      if (op) return binary(op, this.expr(n.getLeft()), this.expr(n.getRight()), r);
    }
    if (Node.isPrefixUnaryExpression(n)) {
      const op = n.getOperatorToken();
      const operand = this.expr(n.getOperand());
      if (op === SyntaxKind.ExclamationToken) return { kind: "unary", range: r, op: "not", operand };
      if (op === SyntaxKind.MinusToken) return { kind: "unary", range: r, op: "-", operand };
      if (op === SyntaxKind.PlusToken) return { kind: "unary", range: r, op: "+", operand };
    }
    if (Node.isConditionalExpression(n)) {
      return {
        kind: "conditional",
        range: r,
        test: this.expr(n.getCondition()),
        then: this.expr(n.getWhenTrue()),
        else: this.expr(n.getWhenFalse()),
      };
    }
    if (Node.isObjectLiteralExpression(n)) return this.objectLiteral(n, r);
    if (Node.isArrayLiteralExpression(n)) {
      const elements = n.getElements();
      if (!elements.some((e) => Node.isSpreadElement(e))) {
        return { kind: "list", range: r, items: elements.map((e) => this.expr(e)) };
      }
    }
    if (Node.isNewExpression(n) && n.getExpression().getText() === "Set") {
      const [arg] = n.getArguments();
      const items = arg ? this.expr(arg) : undefined;
      if (!arg) return { kind: "set", range: r, items: [] };
      if (items?.kind === "list") return { kind: "set", range: r, items: items.items };
    }
    return { kind: "other", range: r, syntax: n.getKindName() };
  }

  private objectLiteral(n: Node, r: Range): HarnessExpr {
    if (!Node.isObjectLiteralExpression(n)) return { kind: "other", range: r, syntax: n.getKindName() };
    const entries: { key: HarnessExpr; value: HarnessExpr }[] = [];
    for (const prop of n.getProperties()) {
      if (Node.isPropertyAssignment(prop)) {
        const nameNode = prop.getNameNode();
        const init = prop.getInitializer();
        if (!init) return { kind: "other", range: r, syntax: n.getKindName() };
        const key: HarnessExpr = Node.isComputedPropertyName(nameNode)
          ? this.expr(nameNode.getExpression())
          : { kind: "string", range: range(nameNode), value: propertyName(nameNode) };
        entries.push({ key, value: this.expr(init) });
      } else if (Node.isShorthandPropertyAssignment(prop)) {
        const nameNode = prop.getNameNode();
        entries.push({
          key: { kind: "string", range: range(nameNode), value: nameNode.getText() },
          value: this.expr(nameNode),
        });
      } else {
        return { kind: "other", range: r, syntax: n.getKindName() };
      }
    }
    return { kind: "dict", range: r, entries };
  }
}

export function binary(op: string, left: HarnessExpr, right: HarnessExpr, r: Range): HarnessExpr {
  return { kind: "binary", range: r, op, left, right };
}

/** Type-only wrappers change nothing about a value: `x as const`, `x satisfies T`, `x!`, `(x)`. */
export function unwrap(node: Node): Node {
  let n = node;
  while (
    Node.isAsExpression(n) ||
    Node.isSatisfiesExpression(n) ||
    Node.isNonNullExpression(n) ||
    Node.isParenthesizedExpression(n) ||
    Node.isTypeAssertion(n)
  ) {
    n = n.getExpression();
  }
  return n;
}

function propertyName(node: Node): string {
  if (Node.isStringLiteral(node) || Node.isNoSubstitutionTemplateLiteral(node)) return node.getLiteralValue();
  if (Node.isNumericLiteral(node)) return String(node.getLiteralValue());
  return node.getText();
}
