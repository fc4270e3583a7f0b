/**
 * The workspace's `caddy adapt` results, run once after loading (analyze awaits it; rules read
 * `FileReference.caddyAdapt` and never run a process themselves).
 *
 * Before caddy runs, every `import` of a Caddyfile config is checked: a snippet, or a plain relative
 * file inside the recipe (read through the safe reader and given to the adapt run). An absolute path,
 * `..`, a glob or a placeholder is a `bad-reference` load problem (RF002) and caddy does not run on
 * that file.
 */
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { isReadFailure, readSource } from "../core/source.js";
import {
  applyHostEdits,
  caddyAdapt,
  caddyAdaptTemplate,
  caddyImports,
  caddySnippets,
  configUpstreams,
  importPath,
  importRefusal,
  isBareServiceName,
  qualifiedName,
  qualifyHost,
  type CaddyAdaptOptions,
  type CaddyImport,
  type CaddyAdaptResult,
} from "./configs/index.js";
import type { FileReference, LoadProblem, Recipe, Workspace } from "./workspace.js";

/** Per-run bound on one recipe's caddy work: two adapt runs of at most this long each per Caddyfile. */
export const LOAD_ADAPT_TIMEOUT_MS = 5_000;
/** Imported files followed per Caddyfile, and the depth of imports of imports. */
const MAX_IMPORTED_FILES = 32;
const MAX_IMPORT_DEPTH = 8;

/**
 * Results of earlier runs, by what decides them (analyze's `--cache` keeps it across runs, keyed
 * also by the caddy binary): a key answered here runs no caddy. Only `passed` and `failed` are
 * stored: a skip (caddy missing, a timeout) says nothing about the next run.
 */
export interface AdaptStore {
  get(key: string): CaddyAdaptResult | undefined;
  set(key: string, result: CaddyAdaptResult): void;
}

/** Runs `caddy adapt` on the Caddyfile configs that have bare service-name upstreams; never throws. */
export async function adaptCaddyfiles(ws: Workspace, store?: AdaptStore): Promise<void> {
  const adapter = new CaddyAdapter(store);
  for (const recipe of ws.recipes) adapter.start(recipe);
  await adapter.done();
}

/**
 * The adapt runs of a workspace, started recipe by recipe as each is loaded (analyze overlaps them
 * with the loading of the rest and with the rules that do not read them) and run side by side, at
 * most one per core: each is a child process, and the loader's thread only waits on them.
 * The same text with the same inputs is adapted once per run, and not at all when `store` (analyze's
 * `--cache`) has its result from an earlier run.
 */
export class CaddyAdapter {
  private readonly cache = new Map<string, Promise<CaddyAdaptResult>>();
  private readonly pending: Promise<void>[] = [];
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly store?: AdaptStore,
    private readonly limit = Math.max(1, availableParallelism()),
  ) {}

  /**
   * Starts the adapt runs of one loaded recipe. What it decides without caddy (refused imports,
   * which are load problems on the recipe) is done before this returns, in the recipe's order.
   */
  start(recipe: Recipe): void {
    const samples = Object.fromEntries(
      (recipe.envSample?.variables ?? []).filter((v) => !v.commented).map((v) => [v.name, v.value]),
    );
    const done = new Set<string>();
    let services: Map<string, string> | null = null;
    for (const ref of recipe.fileRefs) {
      const src = ref.source;
      if (ref.kind !== "config" || !src || !/caddyfile/i.test(src.path)) continue;
      const files = importedFiles(recipe, ref, done);
      if (!files) {
        ref.caddyAdapt = {
          before: {
            status: "skipped",
            reason: "it imports a file redfix may not read; caddy adapt was not run",
          },
        };
        continue;
      }
      services ??= serviceNames(recipe);
      const names = services;
      const refs = (configUpstreams(src.path, src.text)?.refs ?? []).filter(
        (r) => !r.templated && isBareServiceName(r.host) && names.has(r.host),
      );
      if (refs.length === 0) continue;
      const templated = ref.entry.templateDriver === "golang";
      const opts: CaddyAdaptOptions = {
        env: samples,
        path: inRecipe(recipe, src.path),
        files,
        timeoutMs: LOAD_ADAPT_TIMEOUT_MS,
      };
      const run = (text: string, asTemplate: boolean): Promise<CaddyAdaptResult> => {
        const key = JSON.stringify([text, asTemplate, samples, opts.path, [...files]]);
        let p = this.cache.get(key);
        const known = p ? undefined : this.store?.get(key);
        if (known) {
          p = Promise.resolve(known);
          this.cache.set(key, p);
        }
        if (!p) {
          p = this.slot(() =>
            asTemplate
              ? caddyAdaptTemplate(text, { env: { STACK_NAME: "stack_sample", ...samples } }, opts).then(
                  ({ rendered: _r, ...rest }) => rest,
                )
              : caddyAdapt(text, opts),
          );
          const store = this.store;
          if (store)
            p = p.then((r) => {
              if (r.status !== "skipped") store.set(key, r);
              return r;
            });
          this.cache.set(key, p);
        }
        return p;
      };
      const adapting = (async () => {
        const before = await run(src.text, templated);
        const result: NonNullable<FileReference["caddyAdapt"]> = { before };
        if (before.status !== "failed") {
          try {
            const patched = applyHostEdits(
              src.text,
              refs.map((r) =>
                qualifyHost(src.text, r, qualifiedName(src.text, r.hostRange.start, names.get(r.host)!)),
              ),
            );
            result.qualified = await run(patched, true);
          } catch (e) {
            result.qualified = { status: "skipped", reason: (e as Error).message };
          }
        }
        ref.caddyAdapt = result;
      })();
      // Awaited in `done`; until then a failure must not be an unhandled rejection.
      adapting.catch(() => undefined);
      this.pending.push(adapting);
    }
  }

  /** Every run started so far has finished and its result is on its file reference. */
  async done(): Promise<void> {
    while (this.pending.length > 0) await Promise.all(this.pending.splice(0));
  }

  /** Runs `fn` when fewer than `limit` runs are under way. */
  private async slot<T>(fn: () => Promise<T>): Promise<T> {
    // A finished run hands its slot to the next waiting one, so `running` never passes `limit`.
    if (this.running >= this.limit) await new Promise<void>((go) => this.waiting.push(go));
    else this.running++;
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}

