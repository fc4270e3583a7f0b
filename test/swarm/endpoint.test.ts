/**
 * Which daemon the deploy phase talks to (swarm/endpoint.ts), with contexts the real docker CLI made
 * (`docker context create`, `docker context use` in a temporary DOCKER_CONFIG): DOCKER_HOST first,
 * then DOCKER_CONTEXT, then the config's current context, else the default socket. Also the two
 * readers of what swarm made of a stack file (verify/swarm-observations.ts). No daemon needed.
 */
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { runProcess } from "../../core/process.js";
import { DEFAULT_SOCKET, dockerEndpoint } from "../../swarm/endpoint.js";
import { reachSwarm } from "../../verify/deploy.js";
import { ignoredOptions, renderedLine } from "../../verify/swarm-observations.js";
import { needs } from "../support/tools.js";

const it = needs("dockerd");
let config = "";
test.after(() => {
  if (config) rmSync(config, { recursive: true, force: true });
});

const dockerCli = (args: string[]) =>
  runProcess("docker", args, { env: { DOCKER_CONFIG: config }, timeoutMs: 30_000 });

it("a context made by `docker context create` and chosen by `docker context use` is the endpoint", async () => {
  config = mkdtempSync(join(tmpdir(), "redfix-docker-config-"));
  const sock = `unix://${join(config, "none.sock")}`;
  assert.equal(dockerEndpoint({ DOCKER_CONFIG: config }), {
    host: DEFAULT_SOCKET,
    source: "the default socket",
  });
  const c = await dockerCli(["context", "create", "rf-swarm", "--docker", `host=${sock}`]);
  assert.is(c.exitCode, 0, c.output);
  // Created, not yet current: still the default socket; DOCKER_CONTEXT picks it.
  assert.is((dockerEndpoint({ DOCKER_CONFIG: config }) as { host: string }).host, DEFAULT_SOCKET);
  assert.equal(dockerEndpoint({ DOCKER_CONFIG: config, DOCKER_CONTEXT: "rf-swarm" }), {
    host: sock,
    source: "context rf-swarm",
  });
  const u = await dockerCli(["context", "use", "rf-swarm"]);
  assert.is(u.exitCode, 0, u.output);
  assert.equal(dockerEndpoint({ DOCKER_CONFIG: config }), { host: sock, source: "context rf-swarm" });
  // The CLI's own precedence: DOCKER_HOST over any context; DOCKER_CONTEXT over the current one.
  assert.equal(dockerEndpoint({ DOCKER_CONFIG: config, DOCKER_HOST: "unix:///x.sock" }), {
    host: "unix:///x.sock",
    source: "DOCKER_HOST",
  });
  assert.is(
    (dockerEndpoint({ DOCKER_CONFIG: config, DOCKER_CONTEXT: "default" }) as { host: string }).host,
    DEFAULT_SOCKET,
  );
  const missing = dockerEndpoint({ DOCKER_CONFIG: config, DOCKER_CONTEXT: "nope" });
  assert.match(
    (missing as { reason: string }).reason,
    /docker context "nope" \(from DOCKER_CONTEXT\) does not exist/,
  );
  // No daemon behind the context: the deploy phase says which endpoint it tried and where it came from.
  const reach = await reachSwarm({ DOCKER_CONFIG: config });
  assert.ok("reason" in reach);
  assert.match(
    reach.reason,
    new RegExp(`no docker daemon at ${sock.replace(/[.]/g, "\\.")} \\(context rf-swarm\\)`),
  );
});

it("a context with TLS certificates is refused with the reason (redfix hands docker only the host)", async () => {
  assert.ok(config, "no docker config");
  const c = await dockerCli(["context", "create", "rf-tls", "--docker", "host=tcp://127.0.0.1:2376"]);
  assert.is(c.exitCode, 0, c.output);
  assert.equal(dockerEndpoint({ DOCKER_CONFIG: config, DOCKER_CONTEXT: "rf-tls" }), {
    host: "tcp://127.0.0.1:2376",
    source: "context rf-tls",
  });
  // Where `docker context create --docker ca=…,cert=…,key=…` keeps the certificates.
  const hash = createHash("sha256").update("rf-tls").digest("hex");
  mkdirSync(join(config, "contexts", "tls", hash, "docker"), { recursive: true });
  const r = dockerEndpoint({ DOCKER_CONFIG: config, DOCKER_CONTEXT: "rf-tls" });
  assert.match((r as { reason: string }).reason, /docker context "rf-tls" uses TLS certificates/);
});

it("a broken config.json is said, not taken for the default", () => {
  const dir = mkdtempSync(join(tmpdir(), "redfix-docker-config-"));
  try {
    writeFileSync(join(dir, "config.json"), "{ not json");
    assert.match((dockerEndpoint({ DOCKER_CONFIG: dir }) as { reason: string }).reason, /cannot be read/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("renderedLine: the template's line as a pattern for what swarm rendered", () => {
  const t =
    'upstream shop {\n  server {{ env "STACK_NAME" }}_app:3000;\n}\nx {{- env "A" -}} y {{ .Service.Name }}\n';
  const p = renderedLine(t, "STACK_NAME")!;
  assert.is(p.line, 'server {{ env "STACK_NAME" }}_app:3000;');
  assert.is(p.re.exec("  server _app:3000;")?.[1], "");
  assert.is(p.re.exec("  server rf1a2b3c_1b_app:3000;")?.[1], "rf1a2b3c_1b");
  assert.is(p.re.exec("  server rf_app:3001;"), null);
  assert.is(renderedLine(t, "A")!.re.exec("x1y shop_web")?.[1], "1");
  assert.is(renderedLine(t, "MISSING"), null);
  assert.is(renderedLine(t, 'A" }}'), null);
});

test("ignoredOptions: what `docker stack deploy` says it ignores", () => {
  const out =
    "Ignoring unsupported options: build, links, restart\n\nIgnoring deprecated options:\n\n" +
    "container_name: Setting the container name is not supported.\n\n" +
    "Since --detach=false was not specified, tasks will be created in the background.\nCreating service x_app\n";
  const m = ignoredOptions(out);
  assert.equal([...m.keys()].sort(), ["build", "container_name", "links", "restart"]);
  assert.is(m.get("container_name"), "container_name: Setting the container name is not supported.");
  assert.is(ignoredOptions("Creating service x_app\n").size, 0);
});

test.run();
