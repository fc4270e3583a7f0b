#!/usr/bin/env node
/**
 * The redfix binary. Exit codes: 0 nothing at or above the failure threshold, 1 findings,
 * 2 usage, config or internal error (one line, a config error whole; the stack only with --debug).
 *
 * Each command module declares its options and loads its implementation when it runs; a command
 * line that names a command registers that one alone. A cached `analyze` loads no other command,
 * and `--help` none of the implementations (not verify, swarm, apply, the rules or the report).
 */
import { Command, CommanderError } from "./commander.js";
import { VERSION } from "../core/package.js";
import { terminalSafe } from "../reports/text.js";
import { shownWhole } from "./errors.js";

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

/** The commands in the order `--help` lists them. */
const COMMANDS: Record<string, () => Promise<{ register(program: Command): void }>> = {
  analyze: () => import("./commands/analyze.js"),
  verify: () => import("./commands/verify.js"),
  report: () => import("./commands/report.js"),
  review: () => import("./commands/review.js"),
  apply: () => import("./commands/apply.js"),
  baseline: () => import("./commands/baseline.js"),
  rules: () => import("./commands/rules.js"),
  swarm: () => import("./commands/swarm.js"),
};
// The program's own options take no value: the first other argument names the command. Without one
// (`--help`, `help <command>`, a misspelt name commander suggests a command for), all are there.
const named = process.argv.slice(2).find((a) => !a.startsWith("-"));
const registered = named !== undefined && Object.hasOwn(COMMANDS, named) ? [named] : Object.keys(COMMANDS);
for (const name of registered) (await COMMANDS[name]!()).register(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    process.exitCode = e.exitCode === 0 ? 0 : 2;
  } else {
    const debug = process.argv.includes("--debug");
    const err = e as Error;
    // Config and usage errors are shown whole (yaml's excerpt of the line, every unknown rule id).
    const message = (await shownWhole(err)) ? err.message : err.message.split("\n")[0]!;
    const text = debug ? (err.stack ?? err.message) : message;
    process.stderr.write(`redfix: ${text.split("\n").map(terminalSafe).join("\n")}\n`);
    process.exitCode = 2;
  }
}
