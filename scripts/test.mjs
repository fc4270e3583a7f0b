// The test command: type check + build, lint, format check, then the uvu suites.
// The closing line is "N passed, N failed, N skipped", followed on the same line (so a reader of
// the last line still finds the counts) by what to install to run the skipped tests.
// A test that needs a missing tool is skipped through test/support/tools.ts, which prints
// "[skip: <tools> | install: <packages>] <test>"; under REDFIX_REQUIRE_TOOLS=1 (CI) there it
// fails instead, and any skip left counts as a failure here.
import { spawnSync } from "node:child_process";

const requireTools = process.env.REDFIX_REQUIRE_TOOLS === "1";
// REDFIX_TEST_SUITES_ONLY=1: the uvu suites alone (on an existing build), as test/cli/test-command does.
const steps =
  process.env.REDFIX_TEST_SUITES_ONLY === "1"
    ? []
    : [
        // npm run build: tsc, and the binary made executable (for `npx redfix` in a checkout).
        ["typecheck and build (tsc)", "npm", ["run", "--silent", "build"]],
        ["lint (eslint)", "npx", ["eslint", "."]],
        ["layers (dependency-cruiser: imports run one way, no cycles)", "npm", ["run", "--silent", "layers"]],
        ["format (prettier --check)", "npx", ["prettier", "--check", "."]],
      ];

let passed = 0;
let failed = 0;
let skipped = 0;
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

/** tool list → { packages, tests } from the skip lines the suites printed. */
const skips = new Map();
if (built) {
  const pattern = process.env.REDFIX_TEST_PATTERN ?? "\\.test\\.js$";
  const r = spawnSync("npx", ["uvu", "dist/test", pattern], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    maxBuffer: 256 * 1024 * 1024,
  });
  const out = r.stdout ?? "";
  process.stdout.write(out);
  const plain = out.replace(/\x1b\[[0-9;]*m/g, ""); // eslint-disable-line no-control-regex
  // uvu's Total counts the tests that ran; skipped ones are apart.
  const total = Number(/Total:\s+(\d+)/.exec(plain)?.[1] ?? NaN);
  const ok = Number(/Passed:\s+(\d+)/.exec(plain)?.[1] ?? NaN);
  skipped = Number(/Skipped:\s+(\d+)/.exec(plain)?.[1] ?? 0);
  for (const m of plain.matchAll(/\[skip: ([^|\]]+) \| install: ([^\]]+)\] ([^\n]*)/g)) {
    const entry = skips.get(m[1]) ?? { packages: m[2].trim(), tests: [] };
    entry.tests.push(m[3].trim());
    skips.set(m[1], entry);
  }
  if (Number.isNaN(total) || Number.isNaN(ok)) {
    console.log("FAILED: uvu did not print a summary (a suite crashed before it finished)");
    failed++;
  } else {
    passed += ok;
    failed += total - ok;
    if (r.status !== 0 && total - ok === 0) failed++;
  }
}

if (skips.size > 0) {
  console.log("\nSkipped for want of a tool:");
  for (const [tools, { tests }] of [...skips].sort()) {
    console.log(`  ${tools} (${tests.length}):`);
    for (const t of tests) console.log(`    - ${t}`);
  }
}
if (requireTools && skipped > 0) {
  console.log(`FAILED: ${skipped} skipped under REDFIX_REQUIRE_TOOLS=1`);
  failed += skipped;
}
const packages = [...new Set([...skips.values()].flatMap((s) => s.packages.split(/\s+/)))].sort();
const tools = [...new Set([...skips.keys()].flatMap((k) => k.split(", ")))].sort();
const install =
  packages.length > 0
    ? ` (to run the skipped tests install: ${tools.join(", ")}; Debian: apt-get install ${packages.join(" ")})`
    : "";
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped${install}`);
process.exit(failed === 0 ? 0 : 1);
