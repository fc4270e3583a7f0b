// The test command: type check + build, lint, format check, then the uvu suites.
// CI reads only the last line, "N passed, N failed", so every step counts as a test there.
import { spawnSync } from "node:child_process";

const steps = [
  ["typecheck and build (tsc)", "npx", ["tsc", "-p", "tsconfig.json"]],
  ["lint (eslint)", "npx", ["eslint", "."]],
  ["layers (dependency-cruiser: imports run one way, no cycles)", "npm", ["run", "--silent", "layers"]],
  ["format (prettier --check)", "npx", ["prettier", "--check", "."]],
];

let passed = 0;
let failed = 0;
let built = true;
for (const [name, cmd, args] of steps) {
  const r = spawnSync(cmd, args, { stdio: "inherit" });
  if (r.status === 0) {
    passed++;
    console.log(`ok: ${name}`);
  } else {
    failed++;
    console.log(`FAILED: ${name}`);
    if (name.startsWith("typecheck")) built = false;
  }
}

if (built) {
  const pattern = process.env.REDFIX_TEST_PATTERN ?? "\\.test\\.js$";
  const r = spawnSync("npx", ["uvu", "dist/test", pattern], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  process.stdout.write(r.stdout ?? "");
  const total = Number(/Total:\s+(\d+)/.exec(r.stdout ?? "")?.[1] ?? NaN);
  const ok = Number(/Passed:\s+(\d+)/.exec(r.stdout ?? "")?.[1] ?? NaN);
  const skipped = Number(/Skipped:\s+(\d+)/.exec(r.stdout ?? "")?.[1] ?? 0);
  if (Number.isNaN(total) || Number.isNaN(ok)) {
    console.log("FAILED: uvu did not print a summary (a suite crashed before it finished)");
    failed++;
  } else {
    passed += ok;
    failed += total - ok - skipped;
    if (r.status !== 0 && total - ok - skipped === 0) failed++;
  }
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
