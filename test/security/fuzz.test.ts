/**
 * A property over hostile workspaces (fast-check): whatever a recipe holds — links out, FIFOs, deep
 * nesting, self-doubling COMPOSE_FILE, thousands of combinations, escapes, imports of secrets, templates
 * that never close — analyze finishes within its bounds, writes only into --out, and never quotes a file
 * from outside the analyzed tree.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { test } from "uvu";
import * as assert from "uvu/assert";

import { analyzeInto } from "../support/run-dir.js";
import { removeDir, tempDir } from "../support/workspace.js";
import { caddyRecipe, writeTree } from "./support.js";

const SECRET = "OUTSIDE-SECRET-4242";

type Piece =
  | { kind: "caddy-import"; target: "abs" | "dotdot" | "glob" | "zero" }
  | { kind: "caddy-nesting"; depth: number }
  | { kind: "template"; text: string }
  | { kind: "doubling"; lines: number }
  | { kind: "combos"; count: number }
  | { kind: "env-value"; size: number; unit: string }
  | { kind: "link-out"; file: "compose.yml" | "Caddyfile" }
  | { kind: "fifo" }
  | { kind: "escapes"; text: string }
  | { kind: "yaml-nesting"; depth: number };

const piece: fc.Arbitrary<Piece> = fc.oneof(
  fc.record({
    kind: fc.constant("caddy-import" as const),
    target: fc.constantFrom("abs", "dotdot", "glob", "zero"),
  }),
  fc.record({ kind: fc.constant("caddy-nesting" as const), depth: fc.integer({ min: 50, max: 8000 }) }),
  fc.record({
    kind: fc.constant("template" as const),
    text: fc.constantFrom("{{ '`' }}", "{{ `", '{{ env "X" ', "{{ if }}{{ end }}", "{{/* "),
  }),
  fc.record({ kind: fc.constant("doubling" as const), lines: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant("combos" as const), count: fc.integer({ min: 1, max: 3000 }) }),
  fc.record({
    kind: fc.constant("env-value" as const),
    size: fc.integer({ min: 1000, max: 600_000 }),
    unit: fc.constantFrom("x", "$a,", "a:1,", "x://", "{$A}", "${A}"),
  }),
  fc.record({ kind: fc.constant("link-out" as const), file: fc.constantFrom("compose.yml", "Caddyfile") }),
  fc.record({ kind: fc.constant("fifo" as const) }),
  fc.record({
    kind: fc.constant("escapes" as const),
    text: fc.constantFrom("\u001b[2K\r", "\u001b]52;c;cHduZWQ=\u0007", "\u202e", "\u0000"),
  }),
  fc.record({ kind: fc.constant("yaml-nesting" as const), depth: fc.integer({ min: 100, max: 20_000 }) }),
);

function build(dir: string, secretFile: string, pieces: Piece[]): void {
  const files = caddyRecipe("{$DOMAIN} {\n\treverse_proxy app:3000\n}\n");
  let caddy = files.Caddyfile!;
  let env = files[".env.sample"]!;
  let compose = files["compose.yml"]!;
  const links: [string, string][] = [];
  let fifo = false;
  for (const p of pieces) {
    if (p.kind === "caddy-import") {
      const t = { abs: secretFile, dotdot: "../../secret.txt", glob: "/etc/*", zero: "/dev/zero" }[p.target];
      caddy = `import ${t}\n${caddy}`;
    } else if (p.kind === "caddy-nesting") caddy += "a {\n".repeat(p.depth) + "}\n".repeat(p.depth);
    else if (p.kind === "template") caddy = `${caddy}${p.text}\n`;
    else if (p.kind === "doubling") env += 'COMPOSE_FILE="${COMPOSE_FILE}:${COMPOSE_FILE}"\n'.repeat(p.lines);
    else if (p.kind === "combos")
      for (let i = 0; i < p.count; i++)
        env += `#COMPOSE_FILE="compose.yml:compose.o${i % 7}.yml:compose.o${i}.yml"\n`;
    else if (p.kind === "env-value") env += `URL=${p.unit.repeat(Math.ceil(p.size / p.unit.length))}\n`;
    else if (p.kind === "link-out") links.push([p.file, secretFile]);
    else if (p.kind === "fifo") fifo = true;
    else if (p.kind === "escapes")
      compose = compose.replace("image: nginx:1.25", `image: "nginx${JSON.stringify(p.text).slice(1, -1)}"`);
    else if (p.kind === "yaml-nesting") compose += `x-deep: ${"[".repeat(p.depth)}${"]".repeat(p.depth)}\n`;
  }
  writeTree(dir, { ...files, "compose.yml": compose, Caddyfile: caddy, ".env.sample": env });
  for (let i = 0; i < 7; i++)
    writeFileSync(join(dir, `compose.o${i}.yml`), `version: "3.8"\nservices:\n  s${i}:\n    image: nginx\n`);
  for (const [name, target] of links) {
    execFileSync("rm", ["-f", join(dir, name)]);
    symlinkSync(target, join(dir, name));
  }
  if (fifo) {
    execFileSync("rm", ["-f", join(dir, "Caddyfile")]);
    execFileSync("mkfifo", [join(dir, "Caddyfile")]);
  }
}

test("hostile workspaces: analyze stays within ~10 s and bounded output, writes only into --out, quotes nothing from outside", async () => {
  const root = tempDir();
  try {
    const secretFile = join(root, "secret.txt");
    writeFileSync(secretFile, `${SECRET}\n`);
    const sentinel = join(root, "sentinel");
    mkdirSync(sentinel);
    writeFileSync(join(sentinel, "keep"), "keep\n");
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(piece, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 3 }),
        async (recipes) => {
          const ws = join(root, `ws${n}`);
          const out = join(root, `out${n}`);
          n++;
          recipes.forEach((pieces, i) => build(join(ws, `r${i}`), secretFile, pieces));
          writeTree(join(ws, "healthy"), {
            "compose.yml": 'version: "3.8"\nservices:\n  app:\n    image: nginx\n',
          });
          const t0 = Date.now();
          const r = await analyzeInto(out, { recipes: ws });
          const ms = Date.now() - t0;
          // ~10 s per hostile recipe (two caddy runs of at most 5 s each, plus loading).
          assert.ok(
            ms < 12_000 * recipes.length + 5000,
            `analyze took ${ms} ms on ${JSON.stringify(recipes).slice(0, 300)}`,
          );
          const findings = readFileSync(join(out, "findings.json"), "utf8");
          assert.ok(findings.length < 10 * 1024 * 1024, `findings.json is ${findings.length} bytes`);
          assert.not.match(findings, SECRET);
          assert.not.match(readFileSync(join(out, "redfix.sarif"), "utf8"), SECRET);
          assert.ok(
            r.findings.some((f) => f.recipe === "healthy"),
            "the rest of the workspace was analyzed",
          );
          assert.equal(readdirSync(sentinel), ["keep"]);
          assert.is(readFileSync(secretFile, "utf8"), `${SECRET}\n`);
          removeDir(ws);
          removeDir(out);
        },
      ),
      { numRuns: 12, seed: 6, endOnFailure: true },
    );
    assert.ok(existsSync(join(sentinel, "keep")));
  } finally {
    removeDir(root);
  }
});

test.run();
