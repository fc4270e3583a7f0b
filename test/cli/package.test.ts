/**
 * redfix as a user installs it: `npm pack`, then `npm i <tarball>` into a temporary project (offline:
 * the project's node_modules is seeded with redfix's own production dependencies, so npm resolves
 * them there and hoists them beside redfix, as an install from the registry does), then `analyze`
 * and `report` run through `node_modules/.bin/redfix` from another directory.
 */
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { PACKAGE_ROOT } from "../../core/package.js";
import { runProcess } from "../../core/process.js";
import { removeDir, tempDir } from "../support/workspace.js";

const root = tempDir("redfix-pack-");
const project = join(root, "project");
const elsewhere = join(root, "elsewhere");
const installed = join(project, "node_modules", "redfix");
let tarball = "";
test.after(() => removeDir(root));

const npm = (cwd: string, args: string[]): string =>
  execFileSync("npm", args, { cwd, encoding: "utf8", timeout: 300_000, stdio: ["ignore", "pipe", "pipe"] });

test("npm pack: the tarball holds the program, its templates and examples, and no compiled tests", () => {
  const out = npm(PACKAGE_ROOT, ["pack", "--ignore-scripts", "--json", "--pack-destination", root]);
  const [info] = JSON.parse(out) as { filename: string; files: { path: string }[] }[];
  tarball = join(root, info!.filename);
  const paths = info!.files.map((f) => f.path);
  for (const p of ["dist/cli/main.js", "templates/report/report.hbs", "examples/recipes", "package.json"])
    assert.ok(
      paths.some((x) => x.startsWith(p)),
      `${p} is packed`,
    );
  assert.not.ok(
    paths.some((x) => x.startsWith("dist/test/")),
    "compiled tests stay out",
  );
});

test("npm i <tarball> as a dependency, offline; the dependencies are hoisted beside redfix", () => {
  mkdirSync(join(project, "node_modules"), { recursive: true });
  writeFileSync(
    join(project, "package.json"),
    '{ "name": "uses-redfix", "version": "1.0.0", "private": true }\n',
  );
  // redfix's production dependency tree, as top-level folders of this checkout's node_modules.
  const listed = npm(PACKAGE_ROOT, ["ls", "--omit=dev", "--all", "--parseable"]).split("\n");
  const tops = new Set<string>();
  for (const line of listed) {
    const m = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(line.slice(PACKAGE_ROOT.length));
    if (line.startsWith(PACKAGE_ROOT + "/node_modules/") && m) tops.add(m[1]!);
  }
  assert.ok(tops.has("handlebars"));
  for (const name of tops) {
    const to = join(project, "node_modules", name);
    mkdirSync(dirname(to), { recursive: true });
    cpSync(join(PACKAGE_ROOT, "node_modules", name), to, { recursive: true, verbatimSymlinks: true });
  }
  npm(project, ["install", "--offline", "--no-audit", "--no-fund", "--ignore-scripts", tarball]);
  assert.ok(existsSync(join(installed, "dist", "cli", "main.js")));
  assert.ok(existsSync(join(project, "node_modules", ".bin", "redfix")));
  assert.not.ok(
    existsSync(join(installed, "node_modules", "handlebars")),
    "the dependencies (handlebars, for the report) are beside redfix, not under it",
  );
});

test("the installed redfix analyzes the bundled examples and writes the report, run from another directory", async () => {
  mkdirSync(elsewhere, { recursive: true });
  const bin = join(project, "node_modules", ".bin", "redfix");
  const examples = join(installed, "examples");
  const analyze = await runProcess(
    bin,
    ["analyze", join(examples, "recipes"), "--harness", join(examples, "cc-ci"), "--out", "run"],
    { cwd: elsewhere, timeoutMs: 180_000 },
  );
  assert.ok(analyze.exitCode === 0 || analyze.exitCode === 1, analyze.output);
  const findings = JSON.parse(readFileSync(join(elsewhere, "run", "findings.json"), "utf8")) as {
    findings: unknown[];
  };
  assert.ok(findings.findings.length > 0, "the examples' defects are found");
  const report = await runProcess(bin, ["report", "run"], { cwd: elsewhere, timeoutMs: 120_000 });
  assert.is(report.exitCode, 0, report.output);
  const html = readFileSync(join(elsewhere, "run", "report.html"), "utf8");
  assert.match(html, /Content-Security-Policy/, "the report's templates and assets were found");
  const version = await runProcess(bin, ["--version"], { cwd: elsewhere, timeoutMs: 30_000 });
  const pkg = JSON.parse(readFileSync(join(PACKAGE_ROOT, "package.json"), "utf8")) as { version: string };
  assert.is(version.stdout.trim(), pkg.version);
});

test.run();
