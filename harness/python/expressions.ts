import type { Node } from "web-tree-sitter";
import { literalString } from "../facts.js";
import type {
  HarnessArgument,
  HarnessCall,
  HarnessExpr,
  HarnessKeywordArgument,
  TemplatePart,
} from "../model.js";
import { decodeContent, parseNumber, parsePrefix } from "./strings.js";

export function range(node: Node): { start: number; end: number } {
  return { start: node.startIndex, end: node.endIndex };
}

/** Named children without comments, which tree-sitter places anywhere. */
export function named(node: Node): Node[] {
  return node.namedChildren.filter((c): c is Node => c !== null && c.type !== "comment");
}

/** Turns tree-sitter-python expressions into `HarnessExpr`, one `HarnessCall` per call node. */
export class PythonExpressions {
  private readonly memo = new Map<string, HarnessCall>();

  calls(): HarnessCall[] {
    return [...this.memo.values()];
  }

  /** One `HarnessCall` per call node, shared by the expression tree and the module's call list. */
  callFor(node: Node): HarnessCall {
    const key = `${node.startIndex}:${node.endIndex}`;
    const known = this.memo.get(key);
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
    this.memo.set(key, call);
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
