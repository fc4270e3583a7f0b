import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Range } from "../../core/source.js";
import { findModule } from "../../harness/model.js";
import type { HarnessModel, HarnessModule } from "../../harness/model.js";

/** Fixture trees live in the source tree; tests run from `dist/`. */
export const fixtures = fileURLToPath(new URL("../../../test/fixtures/", import.meta.url));
export const pythonFixture = join(fixtures, "harness-py");
export const typescriptFixture = join(fixtures, "harness-ts");

export function moduleOf(model: HarnessModel, name: string): HarnessModule {
  const m = findModule(model, name);
  if (!m) throw new Error(`fixture has no module ${name}`);
  return m;
}

export function slice(module: HarnessModule, r: Range): string {
  return module.source.text.slice(r.start, r.end);
}

/** A throwaway harness tree: `{ "runner/x.py": "..." }`. */
export function harnessTree(files: Record<string, string | Uint8Array>): string {
  const root = mkdtempSync(join(tmpdir(), "redfix-harness-"));
  for (const [path, content] of Object.entries(files)) {
    const abs = join(root, path);
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, content);
  }
  return root;
}
