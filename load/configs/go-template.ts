import { LineIndex } from "../../core/source.js";
import { templateActionEnd } from "./upstream.js";

/**
 * Renders the Go template actions of a swarm config (`template_driver: golang`) with sample values, so
 * the result can be checked by the config's own validator (`caddy adapt`). It covers what recipes use:
 * `env`, `secret`, Docker's `.Service`/`.Node`/`.Task` fields, comparisons, `if`/`else if`/`else`/`end`,
 * pipes and comments. Anything else is an error at its position, never an exception.
 */

export interface TemplateSamples {
  /** Values for `{{ env "NAME" }}`; names not here get `defaultEnv`. */
  env?: Record<string, string>;
  defaultEnv?: string;
  /** Values for `{{ secret "name" }}`; names not here get `sample_secret_<name>`. */
  secrets?: Record<string, string>;
  /** Values for fields such as `.Service.Name`, keyed without the leading dot. */
  fields?: Record<string, string>;
}

export interface TemplateError {
  message: string;
  start: number;
  end: number;
  /** `error`: the template is wrong; `unsupported`: it may be right, but this renderer cannot evaluate it. */
  kind: "error" | "unsupported";
}

/** A stretch of output and where it came from: copied text maps byte for byte, an action to its start. */
export interface RenderSegment {
  outStart: number;
  length: number;
  srcStart: number;
  copied: boolean;
}

export interface RenderedTemplate {
  output: string;
  errors: TemplateError[];
  segments: RenderSegment[];
}

export const DEFAULT_ENV_SAMPLE = "stack_sample";

const DOCKER_FIELDS: Record<string, string> = {
  "Service.ID": "sample_service_id",
  "Service.Name": "stack_sample_app",
  "Node.ID": "sample_node_id",
  "Node.Hostname": "sample-node",
  "Node.Platform.OS": "linux",
  "Node.Platform.Architecture": "x86_64",
  "Task.ID": "sample_task_id",
  "Task.Name": "stack_sample_app.1.sample_task_id",
  "Task.Slot": "1",
};

type Value = string | number | boolean;

interface Action {
  start: number;
  end: number;
  body: string;
  trimLeft: boolean;
  trimRight: boolean;
}

type Node =
  | { kind: "text"; start: number; end: number }
  | { kind: "action"; action: Action }
  | { kind: "if"; action: Action; branches: { cond: Action | undefined; body: Node[] }[] };

class TemplateFailure extends Error {
  constructor(
    message: string,
    readonly unsupported = false,
  ) {
    super(message);
  }
}

/** Go's built-in functions that recipes rarely use and this renderer does not implement. */
const UNIMPLEMENTED_BUILTINS = ["index", "slice", "html", "js", "urlquery", "call"];

interface Lexeme {
  kind: "string" | "number" | "bool" | "ident" | "field" | "lparen" | "rparen" | "pipe" | "other";
  text: string;
  value?: Value;
}

