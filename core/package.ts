import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

/** The package root: compiled files live under `dist/`, templates and examples beside it. */
export const PACKAGE_ROOT = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: string };
      if (pkg.name === "redfix") return dir;
    } catch {
      // not the package root yet
    }
    dir = dirname(dir);
  }
  throw new Error("redfix: cannot find its package.json");
})();

const PACKAGE = JSON.parse(readFileSync(join(PACKAGE_ROOT, "package.json"), "utf8")) as {
  version: string;
  homepage: string;
};

export const VERSION: string = PACKAGE.version;

/** Where redfix lives (package.json `homepage`): SARIF's `informationUri`. */
export const HOMEPAGE: string = PACKAGE.homepage;

/** A rule's docs page (docs/rules/<ID>.md) on the homepage's forge: SARIF's `helpUri`. */
export function ruleDocsUrl(id: string): string {
  return `${HOMEPAGE}/src/branch/main/docs/rules/${encodeURIComponent(id)}.md`;
}
