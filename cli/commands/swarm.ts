import type { Command } from "commander";
import { CliUsageError } from "../errors.js";

/** The swarm layer (dockerd, images, execa), loaded when a `swarm` command runs. */
const daemon = () => import("../../swarm/daemon.js");

export function register(program: Command): void {
  const swarm = program
    .command("swarm")
    .description("a throwaway single-node Docker Swarm for `redfix verify` (needs root and dockerd)");
  swarm
    .command("up")
    .description("start dockerd in a temporary folder and init a swarm; prints DOCKER_HOST=unix://…")
    .action(async () => {
      const { SwarmError, swarmUp } = await daemon();
      const { ensureStandin } = await import("../../swarm/image.js");
      try {
        const h = await swarmUp();
        await ensureStandin(h.host);
        process.stdout.write(`DOCKER_HOST=${h.host}\n`);
        process.stderr.write(
          `swarm up: dockerd pid ${h.pid}, folder ${h.dir}; stop it with \`redfix swarm down\`\n`,
        );
      } catch (e) {
        if (e instanceof SwarmError) throw new CliUsageError(`swarm up: ${e.message}`);
        throw e;
      }
    });
  swarm
    .command("down")
    .description("stop the swarm `up` started and remove everything it made")
    .argument(
      "[dir]",
      "the swarm's folder (default: the one the docker endpoint points into — DOCKER_HOST, DOCKER_CONTEXT or the current context — or the only one)",
    )
    .action(async (dir?: string) => {
      const { SwarmError, swarmDirOf, swarmDirs, swarmDown } = await daemon();
      const target = dir ?? swarmDirOf(await endpointHost("swarm down")) ?? only(swarmDirs());
      try {
        await swarmDown(target);
      } catch (e) {
        if (e instanceof SwarmError) throw new CliUsageError(`swarm down: ${e.message}`);
        throw e;
      }
      process.stdout.write(`removed ${target}\n`);
    });
  swarm
    .command("image")
    .description(
      "build the runner image `verify --on swarm` replays the bundled example harness in (debootstrap + docker import, no registry); prints its tag",
    )
    .option("--rebuild", "make the root file system again even when it is cached")
    .action(async (o: { rebuild?: boolean }) => {
      const { docker } = await daemon();
      const { RunnerImageError, buildRunnerImage } = await import("../../swarm/runner-image.js");
      const host = await endpointHost("swarm image");
      const v = await docker(host, ["version", "--format", "{{.Server.Version}}"], 20_000);
      if (v.missing)
        throw new CliUsageError("swarm image: the docker client is not installed (Debian: docker.io)");
      if (v.exitCode !== 0) {
        throw new CliUsageError(
          `swarm image: no docker daemon at ${host} (start one with \`redfix swarm up\` and set DOCKER_HOST)`,
        );
      }
      try {
        const tag = await buildRunnerImage(host, {
          rebuild: o.rebuild === true,
          say: (line) => process.stderr.write(`swarm image: ${line}\n`),
        });
        process.stdout.write(`${tag}\n`);
      } catch (e) {
        if (e instanceof RunnerImageError) throw new CliUsageError(`swarm image: ${e.message}`);
        throw e;
      }
    });
}

/** The daemon docker itself would talk to (swarm/endpoint.ts), as verify finds it. */
async function endpointHost(command: string): Promise<string> {
  const { dockerEndpoint } = await import("../../swarm/endpoint.js");
  const e = dockerEndpoint();
  if ("reason" in e) throw new CliUsageError(`${command}: ${e.reason}`);
  return e.host;
}

function only(dirs: string[]): string {
  if (dirs.length === 1) return dirs[0]!;
  if (dirs.length === 0) throw new CliUsageError("swarm down: no redfix swarm is running");
  throw new CliUsageError(`swarm down: several redfix swarms (${dirs.join(", ")}): name one`);
}
