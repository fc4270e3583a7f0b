/** Case 6: what would run unbounded becomes a finding, in linear time; the rest of the workspace is analyzed. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { envValueUpstreams, parseCaddyfile, parseNginx, renderGoTemplate } from "../../load/configs/index.js";
import { removeDir, tempDir } from "../support/workspace.js";
import { redfix, writeTree } from "./support.js";

const timed = <T>(f: () => T): [T, number] => {
  const t0 = Date.now();
  const v = f();
  return [v, Date.now() - t0];
};

test("{{ '`' }} in a template: an error, not a loop", () => {
  const [r, ms] = timed(() => renderGoTemplate("a {{ '`' }} b\n"));
  assert.ok(ms < 1000);
  assert.ok(r.errors.length > 0);
});

test("6,000 nested Caddyfile and nginx blocks: a parse error, no stack overflow", () => {
  const n = 6000;
  const caddy = parseCaddyfile("a {\n".repeat(n) + "}\n".repeat(n));
  assert.ok(caddy.errors.some((e) => /nested deeper than/.test(e.message)));
  const nginx = parseNginx("a {\n".repeat(n) + "}\n".repeat(n));
  assert.ok(nginx.errors.some((e) => /nested deeper than/.test(e.message)));
});

test("scanning a 600 KB environment value is linear", () => {
  for (const v of [
    "x".repeat(600_000),
    "$a,".repeat(200_000),
    "a:1,".repeat(150_000),
    "x://".repeat(150_000),
  ]) {
    const [, ms] = timed(() => envValueUpstreams(v, 0, { key: "URL" }));
    assert.ok(ms < 5000, `${v.slice(0, 8)}…: ${ms} ms`);
  }
});

function composeWithOverlays(k: number): Record<string, string> {
  const files: Record<string, string> = {
    "compose.yml": 'version: "3.8"\nservices:\n  app:\n    image: nginx:1.25\n',
  };
  for (let i = 0; i < k; i++)
    files[`compose.o${i}.yml`] = `version: "3.8"\nservices:\n  s${i}:\n    image: nginx:1.25\n`;
  return files;
}

test("COMPOSE_FILE doubling itself 24 times and 3,000 commented combinations: findings with the bound, fast (real CLI)", () => {
  const dir = tempDir();
  try {
    const doubling = Array.from({ length: 24 }, () => 'COMPOSE_FILE="${COMPOSE_FILE}:${COMPOSE_FILE}"').join(
      "\n",
    );
    const combos: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const picked = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]
        .filter((b) => (i + 1) & (1 << b))
        .map((b) => `compose.o${b}.yml`);
      combos.push(`#COMPOSE_FILE="compose.yml:${picked.join(":")}"`);
    }
    writeTree(join(dir, "ws", "doubling"), { ...composeWithOverlays(1), ".env.sample": `${doubling}\n` });
    writeTree(join(dir, "ws", "combos"), {
      ...composeWithOverlays(12),
      ".env.sample": `${combos.join("\n")}\n`,
    });
    writeTree(join(dir, "ws", "healthy"), {
      "compose.yml": 'version: "3.8"\nservices:\n  app:\n    image: nginx\n',
    });
    const out = join(dir, "run");
    const r = redfix(["analyze", join(dir, "ws"), "--out", out, "--format", "json"], { timeoutMs: 120_000 });
    assert.ok(r.status === 0 || r.status === 1, r.stderr.slice(0, 2000));
    assert.ok(r.ms < 60_000, `took ${r.ms} ms`);
    const findings = readFileSync(join(out, "findings.json"), "utf8");
    assert.ok(findings.length < 20 * 1024 * 1024, `findings.json is ${findings.length} bytes`);
    const doc = JSON.parse(findings) as { findings: { recipe: string; message: string }[] };
    assert.ok(
      doc.findings.some(
        (f) => f.recipe === "combos" && /256 of 3,\d{3} combinations analyzed/.test(f.message),
      ),
    );
    assert.ok(doc.findings.some((f) => f.recipe === "doubling" && /COMPOSE_FILE grows past/.test(f.message)));
    assert.ok(
      doc.findings.some((f) => f.recipe === "healthy"),
      "the rest of the workspace is analyzed",
    );
  } finally {
    removeDir(dir);
  }
});

test.run();
