/**
 * Which Docker daemon redfix talks to, chosen the way the docker CLI chooses it (docker/cli
 * `cli/command/cli.go` `resolveContextName`): `DOCKER_HOST` when set; else the context `DOCKER_CONTEXT`
 * names, else the config's `currentContext` (`$DOCKER_CONFIG/config.json`, default `~/.docker`); the
 * context `default`, or none at all, is the default socket. A named context is read from its
 * metadata (`contexts/meta/<sha256 of the name>/meta.json`, `Endpoints.docker.Host`), so every docker
 * command redfix runs gets that host in `DOCKER_HOST` and never depends on the CLI's own config.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

export const DEFAULT_SOCKET = "unix:///var/run/docker.sock";

export interface DockerEndpoint {
  host: string;
  /** Where the host came from: `DOCKER_HOST`, `context <name>` or `the default socket`. */
  source: string;
}

/** The endpoint, or why the configured one cannot be used. */
export function dockerEndpoint(env: NodeJS.ProcessEnv = process.env): DockerEndpoint | { reason: string } {
  if (env.DOCKER_HOST) return { host: env.DOCKER_HOST, source: "DOCKER_HOST" };
  const config = env.DOCKER_CONFIG || join(homedir(), ".docker");
  let name = env.DOCKER_CONTEXT ?? "";
  let from = "DOCKER_CONTEXT";
  if (!name) {
    from = join(config, "config.json");
    try {
      const doc = JSON.parse(readFileSync(from, "utf8")) as { currentContext?: unknown };
      if (typeof doc.currentContext === "string") name = doc.currentContext;
    } catch (e) {
      // No config file: the CLI's default. An unreadable or broken one: the CLI refuses it too.
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") {
        return { reason: `${from} cannot be read: ${(e as Error).message}` };
      }
    }
  }
  if (!name || name === "default") return { host: DEFAULT_SOCKET, source: "the default socket" };
  const hash = createHash("sha256").update(name).digest("hex");
  const meta = join(config, "contexts", "meta", hash, "meta.json");
  let host: unknown;
  try {
    const doc = JSON.parse(readFileSync(meta, "utf8")) as { Endpoints?: { docker?: { Host?: unknown } } };
    host = doc.Endpoints?.docker?.Host;
  } catch {
    return { reason: `docker context "${name}" (from ${from}) does not exist (no ${meta})` };
  }
  if (typeof host !== "string" || !host) {
    return { reason: `docker context "${name}" has no docker endpoint host (${meta})` };
  }
  // TLS material is handed to the CLI only through the context itself, which redfix does not pass on.
  if (existsSync(join(config, "contexts", "tls", hash, "docker"))) {
    return {
      reason: `docker context "${name}" uses TLS certificates, which redfix does not pass to docker; point DOCKER_HOST at a unix socket or ssh:// host of that swarm`,
    };
  }
  return { host, source: `context ${name}` };
}
