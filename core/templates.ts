/**
 * The Handlebars templates under `templates/` at the package root, read and compiled once per process.
 * Each caller brings its own Handlebars environment (its helpers and partials) and escaping.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Handlebars from "handlebars";
import { PACKAGE_ROOT } from "./package.js";

export type Template = Handlebars.TemplateDelegate;

/** For text that is not HTML (shell, Markdown, commit messages): escaping would turn quotes into entities. */
export const TEXT_OPTIONS: CompileOptions = { noEscape: true, strict: false };

/** A template's source, by its path under `templates/`. */
export function templateSource(rel: string): string {
  return readFileSync(join(PACKAGE_ROOT, "templates", rel), "utf8");
}

/** A function from a path under `templates/` to its compiled template, compiled on first use. */
export function templateLoader(
  env: typeof Handlebars = Handlebars.create(),
  options: CompileOptions = TEXT_OPTIONS,
): (rel: string) => Template {
  const cache = new Map<string, Template>();
  return (rel) => {
    let t = cache.get(rel);
    if (!t) {
      t = env.compile(templateSource(rel), options);
      cache.set(rel, t);
    }
    return t;
  };
}
