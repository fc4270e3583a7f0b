/** Test support for the swarm suites: the swarm `swarm up` started, and what a test run left on it. */
import { docker, socketDir } from "../../swarm/daemon.js";

/** The swarm `redfix swarm up` printed: its DOCKER_HOST line and the folder it points into; null without the line. */
export function startedSwarm(stdout: string): { host: string; dir: string } | null {
  const line = stdout.split("\n").find((l) => l.startsWith("DOCKER_HOST="));
  if (!line) return null;
  const host = line.slice("DOCKER_HOST=".length);
  return { host, dir: socketDir(host) ?? "" };
}

/** Networks every swarm node has; anything else was made by someone. */
const BUILT_IN_NETWORKS = ["bridge", "host", "none", "ingress", "docker_gwbridge"];

/**
 * `kind: names` for each kind of swarm object left on `host` (stacks, services, secrets, configs,
 * volumes, containers, networks other than the built-in ones); empty when nothing is left. A docker
 * command that fails is reported as left over too, so the check cannot pass by not looking.
 */
export async function swarmLeftovers(host: string): Promise<string[]> {
  const left: string[] = [];
  for (const [what, args] of [
    ["stacks", ["stack", "ls", "--format", "{{.Name}}"]],
    ["services", ["service", "ls", "-q"]],
    ["secrets", ["secret", "ls", "-q"]],
    ["configs", ["config", "ls", "-q"]],
    ["volumes", ["volume", "ls", "-q"]],
    ["containers", ["ps", "-aq"]],
    ["networks", ["network", "ls", "--format", "{{.Name}}"]],
  ] as const) {
    const r = await docker(host, [...args], 30_000);
    if (r.exitCode !== 0) {
      left.push(`${what}: docker ${args.join(" ")} failed: ${r.output.trim()}`);
      continue;
    }
    const names = r.stdout
      .split("\n")
      .filter((n) => n && !(what === "networks" && BUILT_IN_NETWORKS.includes(n)));
    if (names.length > 0) left.push(`${what}: ${names.join(" ")}`);
  }
  return left;
}
