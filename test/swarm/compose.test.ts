/**
 * The merge and interpolation the deploy phase does itself (Debian's docker client has no `docker
 * stack config`), and the reading of busybox's nslookup answers; without a daemon.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { InterpolationError, interpolate, loadStack } from "../../swarm/compose.js";
import { answerAddresses } from "../../verify/deploy.js";

test("interpolation: defaults, required values, bare names, $$", () => {
  const env = { A: "1", E: "" };
  assert.is(interpolate("${A}-$A-${B:-x}-${E:-y}-${E-z}-$$A", env), "1-1-x-y--$A");
  assert.is(interpolate("${B:-${A}}", env), "1");
  assert.throws(
    () => interpolate("${B:?set B}", env),
    (e: unknown) => e instanceof InterpolationError,
  );
});

test("merge: overrides replace command, entrypoint and healthcheck tests; lists merge by target", () => {
  const dir = mkdtempSync(join(tmpdir(), "redfix-compose-"));
  try {
    writeFileSync(
      join(dir, "compose.yml"),
      `version: "3.8"
services:
  app:
    image: x:\${TAG}
    entrypoint: ["/e.sh"]
    environment:
      - A=1
      - STACK_NAME
      - UNSET
    healthcheck: { test: ["CMD", "curl"], interval: 30s }
    configs: [{ source: c, target: /etc/c, mode: 0555 }]
    networks: [proxy]
configs:
  c: { name: "\${STACK_NAME}_c_v1", file: c.tmpl }
networks:
  proxy: { external: true }
`,
    );
    writeFileSync(
      join(dir, "compose.x.yml"),
      `services:
  app:
    entrypoint: ["/f.sh"]
    environment: { B: "yes" }
    healthcheck: { test: ["NONE"] }
    configs: [{ source: d, target: /etc/c }]
  worker:
    networks: { internal: {} }
`,
    );
    const s = loadStack(dir, ["compose.yml", "compose.x.yml"], { TAG: "2", STACK_NAME: "st" });
    const app = (s.services as Record<string, Record<string, unknown>>).app!;
    assert.is(app.image, "x:2");
    assert.equal(app.entrypoint, ["/f.sh"]);
    assert.equal(app.environment, { A: "1", STACK_NAME: "st", B: "yes" });
    assert.equal(app.healthcheck, { test: ["NONE"], interval: "30s" });
    assert.equal(app.configs, [{ source: "d", target: "/etc/c" }]);
    assert.equal((s.configs as Record<string, unknown>).c, { name: "st_c_v1", file: join(dir, "c.tmpl") });
    assert.ok((s.services as Record<string, unknown>).worker);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("busybox nslookup: the answer's addresses, not the server's", () => {
  const out = `Server:\t\t127.0.0.11\nAddress:\t127.0.0.11:53\n\nNon-authoritative answer:\nName:\tapp\nAddress: 10.0.1.9\nName:\tapp\nAddress: 10.0.1.4\n\n`;
  assert.equal(answerAddresses(out), ["10.0.1.4", "10.0.1.9"]);
  assert.equal(answerAddresses("** server can't find app: NXDOMAIN\n"), []);
});

test("a plain `.` (`build: .`) stays a string; `.nan` is still NaN", () => {
  const dir = mkdtempSync(join(tmpdir(), "redfix-compose-"));
  try {
    writeFileSync(join(dir, "compose.yml"), "services:\n  app:\n    build: .\n    x-n: .nan\n");
    const app = loadStack(dir, ["compose.yml"], {}).services as Record<string, Record<string, unknown>>;
    assert.is(app.app!.build, ".");
    assert.ok(Number.isNaN(app.app!["x-n"]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
