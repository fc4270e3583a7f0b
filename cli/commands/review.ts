import { userInfo } from "node:os";
import type { Command } from "commander";

const collect = (v: string, previous: string[]): string[] => [...previous, v];

export function register(program: Command): void {
  program
    .command("review")
    .description(
      "walk the patches of a run (diff, evidence, verdict) and accept, reject or defer each, into review.json",
    )
    .argument("<run-dir>", "the run directory redfix analyze wrote")
    .option("--by <name>", "who decides (default: the login name)")
    .option("--all", "ask about patches already decided too")
    .option(
      "--finding <id>",
      "review only the patch of this finding (an id or its prefix; repeatable)",
      collect,
      [],
    )
    .option("--patch <repo/file>", "review only this patch (repeatable)", collect, [])
    .option("--recipe <name>", "review only this recipe's patches (repeatable)", collect, [])
    .option("--rule <id>", "review only this rule's patches (repeatable)", collect, [])
    .action(async (runDir: string, o: Record<string, unknown>) => {
      process.exitCode = await runReview(runDir, o);
    });
}

async function runReview(runDir: string, o: Record<string, unknown>): Promise<number> {
  const { walkReview } = await import("../../apply/review-walk.js");
  const { SelectionError } = await import("../../apply/select.js");
  const { RunDirError } = await import("../../reports/read-run-dir.js");
  const { createInterface } = await import("node:readline");
  const list = (k: string) => (Array.isArray(o[k]) ? (o[k] as string[]) : []);
  const rl = createInterface({ input: process.stdin, terminal: false });
  const lines = rl[Symbol.asyncIterator]();
  const out = (s: string) => process.stdout.write(s);
  try {
    const result = await walkReview(runDir, {
      only: {
        findings: list("finding"),
        patches: list("patch"),
        recipes: list("recipe"),
        rules: list("rule"),
      },
      by: typeof o.by === "string" && o.by !== "" ? o.by : loginName(),
      all: Boolean(o.all),
      color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
      print: (l) => out(`${l}\n`),
      read: async (prompt) => {
        out(prompt);
        const next = await lines.next();
        if (next.done) {
          out("\n");
          return null;
        }
        return next.value;
      },
    });
    const d = result.decided;
    if (result.asked > 0)
      out(
        `${d.accept} accepted, ${d.reject} rejected, ${d.defer} deferred${result.quit ? " (quit)" : ""}` +
          `${result.file ? `; written to ${result.file}` : "; nothing written"}\n`,
      );
    return 0;
  } catch (e) {
    if (e instanceof SelectionError || e instanceof RunDirError) {
      process.stderr.write(`redfix review: ${e.message}\n`);
      return 2;
    }
    throw e;
  } finally {
    rl.close();
  }
}

function loginName(): string {
  try {
    return userInfo().username;
  } catch {
    return "unknown";
  }
}