/** Service names and network aliases of a recipe → the service they name. */
function serviceNames(recipe: Recipe): Map<string, string> {
  const out = new Map<string, string>();
  for (const combo of recipe.combinations) {
    for (const svc of combo.services.values()) {
      out.set(svc.name, svc.name);
      for (const aliases of svc.networks.values())
        for (const a of aliases) if (!out.has(a)) out.set(a, svc.name);
    }
  }
  return out;
}

/**
 * The recipe files a Caddyfile imports (its own path included), or null when an import may not be
 * followed; each refused import is a load problem on the recipe (reported once per file and target).
 */
function importedFiles(
  recipe: Recipe,
  ref: FileReference,
  reported: Set<string>,
): Map<string, string> | null {
  const src = ref.source!;
  const own = inRecipe(recipe, src.path);
  const files = new Map<string, string>([[own, src.text]]);
  let ok = true;
  const problem = (path: string, imp: CaddyImport, why: string) => {
    ok = false;
    const key = `caddy-import:${path}:${imp.target}`;
    if (reported.has(key)) return;
    reported.add(key);
    const p: LoadProblem = {
      kind: "bad-reference",
      recipe: recipe.name,
      root: "recipes",
      file: inRoot(recipe, path),
      ...(path === own
        ? { source: src, range: { start: imp.offset, end: imp.offset + imp.target.length } }
        : { position: { line: imp.line, column: 1 } }),
      message: `${path}:${imp.line} imports ${JSON.stringify(imp.target).slice(0, 200)}, which ${why}; it was not read and caddy adapt was not run`,
      key,
    };
    recipe.problems.push(p);
  };
  /** Imports of a name that is neither a snippet of its file nor a file: maybe a snippet of another file. */
  const unresolved: { path: string; imp: CaddyImport; why: string }[] = [];
  const queue: { path: string; text: string; depth: number }[] = [{ path: own, text: src.text, depth: 0 }];
  while (queue.length) {
    const { path, text, depth } = queue.shift()!;
    for (const imp of caddyImports(text)) {
      if (imp.snippet) continue;
      const why = importRefusal(imp.target, path);
      if (why) {
        problem(path, imp, why);
        continue;
      }
      const rel = importPath(imp.target, path);
      if (files.has(rel)) continue;
      if (files.size >= MAX_IMPORTED_FILES || depth >= MAX_IMPORT_DEPTH) {
        problem(
          path,
          imp,
          `is past the limit of ${MAX_IMPORTED_FILES} imported files or ${MAX_IMPORT_DEPTH} levels`,
        );
        continue;
      }
      const read = readSource(join(recipe.dir, rel), inRoot(recipe, rel), undefined, recipe.dir);
      if (isReadFailure(read)) {
        unresolved.push({ path, imp, why: `cannot be read as a file of the recipe (${read.message})` });
        continue;
      }
      files.set(rel, read.text);
      queue.push({ path: rel, text: read.text, depth: depth + 1 });
    }
  }
  const snippets = new Set([...files.values()].flatMap((t) => [...caddySnippets(t)]));
  for (const u of unresolved) if (!snippets.has(u.imp.target)) problem(u.path, u.imp, u.why);
  return ok ? files : null;
}

/** A path relative to the analyzed root → relative to the recipe, and back. */
function inRecipe(recipe: Recipe, rootPath: string): string {
  return recipe.relDir && rootPath.startsWith(`${recipe.relDir}/`)
    ? rootPath.slice(recipe.relDir.length + 1)
    : rootPath;
}

function inRoot(recipe: Recipe, recipePath: string): string {
  return recipe.relDir ? `${recipe.relDir}/${recipePath}` : recipePath;
}
