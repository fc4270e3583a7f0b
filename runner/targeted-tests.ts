/**
 * Which harness tests replay a finding: pytest collects the tests of the finding's recipe folder
 * (`tests/<recipe>/…`, the harness layout), narrowed by the rule's topic words when any test matches
 * them; `verify.tests` in redfix.config.yaml overrides the mapping (`RF110:mattermost-lts: [node ids]`).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Finding } from "../analyzers/finding.js";
import { runProcess } from "./process.js";

const TOPICS: Record<string, RegExp> = {
  RF110: /restore|backup/i,
  RF111: /restore|backup/i,
  RF120: /upstream|caddy|route|routing|proxy|promote/i,
  RF130: /entrypoint|config|start|writ|secret|upgrade|advance/i,
  RF201: /canonical|warm|domain/i,
  RF202: /service/i,
  RF203: /handshake|protocol|ready|port|connect/i,
  RF204: /upgrade|release|migration/i,
};

export interface Collected {
  nodeIds: string[];
  error?: string;
}

/** `pytest --collect-only` of one recipe's test folder; cached per recipe by the caller. */
export async function collectRecipeTests(
  python: string,
  harness: string,
  recipe: string,
): Promise<Collected> {
  const folder = join("tests", recipe);
  if (!existsSync(join(harness, folder))) return { nodeIds: [] };
  const r = await runProcess(
    python,
    ["-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", folder],
    {
      cwd: harness,
      timeoutMs: 60_000,
    },
  );
  const nodeIds = r.output
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.includes("::") && !l.startsWith("ERROR"));
  if (r.exitCode !== 0 && r.exitCode !== 5 && nodeIds.length === 0) {
    return {
      nodeIds: [],
      error: `pytest could not collect ${folder}: ${r.output.trim().split("\n").at(-1) ?? ""}`,
    };
  }
  return { nodeIds: nodeIds.sort() };
}

export function targetedTests(
  finding: Finding,
  collected: string[],
  overrides: Record<string, string[]>,
): string[] {
  const explicit = overrides[`${finding.rule}:${finding.recipe}`] ?? overrides[finding.rule];
  if (explicit) return [...explicit];
  const topic = TOPICS[finding.rule];
  const narrowed = topic ? collected.filter((id) => topic.test(id)) : [];
  return narrowed.length > 0 ? narrowed : collected;
}
