import { createRequire } from "node:module";
import { Language, Parser } from "web-tree-sitter";

let ready: Promise<Parser> | undefined;

/**
 * One parser for the whole process, created on first use: loading the wasm runtime and grammar
 * costs tens of milliseconds, and a harness without Python files should never pay it.
 */
export function pythonParser(): Promise<Parser> {
  ready ??= (async () => {
    await Parser.init();
    const wasm = createRequire(import.meta.url).resolve("tree-sitter-python/tree-sitter-python.wasm");
    const language = await Language.load(wasm);
    const parser = new Parser();
    parser.setLanguage(language);
    return parser;
  })();
  return ready;
}
