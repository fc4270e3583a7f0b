/**
 * Which harness tests replay a finding, discovered from the harness itself: pytest collects every
 * test once, then for a finding —
 *  1. a harness finding inside a test module: the tests of that module;
 *  2. the tests of the recipe's folder (`tests/<recipe>/…`, the harness layout) about the rule's topic,
 *     plus, for harness findings, the harness's own tests about that topic (`tests/harness/test_canonical.py`);
 *  3. otherwise none: replaying unrelated tests would blame the patch for failures it did not cause.
 * `verify.tests` in redfix.config.yaml overrides the mapping (`RF110:mattermost-lts: [node ids]`).
 */
import type { Finding } from "../core/finding.js";
import type { ProcessResult, RunOptions } from "../core/process.js";
import { findRule } from "../pipeline/registry.js";

export interface Collected {
  nodeIds: string[];
  error?: string;
}

/** `pytest --collect-only` over the whole harness (its own `pytest.ini`/`testpaths` decide where). */
export async function collectTests(
  python: string,
  harness: string,
  run: (file: string, args: string[], opts: RunOptions & { cwd: string }) => Promise<ProcessResult>,
): Promise<Collected> {
  const r = await run(
    python,
    ["-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", "--", "tests"],
    {
      cwd: harness,
      timeoutMs: 120_000,
      env: { PYTHONDONTWRITEBYTECODE: "1" },
    },
  );
  const nodeIds = r.output
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.includes("::") && !/^(ERROR|FAILED)\b/.test(l))
    .filter(underHarness);
  if (r.exitCode !== 0 && r.exitCode !== 5 && nodeIds.length === 0) {
    return {
      nodeIds: [],
      error: `pytest could not collect the harness's tests: ${r.output.trim().split("\n").at(-1) ?? ""}`,
    };
  }
  return { nodeIds: [...new Set(nodeIds)].sort() };
}

/** A node id pytest printed for a file below the harness root: relative, no `..`, no option. */
export function underHarness(id: string): boolean {
  const file = id.split("::")[0]!;
  return (
    file !== "" &&
    !file.startsWith("-") &&
    !file.startsWith("/") &&
    !file.split(/[\\/]/).includes("..") &&
    !/[\0\n\r]/.test(id)
  );
}

export interface Checked {
  tests: string[];
  /** Ids (from `verify.tests`) that pytest did not collect under the harness root: never run. */
  refused: string[];
}

/**
 * Only ids pytest itself collected under the harness root are run: a configured id is never a path
 * elsewhere (`../../recipes/evil/test_evil.py`) or an option (`--basetemp=/`).
 */
export function collectedOnly(ids: string[], collected: string[]): Checked {
  const known = new Set(collected.filter(underHarness));
  return { tests: ids.filter((t) => known.has(t)), refused: ids.filter((t) => !known.has(t)) };
}

export function targetedTests(
  finding: Finding,
  collected: string[],
  overrides: Record<string, string[]>,
): string[] {
  const explicit = overrides[`${finding.rule}:${finding.recipe}`] ?? overrides[finding.rule];
  if (explicit) return [...explicit];
  return pick(finding, collected);
}

function pick(finding: Finding, collected: string[]): string[] {
  const fileOf = (id: string) => id.split("::")[0]!;
  if (finding.root === "harness") {
    const own = collected.filter((id) => fileOf(id) === finding.file);
    if (own.length > 0) return own;
  }
  const recipeTests = collected.filter((id) => id.startsWith(`tests/${finding.recipe}/`));
  const topic = findRule(finding.rule)?.replayTopics;
  if (topic) {
    const recipeFolders = /^tests\/([^/]+)\//;
    const about = (id: string) => topic.test(id);
    const narrowed = recipeTests.filter(about);
    const harnessOwn =
      finding.root === "harness"
        ? collected.filter((id) => {
            const m = recipeFolders.exec(id);
            return about(id) && (!m || m[1] === "harness");
          })
        : [];
    return [...new Set([...narrowed, ...harnessOwn])].sort();
  }
  return [];
}
