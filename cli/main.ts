#!/usr/bin/env node
/**
 * The redfix binary. Exit codes: 0 nothing at or above the failure threshold, 1 findings,
 * 2 usage, config or internal error (one line, a config error whole; the stack only with --debug).
 */
import { Command, CommanderError } from "commander";
import { register as registerAnalyze } from "./commands/analyze.js";
import { register as registerApply } from "./commands/apply.js";
import { register as registerBaseline } from "./commands/baseline.js";
import { register as registerReport } from "./commands/report.js";
import { register as registerReview } from "./commands/review.js";
import { register as registerRules } from "./commands/rules.js";
import { register as registerVerify } from "./commands/verify.js";
import { register as registerSwarm } from "./commands/swarm.js";
import { VERSION } from "../core/package.js";
import { ConfigError } from "../load/config.js";
import { UsageError } from "../pipeline/analyze.js";
import { terminalSafe } from "../reports/text.js";

// `redfix analyze … | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw e;
});

const program = new Command();
program
  .name("redfix")
  .description("find, fix, verify and report defects in Co-op Cloud recipes and their CI harness")
  .version(VERSION)
  .option("--debug", "print stack traces of internal errors")
  .exitOverride()
  .configureOutput({ outputError: (str, write) => write(str) });

registerAnalyze(program);
registerVerify(program);
registerReport(program);
registerReview(program);
registerApply(program);
registerBaseline(program);
registerRules(program);
registerSwarm(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    process.exitCode = e.exitCode === 0 ? 0 : 2;
  } else {
    const debug = process.argv.includes("--debug");
    const err = e as Error;
    // Config and usage errors are shown whole (yaml's excerpt of the line, every unknown rule id).
    const whole = err instanceof ConfigError || err instanceof UsageError;
    const message = whole ? err.message : err.message.split("\n")[0]!;
    const text = debug ? (err.stack ?? err.message) : message;
    process.stderr.write(`redfix: ${text.split("\n").map(terminalSafe).join("\n")}\n`);
    process.exitCode = 2;
  }
}
