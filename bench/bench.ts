/**
 * `npm run bench [-- N]`: a synthetic workspace of N recipes (default 500) copied from the bundled
 * examples, then `analyze` timed in a fresh process (wall time includes Node's start-up, as a user
 * sees it), with peak memory, and the same at 10×N to check that cost grows linearly.
 */
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PACKAGE_ROOT } from "../core/package.js";

const n = Number(process.argv[2] ?? 500);
// The bundled examples and every rule fixture's workspace: recipes with findings of every kind.
const ruleFixtures = join(PACKAGE_ROOT, "test", "fixtures", "rules");
const sources = [
  join(PACKAGE_ROOT, "examples", "recipes"),
  ...(existsSync(ruleFixtures)
    ? readdirSync(ruleFixtures).map((d) => join(ruleFixtures, d, "workspace"))
    : []),
]
  .filter(existsSync)
  .flatMap((dir) =>
    readdirSync(dir)
      .map((name) => join(dir, name))
      .filter((p) => statSync(p).isDirectory()),
  );

function workspace(count: number): string {
  const root = mkdtempSync(join(tmpdir(), "redfix-bench-"));
  for (let i = 0; i < count; i++) {
    const src = sources[i % sources.length]!;
    cpSync(src, join(root, `r${String(i).padStart(5, "0")}-${src.split("/").pop()}`), {
      recursive: true,
      filter: (p) => !p.includes("/.git"),
    });
  }
  return root;
}

function timed(script: string, args: string[]): { ms: number; out: Record<string, number> } {
  const t0 = process.hrtime.bigint();
  const stdout = execFileSync(process.execPath, [join(PACKAGE_ROOT, "dist", "bench", script), ...args], {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  return {
    ms: Number(process.hrtime.bigint() - t0) / 1e6,
    out: JSON.parse(stdout) as Record<string, number>,
  };
}

function measure(count: number, runs = 3) {
  const root = workspace(count);
  const out = mkdtempSync(join(tmpdir(), "redfix-bench-out-"));
  try {
    const results = Array.from({ length: runs }, () => timed("analyze-once.js", [root, out]));
    const best = results.reduce((a, b) => (a.ms <= b.ms ? a : b));
    const yaml = timed("yaml-baseline.js", [root]);
    return { count, best, yaml };
  } finally {
    rmSync(root, { recursive: true, force: true });
    rmSync(out, { recursive: true, force: true });
  }
}

const small = measure(n);
const large = measure(n * 10, 1);
const line = (m: ReturnType<typeof measure>) =>
  `${String(m.count).padStart(6)} recipes: analyze ${m.best.ms.toFixed(0)} ms wall ` +
  `(${((m.count / m.best.ms) * 1000).toFixed(0)} recipes/s, ${m.best.out.cpuMs} ms CPU), peak ${(m.best.out.maxRssKiB! / 1024).toFixed(0)} MiB, ` +
  `${m.best.out.findings} findings, ${m.best.out.patches} patches; bare yaml parse ${m.yaml.ms.toFixed(0)} ms (${m.yaml.out.cpuMs} ms CPU)`;
console.log(`redfix bench (${sources.length} source recipes, best of 3 at N, one run at 10N)`);
console.log(line(small));
console.log(line(large));
console.log(`growth: 10x recipes -> ${(large.best.ms / small.best.ms).toFixed(1)}x time (target <= 11x)`);
console.log(`target at ${n}: < 1500 ms wall, < 200 MiB peak`);
