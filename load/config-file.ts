/**
 * Which `redfix.config.yaml` a run uses and whether it lies inside a recipe folder: what load/config.ts
 * reads, and what the analyze cache (pipeline/cache.ts) keys a run by without parsing the config.
 * Only the file system here (no yaml), so a cache hit never loads the parser.
 */
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

export const CONFIG_FILE = "redfix.config.yaml";

export class ConfigError extends Error {}

/**
 * Which config applies, without `--config`: the first `redfix.config.yaml` in `cwd` or a folder above
 * it, else the analyzed folder's own; null when there is none.
 */
export function findConfig(dir: string, cwd?: string): string | null {
  if (cwd) {
    for (let d = resolve(cwd); ; d = dirname(d)) {
      if (existsSync(join(d, CONFIG_FILE))) return join(d, CONFIG_FILE);
      if (dirname(d) === d) break;
    }
  }
  const own = join(resolve(dir), CONFIG_FILE);
  return existsSync(own) ? own : null;
}

/** A folder is a recipe's when it holds a base compose file (the workspace loader's rule). */
function recipeFolder(dir: string): boolean {
  return ["compose.yml", "compose.yaml", "docker-compose.yml", "docker-compose.yaml"].some((f) =>
    existsSync(join(dir, f)),
  );
}

/** The recipe folder a file lies in (its own folder or one above), or null. */
export function insideRecipe(file: string): string | null {
  for (let d = dirname(resolve(file)); ; d = dirname(d)) {
    if (recipeFolder(d)) return d;
    if (dirname(d) === d) return null;
  }
}
