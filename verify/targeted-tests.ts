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
import { runProcess } from "../core/process.js";
import { findRule } from "../pipeline/registry.js";

export interface Collected {
  nodeIds: string[];
  error?: string;
}

/** `pytest --collect-only` over the whole harness (its own `pytest.ini`/`testpaths` decide where). */
export async function collectTests(python: string, harness: string): Promise<Collected> {
  const r = await runProcess(
    python,
    ["-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", "tests"],
    {
      cwd: harness,
      timeoutMs: 120_000,
    },
  );
  const nodeIds = r.output
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.includes("::") && !/^(ERROR|FAILED)\b/.test(l));
  if (r.exitCode !== 0 && r.exitCode !== 5 && nodeIds.length === 0) {
    return {
      nodeIds: [],
      error: `pytest could not collect the harness's tests: ${r.output.trim().split("\n").at(-1) ?? ""}`,
    };
  }
  return { nodeIds: [...new Set(nodeIds)].sort() };
}

export function targetedTests(
  finding: Finding,
  collected: string[],
  overrides: Record<string, string[]>,
): string[] {
  const explicit = overrides[`${finding.rule}:${finding.recipe}`] ?? overrides[finding.rule];
  if (explicit) return [...explicit];
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
