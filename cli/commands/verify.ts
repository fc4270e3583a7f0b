import { availableParallelism } from "node:os";
import type { Command } from "commander";
import { Option } from "../commander.js";
import type { VerifyRecord, countRuns } from "../../verify/record.js";
import { terminalSafe } from "../../reports/text.js";
import { CliUsageError } from "../errors.js";
import { shown } from "../paths.js";

function positiveInt(name: string, min: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new CliUsageError(`${name} must be an integer >= ${min}`);
    return n;
  };
}

interface VerifyFlags {
  repeat: number;
  load: number;
  jobs: number;
  timeout: number;
  rule?: string[];
  recipe?: string[];
  finding?: string[];
  on: "local" | "swarm";
  runnerImage?: string;
  images: "standin" | "real";
  deploy: boolean;
  config?: string;
  /** commander's `--no-sandbox`: false when given. */
  sandbox: boolean;
}

/**
 * Copies per core that make a load flake show: a nightly node runs many deployments at once, and a
 * start-up race only loses when CPU is short. Measured on the example mumble handshake with 2 cores:
 * 6 copies all passed; of 12, 3 to 8 failed in five runs; of 16, 14 failed.
 */
const LOAD_PER_CORE = 6;

/**
 * `  before 0/3  after 3/3  under load before 4/12 after 12/12`: passed/runs, runs that skipped
 * themselves or were killed at the timeout apart.
 */
function rates(r: VerifyRecord, count: typeof countRuns): string {
  let out = "";
  for (const [label, phase, mode] of [
    ["  before", "before", "alone"],
    ["  after", "after", "alone"],
    ["  under load before", "before", "load"],
    [" after", "after", "load"],
  ] as const) {
    const { passed, failed, skipped, timedOut } = count(r.runs, phase, mode);
    if (passed + failed + skipped + timedOut === 0) continue;
    const apart = [skipped ? `${skipped} skipped` : "", timedOut ? `${timedOut} timed out` : ""].filter(
      Boolean,
    );
    out += `${label} ${passed}/${passed + failed}${apart.length > 0 ? ` (${apart.join(", ")})` : ""}`;
  }
  return out;
}

const collect = (v: string, previous: string[] | undefined): string[] => [...(previous ?? []), v];

