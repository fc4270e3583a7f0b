/**
 * Text-edit helpers for harness sources (Python and TypeScript alike): where a statement ends, how a
 * block is indented, how to add an import. Every helper returns a splice of the original text; no
 * harness file is ever reprinted.
 */
import { dirname, relative } from "node:path";
import type { HarnessModel, HarnessModule } from "../../harness/model.js";
import type { ReplaceEdit } from "../../core/edit.js";
import { replace } from "../../core/edit.js";

/** Offset just past the newline that ends the statement starting on the line of `offset`
 * (brackets opened on that line are followed to their close, as in a parenthesised import). */
export function statementEnd(text: string, offset: number, comment: "#" | "//"): number {
  let i = text.lastIndexOf("\n", Math.max(0, offset - 1)) + 1;
  let depth = 0;
  let quote: string | null = null;
  for (; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === "\\") i++;
      else if (ch === quote) quote = null;
      continue;
    }
    if (ch === '"' || ch === "'" || ch === "`") quote = ch;
    else if (text.startsWith(comment, i)) {
      const nl = text.indexOf("\n", i);
      if (nl === -1) return text.length;
      i = nl - 1;
    } else if ("([{".includes(ch)) depth++;
    else if (")]}".includes(ch)) depth--;
    else if (ch === "\n" && depth <= 0) return i + 1;
  }
  return text.length;
}

export function commentOf(module: HarnessModule): "#" | "//" {
  return module.language === "python" ? "#" : "//";
}

/** One indentation step deeper than `indent`, in the file's own unit (a tab, or four spaces). */
export function deeper(indent: string): string {
  return indent + (indent.startsWith("\t") ? "\t" : "    ");
}

/** The offset a new import statement goes at: after the module's last import statement. */
export function importPoint(module: HarnessModule): number {
  const text = module.source.text;
  const last = [...module.imports].sort((a, b) => a.range.start - b.range.start).pop();
  if (last) return statementEnd(text, last.range.end, commentOf(module));
  // No import yet: before the first definition, which comes after any docstring or header comment.
  const firsts = [
    ...module.constants.map((c) => c.range.start),
    ...module.functions.map((f) => f.range.start),
  ];
  if (firsts.length === 0) return text.length;
  const first = Math.min(...firsts);
  return module.source.lines.lineStart(module.source.lines.position(first).line);
}

/**
 * How `module` refers to `symbol` of harness module `target`: the name it already binds to it, or the
 * module alias it binds plus the symbol; else an import to add and the bare name.
 */
export function referenceTo(
  model: HarnessModel,
  module: HarnessModule,
  target: HarnessModule,
  symbol: string,
): { expr: string; edit?: ReplaceEdit } {
  if (module === target) return { expr: symbol };
  for (const imp of module.imports) {
    if (imp.module === target.name && imp.symbol === symbol) return { expr: imp.alias };
  }
  for (const imp of module.imports) {
    const bound = imp.symbol === undefined ? imp.module : `${imp.module}.${imp.symbol}`;
    if (bound === target.name && model.modules.includes(target)) return { expr: `${imp.alias}.${symbol}` };
  }
  const joined = joinImport(module, target, symbol);
  if (joined) return { expr: symbol, edit: joined };
  const at = importPoint(module);
  const text =
    module.language === "python"
      ? `from ${pythonModuleRef(module, target)} import ${symbol}\n`
      : `import { ${symbol} } from ${JSON.stringify(typescriptModuleRef(module, target))};\n`;
  return { expr: symbol, edit: replace(module.source.absPath, { start: at, end: at }, text) };
}

/**
 * Adds the name to an existing single-line import from the same module (`from .warm import A` →
 * `from .warm import A, B`; `import { A } from "./warm.js"` → `import { A, B } …`) rather than a
 * second import of it.
 */
function joinImport(module: HarnessModule, target: HarnessModule, symbol: string): ReplaceEdit | undefined {
  const text = module.source.text;
  for (const imp of module.imports) {
    if (imp.module !== target.name || imp.symbol === undefined) continue;
    const line = module.source.lines.position(imp.range.start).line;
    const lineText = module.source.lines.lineText(line);
    const start = module.source.lines.lineStart(line);
    if (module.language === "python") {
      const m = /^from\s+\S+\s+import\s+[^()#\\;]+?\s*$/.exec(lineText);
      if (!m) continue;
      const end = start + lineText.replace(/\s+$/, "").length;
      return replace(module.source.absPath, { start: end, end }, `, ${symbol}`);
    }
    const m = /^import\s*\{([^}]*)\}\s*from\s*["'][^"']+["'];?\s*$/.exec(lineText);
    if (!m) continue;
    const close = start + lineText.indexOf("}");
    const before = text.slice(start, close).replace(/\s+$/, "");
    const at = start + before.length;
    return replace(
      module.source.absPath,
      { start: at, end: at },
      `${before.endsWith(",") ? "" : ","} ${symbol}`,
    );
  }
  return undefined;
}

/** `.warm` when both modules share a package (the harness's own relative style), else the dotted name. */
function pythonModuleRef(from: HarnessModule, target: HarnessModule): string {
  const pkg = (name: string) => name.slice(0, Math.max(0, name.lastIndexOf(".")));
  const relativeStyle = from.imports.some((i) => i.internal) || pkg(from.name) === pkg(target.name);
  if (pkg(from.name) === pkg(target.name) && relativeStyle)
    return `.${target.name.slice(pkg(target.name).length + 1)}`;
  return target.name;
}

/** `./warm.js` from `runner/harness/canonical.ts` to `runner/harness/warm.ts` (NodeNext spelling). */
function typescriptModuleRef(from: HarnessModule, target: HarnessModule): string {
  let rel = relative(dirname(from.source.path), target.source.path).split("\\").join("/");
  rel = rel.replace(/\.([cm]?)ts$/, ".$1js").replace(/\.tsx$/, ".js");
  return rel.startsWith(".") ? rel : `./${rel}`;
}

/** A Python string literal (double-quoted, escaped). */
export function pythonString(s: string): string {
  return JSON.stringify(s);
}

/** Literal text inside a Python f-string. */
export function fStringText(s: string): string {
  return s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\{/g, "{{").replace(/\}/g, "}}");
}

/** Literal text inside a TypeScript template literal. */
export function templateText(s: string): string {
  return s.replace(/\\/g, "\\\\").replace(/`/g, "\\`").replace(/\$\{/g, "\\${");
}
