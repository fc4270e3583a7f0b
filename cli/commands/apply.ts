import type { Command } from "commander";
import { Option } from "../commander.js";
import type { PrMode } from "../../apply/apply.js";
import type { AgitDescription } from "../../apply/push.js";
import type { Grouping } from "../../apply/plan.js";
import { terminalSafe } from "../../reports/text.js";

export const DEFAULT_TOKEN_ENV = "REDFIX_GITEA_TOKEN";
/** Kept here, not in apply/plan.ts: the CLI only loads apply's modules (git, forge client) when apply runs. */
export const DEFAULT_BRANCH_PREFIX = "redfix/";

const collect = (v: string, previous: string[]): string[] => [...previous, v];

export function register(program: Command): void {
  program
    .command("apply")
    .description("turn the patches of a run directory into branches, commits and pull requests")
    .argument("<run-dir>", "the run directory redfix analyze wrote")
    .option("--dry-run", "print the plan and change nothing")
    .option("--push <remote>", "push each branch to this remote (a name, URL or path)")
    .addOption(
      new Option(
        "--pr <mode>",
        "open pull requests: api (Gitea/Forgejo REST), agit (push to refs/for/<base>), none",
      )
        .choices(["api", "agit", "none"])
        .default("none"),
    )
    .addOption(
      new Option("--group <by>", "one branch per patch, or per recipe")
        .choices(["patch", "recipe"])
        .default("patch"),
    )
    .option("--branch-prefix <prefix>", "prefix of the branch names", DEFAULT_BRANCH_PREFIX)
    .option("--base <branch>", "the branch to start from (default: each repo's current branch)")
    .option("--recipes <dir>", "where the recipe repos are, instead of the run's recipes root")
    .option("--harness <dir>", "where the harness repo is, instead of the run's harness root")
    .option(
      "--token-env <name>",
      "environment variable holding the forge token (--pr api)",
      DEFAULT_TOKEN_ENV,
    )
    .option("--forge-url <url>", "Gitea/Forgejo root URL, when the remote URL does not give it")
    .option("--forge-owner <owner>", "repository owner on the forge, when the remote URL does not give it")
    .addOption(
      new Option(
        "--agit-description <how>",
        "AGit PR body: base64 (a {base64} push option) or commit (the forge takes the commit message)",
      )
        .choices(["base64", "commit"])
        .default("base64"),
    )
    .option("--report-url <url>", "link to the evidence report, put in each pull request")
    .option(
      "--onto <target>",
      "put patches on an open pull request: auto, a PR number or a branch; <repo>=<target> for one repo (repeatable)",
      collect,
      [],
    )
    .option(
      "--finding <id>",
      "apply only the patch of this finding (an id or its prefix; repeatable)",
      collect,
      [],
    )
    .option(
      "--patch <repo/file>",
      "apply only this patch, e.g. gitea/0001-RF130-gitea.patch (repeatable)",
      collect,
      [],
    )
    .option("--recipe <name>", "apply only this recipe's patches (repeatable)", collect, [])
    .option("--rule <id>", "apply only this rule's patches (repeatable)", collect, [])
    .action(async (runDir: string, o: Record<string, unknown>, cmd: Command) => {
      const debug = Boolean(cmd.optsWithGlobals().debug);
      process.exitCode = await runApply(runDir, o, debug);
    });
}

async function runApply(runDir: string, o: Record<string, unknown>, debug: boolean): Promise<number> {
  const str = (k: string) => (typeof o[k] === "string" ? (o[k] as string) : undefined);
  const { buildPlan } = await import("../../apply/plan.js");
  const { ApplyRefusal, applyPlan } = await import("../../apply/apply.js");
  const { SelectionError, describeReview } = await import("../../apply/select.js");
  const { OntoUsageError, parseOnto } = await import("../../apply/onto.js");
  const { RunDirError } = await import("../../reports/read-run-dir.js");
  const list = (k: string) => (Array.isArray(o[k]) ? (o[k] as string[]) : []);
  try {
    const plan = await buildPlan(runDir, {
      group: o.group as Grouping,
      branchPrefix: str("branchPrefix") ?? DEFAULT_BRANCH_PREFIX,
      ...(str("base") ? { base: str("base") } : {}),
      ...(str("recipes") ? { recipes: str("recipes") } : {}),
      ...(str("harness") ? { harness: str("harness") } : {}),
      ...(str("reportUrl") ? { reportUrl: str("reportUrl") } : {}),
      only: {
        findings: list("finding"),
        patches: list("patch"),
        recipes: list("recipe"),
        rules: list("rule"),
      },
    });
    if (plan.review)
      for (const l of describeReview(plan.review)) process.stdout.write(`${terminalSafe(l)}\n`);
    if (plan.steps.length === 0) {
      process.stdout.write(
        plan.review
          ? "no accepted patch: nothing to apply\n"
          : "no patches in the run directory: nothing to apply\n",
      );
      return 0;
    }
    const onto = parseOnto(
      list("onto"),
      plan.steps.map((s) => s.repo.name),
    );
    const report = await applyPlan(plan, {
      ...(onto.size > 0 ? { onto } : {}),
      dryRun: Boolean(o.dryRun),
      ...(str("push") ? { push: str("push") } : {}),
      pr: o.pr as PrMode,
      tokenEnv: str("tokenEnv") ?? DEFAULT_TOKEN_ENV,
      ...(str("forgeUrl") ? { forgeUrl: str("forgeUrl") } : {}),
      ...(str("forgeOwner") ? { forgeOwner: str("forgeOwner") } : {}),
      agitDescription: o.agitDescription as AgitDescription,
      print: (line) => process.stdout.write(`${terminalSafe(line)}\n`),
    });
    return report.ok ? 0 : 2;
  } catch (e) {
    if (e instanceof ApplyRefusal) {
      for (const r of e.reasons) process.stderr.write(`redfix apply: refused: ${terminalSafe(r)}\n`);
      return 2;
    }
    const err = e as Error;
    if (e instanceof SelectionError || e instanceof OntoUsageError) {
      process.stderr.write(`redfix apply: ${terminalSafe(e.message)}\n`);
      return 2;
    }
    const known = e instanceof RunDirError;
    process.stderr.write(
      `redfix apply: ${terminalSafe(debug && !known ? (err.stack ?? err.message) : (err.message ?? String(e)).split("\n")[0])}\n`,
    );
    return 2;
  }
}
