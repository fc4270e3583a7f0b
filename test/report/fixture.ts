/**
 * The example run directory (test/fixtures/run-dirs/example) copied to a temp folder with its
 * workspace, and run.json rewritten with absolute roots as `redfix analyze` writes them. Tests may
 * change the copy (and apply its patches) without touching the fixture.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** dist/test/report -> the package root, where test/fixtures stays uncompiled. */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
export const FIXTURE = join(PACKAGE_ROOT, "test", "fixtures", "run-dirs");

export interface ExampleRun {
  /** The run directory. */
  dir: string;
  /** The copied workspace: recipes/ and cc-ci/. */
  workspace: string;
  cleanup(): void;
}

interface RunJson {
  roots: { recipes: string; harness: string | null };
  repos: { name: string; kind: string; path: string }[];
}

export function exampleRun(): ExampleRun {
  const base = mkdtempSync(join(tmpdir(), "redfix-report-"));
  const dir = join(base, "example");
  cpSync(join(FIXTURE, "example"), dir, { recursive: true });
  cpSync(join(FIXTURE, "workspace"), join(base, "workspace"), { recursive: true });
  const runJson = join(dir, "run.json");
  const run = JSON.parse(readFileSync(runJson, "utf8")) as RunJson;
  run.roots.recipes = resolve(dir, run.roots.recipes);
  if (run.roots.harness) run.roots.harness = resolve(dir, run.roots.harness);
  for (const r of run.repos) r.path = resolve(dir, r.path);
  writeFileSync(runJson, `${JSON.stringify(run, null, 2)}\n`);
  return {
    dir,
    workspace: join(base, "workspace"),
    cleanup: () => rmSync(base, { recursive: true, force: true }),
  };
}

/** The text of HTML character references, for comparing rendered text with the source strings. */
export function unescapeHtml(s: string): string {
  return s
    .replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}