export function register(program: Command): void {
  program
    .command("verify")
    .description(
      "replay each fix's verification plan: static re-check, validators, targeted tests before/after",
    )
    .argument("<run-dir>", "a run directory written by `redfix analyze`")
    .option(
      "--repeat <n>",
      "runs of each targeted test alone, before and after",
      positiveInt("--repeat", 1),
      3,
    )
    .addOption(
      new Option("--load <k>", "concurrent copies of each test under load (0: no load runs)")
        .argParser(positiveInt("--load", 0))
        .default(
          LOAD_PER_CORE * availableParallelism(),
          `${LOAD_PER_CORE} per CPU core, ${LOAD_PER_CORE * availableParallelism()} here`,
        ),
    )
    .addOption(
      // Copies, patches, static re-checks and validators overlap; replays never do (alone means alone).
      new Option("--jobs <j>", "findings verified at once")
        .argParser(positiveInt("--jobs", 1))
        .default(availableParallelism(), `the CPU cores, ${availableParallelism()} here`),
    )
    .option(
      "--timeout <s>",
      "seconds before a replay's process tree is killed",
      positiveInt("--timeout", 1),
      300,
    )
    .option(
      "--config <file>",
      "config file with verify.tests; without it, the first redfix.config.yaml in the current folder or above, else the recipes folder's",
    )
    .option("--rule <id>", "verify only this rule's findings (repeatable)", collect)
    .option("--recipe <name>", "verify only this recipe's findings (repeatable)", collect)
    .option("--finding <id>", "verify only this finding (an id or its prefix; repeatable)", collect)
    .addOption(
      new Option(
        "--on <where>",
        "where replays run: this machine, or jobs on the swarm DOCKER_HOST reaches (needs --runner-image)",
      )
        .choices(["local", "swarm"])
        .default("local"),
    )
    .option(
      "--runner-image <image>",
      "the image replays run in with --on swarm (`redfix swarm image` builds one for the bundled harness)",
    )
    .addOption(
      new Option(
        "--images <which>",
        "deploy phase: a local stand-in for every image (no registry needed), or the recipes' own",
      )
        .choices(["standin", "real"])
        .default("standin"),
    )
    .option("--no-deploy", "no deploy phase on the swarm DOCKER_HOST reaches")
    .option(
      "--no-sandbox",
      "run the harness's tests (which run recipe code) on this machine, without the bubblewrap sandbox",
    )
    .action(async (runDir: string, o: VerifyFlags) => {
      if (o.on === "swarm" && !o.runnerImage) {
        throw new CliUsageError(
          "--on swarm needs --runner-image <image>: build one with `redfix swarm image` (it prints the tag)",
        );
      }
      if (o.on !== "swarm" && o.runnerImage) throw new CliUsageError("--runner-image needs --on swarm");
      const tty = process.stderr.isTTY === true;
      const { verifyRun } = await import("../../verify/verify.js");
      const { countRuns } = await import("../../verify/record.js");
      const { SwarmReplayError } = await import("../../verify/swarm-replay.js");
      // The findings verified by this run (the run directory keeps earlier runs' verdicts too).
      const thisRun: VerifyRecord[] = [];
      const verifying = verifyRun(runDir, {
        repeat: o.repeat,
        load: o.load,
        jobs: o.jobs,
        timeoutMs: o.timeout * 1000,
        only: { rules: o.rule ?? [], recipes: o.recipe ?? [], findings: o.finding ?? [] },
        ...(o.deploy ? { deploy: { images: o.images, timeoutMs: o.timeout * 1000 } } : {}),
        ...(o.config ? { config: o.config } : {}),
        cwd: process.cwd(),
        ...(o.on === "swarm" && o.runnerImage ? { swarmReplays: { image: o.runnerImage } } : {}),
        noSandbox: o.sandbox === false,
        onSandbox: (s) => {
          if (s.kind === "none") {
            const line = `WARNING: replays are NOT sandboxed (${s.reason ?? "no sandbox"}): the harness's tests run recipe code on this machine with your permissions\n`;
            process.stderr.write(line);
            process.stdout.write(line);
          }
        },
        onStart: (f) => {
          // A log (CI) gets a line per finding as it starts; a terminal, one line rewritten in place.
          const what = terminalSafe(`${f.rule} ${f.recipe} (${f.id})`);
          if (tty) process.stderr.write(`\r\x1b[Kverifying ${what}…`);
          else process.stderr.write(`verifying ${what}…\n`);
        },
        onProgress: (done, total, r) => {
          thisRun.push(r);
          const width = 20;
          const bar = "#".repeat(Math.round((done / total) * width)).padEnd(width, ".");
          const timedOut = r.runs.some((x) => x.timedOut && !x.passed) ? " (timed out)" : "";
          const line = terminalSafe(`${r.rule} ${r.recipe}: ${r.verdict}${timedOut}${rates(r, countRuns)}`);
          if (tty) process.stderr.write(`\r\x1b[K[${bar}] ${done}/${total}\n`);
          process.stdout.write(`${line}\n`);
          for (const ch of r.checks.filter((x) => x.status !== "passed")) {
            process.stdout.write(
              `    ${terminalSafe(`${ch.status}: ${ch.name}${ch.reason ? ` — ${ch.reason}` : ""}`)}\n`,
            );
          }
          if (r.note) process.stdout.write(`    note: ${terminalSafe(r.note)}\n`);
          if (r.swarm) {
            const s = r.swarm;
            const why = s.reason ? ` — ${terminalSafe(s.reason)}` : "";
            process.stdout.write(`    swarm: ${s.verdict}${why}\n`);
            if (s.before) process.stdout.write(`      before: ${terminalSafe(s.before.evidence)}\n`);
            if (s.after) process.stdout.write(`      after: ${terminalSafe(s.after.evidence)}\n`);
          }
        },
      });
      try {
        await verifying;
      } catch (e) {
        if (e instanceof SwarmReplayError) throw new CliUsageError(e.message);
        throw e;
      }
      if (o.on === "swarm") {
        const jobs = thisRun.flatMap((r) => r.runs).filter((x) => x.executor === "swarm");
        const nodes = [...new Set(jobs.map((x) => x.node).filter(Boolean))].sort();
        process.stdout.write(
          `${jobs.length} replays ran as swarm jobs in ${terminalSafe(o.runnerImage ?? "")}${nodes.length > 0 ? ` on ${terminalSafe(nodes.join(", "))}` : ""}\n`,
        );
      }
      const { afterRunDirWritten } = await import("../hooks.js");
      const report = await afterRunDirWritten(runDir);
      const n = thisRun.length;
      process.stdout.write(
        `${n} ${n === 1 ? "finding" : "findings"} verified; records in ${runDir}/verify/\n`,
      );
      if (report) process.stdout.write(`report: ${shown(report)}\n`);
      process.exitCode = thisRun.some((r) => r.verdict === "defect") ? 1 : 0;
    });
}