function lexAction(body: string): Lexeme[] {
  const out: Lexeme[] = [];
  let i = 0;
  while (i < body.length) {
    const ch = body[i] ?? "";
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === '"') {
      let j = i + 1;
      while (j < body.length && body[j] !== '"') j += body[j] === "\\" ? 2 : 1;
      const lit = body.slice(i, j + 1);
      out.push({ kind: "string", text: lit, value: JSON.parse(lit.replace(/\\'/g, "'")) as string });
      i = j + 1;
    } else if (ch === "`") {
      const j = body.indexOf("`", i + 1);
      // An unterminated raw string (`{{ '`' }}`): an error, never a loop back to the start.
      if (j === -1) throw new Error("unterminated raw string");
      out.push({ kind: "string", text: body.slice(i, j + 1), value: body.slice(i + 1, j) });
      i = j + 1;
    } else if (ch === "(" || ch === ")" || ch === "|") {
      out.push({ kind: ch === "(" ? "lparen" : ch === ")" ? "rparen" : "pipe", text: ch });
      i++;
    } else {
      const m = /^[^\s()|"`]+/.exec(body.slice(i));
      const word = m?.[0] ?? ch;
      if (/^-?\d+(\.\d+)?$/.test(word)) out.push({ kind: "number", text: word, value: Number(word) });
      else if (word === "true" || word === "false")
        out.push({ kind: "bool", text: word, value: word === "true" });
      else if (/^(\.[A-Za-z_][A-Za-z0-9_]*)+$/.test(word)) out.push({ kind: "field", text: word });
      else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(word)) out.push({ kind: "ident", text: word });
      else out.push({ kind: "other", text: word });
      i += word.length;
    }
  }
  return out;
}

/** Go's truth: false, 0 and the empty string are false; every other value, "0" and "false" included, is true. */
function truthy(v: Value): boolean {
  return v !== false && v !== 0 && v !== "";
}

function show(v: Value): string {
  return typeof v === "string" ? v : String(v);
}

class Evaluator {
  constructor(private readonly samples: TemplateSamples) {}

  pipeline(lexemes: Lexeme[]): Value {
    const commands: Lexeme[][] = [[]];
    let depth = 0;
    for (const l of lexemes) {
      if (l.kind === "lparen") depth++;
      if (l.kind === "rparen") depth--;
      if (l.kind === "pipe" && depth === 0) commands.push([]);
      else commands.at(-1)?.push(l);
    }
    let piped: Value | undefined;
    for (const cmd of commands) {
      if (cmd.length === 0) throw new TemplateFailure("missing command in pipeline");
      piped = this.command(cmd, piped);
    }
    return piped as Value;
  }

  private command(lexemes: Lexeme[], piped: Value | undefined): Value {
    const variable = lexemes.find((l) => l.kind === "other" && l.text.startsWith("$"));
    if (variable) throw new TemplateFailure(`template variables are not supported: "${variable.text}"`, true);
    const args: Value[] = [];
    let i = 1;
    while (i < lexemes.length) {
      const [value, next] = this.operand(lexemes, i);
      args.push(value);
      i = next;
    }
    if (piped !== undefined) args.push(piped);
    const head = lexemes[0] as Lexeme;
    if (head.kind !== "ident") {
      if (args.length > 0) throw new TemplateFailure(`can't give arguments to non-function ${head.text}`);
      return this.operand(lexemes, 0)[0];
    }
    return this.call(head.text, args);
  }

  private operand(lexemes: Lexeme[], i: number): [Value, number] {
    const l = lexemes[i] as Lexeme;
    if (l.kind === "lparen") {
      let depth = 0;
      let j = i;
      for (; j < lexemes.length; j++) {
        if (lexemes[j]?.kind === "lparen") depth++;
        if (lexemes[j]?.kind === "rparen" && --depth === 0) break;
      }
      if (j >= lexemes.length) throw new TemplateFailure("unclosed left paren");
      return [this.pipeline(lexemes.slice(i + 1, j)), j + 1];
    }
    if (l.value !== undefined) return [l.value, i + 1];
    if (l.kind === "field") {
      const key = l.text.slice(1);
      const v = this.samples.fields?.[key] ?? DOCKER_FIELDS[key];
      if (v === undefined) throw new TemplateFailure(`no sample value for field ${l.text}`, true);
      return [v, i + 1];
    }
    if (l.kind === "ident") return [this.call(l.text, []), i + 1];
    throw new TemplateFailure(`unexpected "${l.text}" in operand`);
  }

  private call(name: string, args: Value[]): Value {
    const arity = (n: number): void => {
      if (args.length !== n)
        throw new TemplateFailure(`wrong number of args for ${name}: want ${n} got ${args.length}`);
    };
    switch (name) {
      case "env": {
        arity(1);
        const key = show(args[0] as Value);
        return this.samples.env?.[key] ?? this.samples.defaultEnv ?? DEFAULT_ENV_SAMPLE;
      }
      case "secret": {
        arity(1);
        const key = show(args[0] as Value);
        return this.samples.secrets?.[key] ?? `sample_secret_${key}`;
      }
      case "eq":
        if (args.length < 2) throw new TemplateFailure("missing argument for comparison");
        return args.slice(1).some((a) => a === args[0]);
      case "ne":
        arity(2);
        return args[0] !== args[1];
      case "lt":
      case "le":
      case "gt":
      case "ge": {
        arity(2);
        const [a, b] = args as [Value, Value];
        if (typeof a !== typeof b || typeof a === "boolean")
          throw new TemplateFailure(`incompatible types for comparison`);
        return name === "lt" ? a < b : name === "le" ? a <= b : name === "gt" ? a > b : a >= b;
      }
      case "not":
        arity(1);
        return !truthy(args[0] as Value);
      case "and":
      case "or": {
        if (args.length < 1) throw new TemplateFailure(`missing argument for ${name}`);
        for (const a of args.slice(0, -1)) if (truthy(a) === (name === "or")) return a;
        return args.at(-1) as Value;
      }
      case "len":
        arity(1);
        return show(args[0] as Value).length;
      case "print":
        return args.map(show).join("");
      case "println":
        return args.map(show).join(" ") + "\n";
      case "printf":
        if (args.length < 1) throw new TemplateFailure("missing format for printf");
        return printf(show(args[0] as Value), args.slice(1));
      default:
        if (UNIMPLEMENTED_BUILTINS.includes(name))
          throw new TemplateFailure(`unsupported function "${name}"`, true);
        throw new TemplateFailure(`function "${name}" not defined`);
    }
  }
}

function printf(format: string, args: Value[]): string {
  let k = 0;
  return format.replace(/%([%sdvq])/g, (_m, verb: string) => {
    if (verb === "%") return "%";
    const a = args[k++];
    if (a === undefined) return `%!${verb}(MISSING)`;
    return verb === "q" ? JSON.stringify(show(a)) : show(a);
  });
}

/** Lexes the template into text and actions, applying `{{-` / `-}}` trimming to the text between them. */
function lexTemplate(text: string, errors: TemplateError[]): { nodes: Node[]; actions: Action[] } {
  const actions: Action[] = [];
  let at = 0;
  while (at < text.length) {
    const open = text.indexOf("{{", at);
    if (open === -1) break;
    const end = templateActionEnd(text, open);
    if (end === -1) {
      errors.push({
        message: "unterminated template action '{{'",
        start: open,
        end: text.length,
        kind: "error",
      });
      break;
    }
    const inner = text.slice(open + 2, end - 2);
    const trimLeft = /^-[ \t\r\n]/.test(inner);
    const trimRight = /[ \t\r\n]-$/.test(inner);
    const body = inner.slice(trimLeft ? 1 : 0, trimRight ? -1 : undefined).trim();
    actions.push({ start: open, end, body, trimLeft, trimRight });
    at = end;
  }
  const nodes: Node[] = [];
  let prevEnd = 0;
  let trimNext = false;
  const pushText = (start: number, end: number, trimEnd: boolean): void => {
    let s = start;
    let e = end;
    if (trimNext) while (s < e && /\s/.test(text[s] ?? "")) s++;
    if (trimEnd) while (e > s && /\s/.test(text[e - 1] ?? "")) e--;
    if (e > s) nodes.push({ kind: "text", start: s, end: e });
  };
  for (const a of actions) {
    pushText(prevEnd, a.start, a.trimLeft);
    nodes.push({ kind: "action", action: a });
    trimNext = a.trimRight;
    prevEnd = a.end;
  }
  pushText(prevEnd, text.length, false);
  return { nodes, actions };
}

const keyword = (a: Action): string => /^[A-Za-z]+|^\/\*/.exec(a.body)?.[0] ?? "";

/** Actions that open a block closed by `{{end}}` but that this renderer does not evaluate. */
const UNSUPPORTED_BLOCKS = ["range", "with", "define", "block"];
const UNSUPPORTED_ACTIONS = ["template", "break", "continue"];

/**
 * Groups `if` … `else` … `end` into nodes. An unsupported block (`range`, `with`, …) is reported as
 * unsupported and its body left out, so its `{{end}}` still closes it.
 */
function structure(flat: Node[], errors: TemplateError[]): Node[] {
  const root: Node[] = [];
  const stack: { node?: Extract<Node, { kind: "if" }>; keyword: string; action: Action; body: Node[] }[] = [];
  const current = (): Node[] => stack.at(-1)?.body ?? root;
  for (const node of flat) {
    if (node.kind !== "action") {
      current().push(node);
      continue;
    }
    const a = node.action;
    const kw = keyword(a);
    if (kw === "/*") {
      if (!/\*\/$/.test(a.body)) errors.push(templateError("comment ends before closing delimiter", a));
      continue;
    }
    if (kw === "if") {
      const ifNode: Extract<Node, { kind: "if" }> = {
        kind: "if",
        action: a,
        branches: [{ cond: a, body: [] }],
      };
      current().push(ifNode);
      stack.push({ node: ifNode, keyword: kw, action: a, body: ifNode.branches[0]?.body ?? [] });
    } else if (kw === "else") {
      const top = stack.at(-1);
      if (!top) {
        errors.push(templateError("unexpected {{else}}", a));
        continue;
      }
      const branch = { cond: /^else\s+if\b/.test(a.body) ? a : undefined, body: [] as Node[] };
      top.node?.branches.push(branch);
      top.body = branch.body;
    } else if (kw === "end") {
      if (!stack.pop()) errors.push(templateError("unexpected {{end}}", a));
    } else if (UNSUPPORTED_BLOCKS.includes(kw)) {
      errors.push(templateError(`unsupported template action "${kw}"`, a, "unsupported"));
      stack.push({ keyword: kw, action: a, body: [] });
    } else if (UNSUPPORTED_ACTIONS.includes(kw)) {
      errors.push(templateError(`unsupported template action "${kw}"`, a, "unsupported"));
    } else {
      current().push(node);
    }
  }
  for (const open of stack)
    errors.push(templateError(`unexpected EOF: {{${open.keyword}}} has no {{end}}`, open.action));
  return root;
}

function templateError(message: string, a: Action, kind: TemplateError["kind"] = "error"): TemplateError {
  return { message, start: a.start, end: a.end, kind };
}

export function renderGoTemplate(text: string, samples: TemplateSamples = {}): RenderedTemplate {
  const errors: TemplateError[] = [];
  const { nodes } = lexTemplate(text, errors);
  const tree = structure(nodes, errors);
  const evaluator = new Evaluator(samples);
  let output = "";
  const segments: RenderSegment[] = [];
  const evaluate = (a: Action, source: string): Value | undefined => {
    try {
      return evaluator.pipeline(lexAction(source));
    } catch (e) {
      const unsupported = e instanceof TemplateFailure && e.unsupported;
      errors.push(
        templateError(e instanceof Error ? e.message : String(e), a, unsupported ? "unsupported" : "error"),
      );
      return undefined;
    }
  };
  const emit = (list: Node[]): void => {
    for (const node of list) {
      if (node.kind === "text") {
        segments.push({
          outStart: output.length,
          length: node.end - node.start,
          srcStart: node.start,
          copied: true,
        });
        output += text.slice(node.start, node.end);
      } else if (node.kind === "action") {
        const v = evaluate(node.action, node.action.body);
        if (v === undefined) continue;
        const s = show(v);
        segments.push({
          outStart: output.length,
          length: s.length,
          srcStart: node.action.start,
          copied: false,
        });
        output += s;
      } else {
        for (const branch of node.branches) {
          if (branch.cond) {
            const cond = branch.cond.body.replace(/^(else\s+)?if\b/, "");
            if (cond.trim() === "") {
              errors.push(templateError("missing value for if", branch.cond));
              break;
            }
            const v = evaluate(branch.cond, cond);
            if (v === undefined || !truthy(v)) continue;
          }
          emit(branch.body);
          break;
        }
      }
    }
  };
  emit(tree);
  errors.sort((a, b) => a.start - b.start);
  return { output, errors, segments };
}

/** The source offset an output offset came from (an action's output maps to the action's start). */
export function sourceOffset(rendered: RenderedTemplate, outOffset: number): number {
  let best: RenderSegment | undefined;
  for (const s of rendered.segments) {
    if (s.outStart > outOffset) break;
    best = s;
  }
  if (!best) return 0;
  return best.copied ? best.srcStart + Math.min(outOffset - best.outStart, best.length) : best.srcStart;
}

/** The 1-based source line of a 1-based line of the rendered output (caddy's errors name those). */
export function sourceLine(source: string, rendered: RenderedTemplate, outLine: number): number {
  const outLines = new LineIndex(rendered.output);
  return new LineIndex(source).position(sourceOffset(rendered, outLines.lineStart(outLine))).line;
}
