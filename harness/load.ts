import { readdirSync, existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { isReadFailure, readSource } from "../core/source.js";
import type { SourceFile } from "../core/source.js";
import { crashed } from "./facts.js";
import { linkHarness } from "./link.js";
import type { analyzePython as AnalyzePython } from "./python/adapter.js";
import type { HarnessLanguage, HarnessModel, HarnessModule, HarnessProblem } from "./model.js";

/** Folders that hold installed or generated code, never the harness's own sources. */
const SKIPPED_DIRS = new Set([
  "node_modules",
  ".git",
  "__pycache__",
  ".venv",
  "venv",
  ".tox",
  ".nox",
  ".mypy_cache",
  ".pytest_cache",
  ".ruff_cache",
  "site-packages",
]);

const PYTHON = /\.py$/;
const TYPESCRIPT = /\.(?:[cm]?ts|tsx|[cm]?js|jsx)$/;

interface Discovered {
  path: string;
  absPath: string;
  language: HarnessLanguage;
}

/**
 * Loads a harness: every Python and TypeScript/JavaScript file under `dir`. Each parser is imported
 * only when files of its language exist, so a Python harness never loads the TypeScript compiler.
 * Never throws for bad input files: they become `problems`.
 */
export async function loadHarness(dir: string): Promise<HarnessModel> {
  const root = resolve(dir);
  const files = discover(root);
  const problems: HarnessProblem[] = [];
  const modules: HarnessModule[] = [];
  const sources = { python: [] as SourceFile[], typescript: [] as SourceFile[] };
  for (const f of files) {
    const read = readSource(f.absPath, f.path, undefined, root);
    if (isReadFailure(read)) {
      problems.push({
        file: f.path,
        range: { start: 0, end: 0 },
        position: read.position,
        message: read.message,
      });
    } else sources[f.language].push(read);
  }
  const analyses = [
    ...(sources.python.length ? await analyzePythonFiles(sources.python) : []),
    ...(sources.typescript.length ? await analyzeTypeScriptFiles(sources.typescript) : []),
  ];
  for (const analysis of analyses) {
    if (analysis.module) modules.push(analysis.module);
    problems.push(...analysis.problems);
  }
  const model: HarnessModel = {
    root,
    language: [...new Set(files.map((f) => f.language))].sort(),
    modules: modules.sort((a, b) => compare(a.source.path, b.source.path)),
    problems: problems.sort((a, b) => compare(a.file, b.file) || a.range.start - b.range.start),
  };
  linkHarness(model);
  return model;
}

interface FileAnalysis {
  module?: HarnessModule;
  problems: HarnessProblem[];
}

async function analyzePythonFiles(sources: SourceFile[]): Promise<FileAnalysis[]> {
  let analyzePython: typeof AnalyzePython;
  try {
    ({ analyzePython } = await import("./python/adapter.js"));
  } catch (e) {
    return sources.map((source) => ({ problems: [crashed(source, e)] }));
  }
  const out: FileAnalysis[] = [];
  for (const source of sources) {
    const { name, isPackage } = moduleName(source.path);
    try {
      out.push(await analyzePython(source, name, isPackage));
    } catch (e) {
      out.push({ problems: [crashed(source, e)] });
    }
  }
  return out;
}

async function analyzeTypeScriptFiles(sources: SourceFile[]): Promise<FileAnalysis[]> {
  try {
    const { analyzeTypeScript } = await import("./typescript/adapter.js");
    return analyzeTypeScript(sources.map((source) => ({ source, moduleName: moduleName(source.path).name })));
  } catch (e) {
    return sources.map((source) => ({ problems: [crashed(source, e)] }));
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function discover(root: string): Discovered[] {
  const out: Discovered[] = [];
  const walk = (abs: string, rel: string): void => {
    let entries;
    try {
      entries = readdirSync(abs, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries.sort((a, b) => compare(a.name, b.name))) {
      const childAbs = join(abs, entry.name);
      const childRel = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        // A virtualenv can have any name; `pyvenv.cfg` marks it.
        if (!SKIPPED_DIRS.has(entry.name) && !existsSync(join(childAbs, "pyvenv.cfg")))
          walk(childAbs, childRel);
      } else if (entry.isFile()) {
        if (PYTHON.test(entry.name)) out.push({ path: childRel, absPath: childAbs, language: "python" });
        else if (TYPESCRIPT.test(entry.name) && !/\.d\.[cm]?ts$/.test(entry.name)) {
          out.push({ path: childRel, absPath: childAbs, language: "typescript" });
        }
      }
    }
  };
  walk(root, "");
  return out;
}

/** `runner/harness/warm.py` → `runner.harness.warm`; `pkg/__init__.py` and `pkg/index.ts` → `pkg`. */
export function moduleName(path: string): { name: string; isPackage: boolean } {
  const parts = path.replace(/\.[^./]+$/, "").split("/");
  const last = parts[parts.length - 1];
  const isPackage = last === "__init__" || last === "index";
  if (isPackage) parts.pop();
  return { name: parts.join("."), isPackage };
}
