/**
 * SARIF for code scanning: every log redfix writes (stdout, the run directory's, one per repository)
 * validates against the SARIF 2.1.0 JSON schema (the copy @microsoft/jest-sarif ships, checked by ajv
 * in draft-04 mode), names its tool's homepage, gives every rule a `helpUri` to its docs page, and
 * maps paths onto the analyzed roots.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { HOMEPAGE, PACKAGE_ROOT } from "../../core/package.js";
import { removeDir, tempDir } from "../support/workspace.js";

const require = createRequire(import.meta.url);
type Validate = ((data: unknown) => boolean) & { errors?: { dataPath?: string; message?: string }[] | null };
interface AjvLike {
  addMetaSchema(schema: unknown): void;
  compile(schema: unknown): Validate;
}
const Ajv = require("ajv") as new (opts: Record<string, unknown>) => AjvLike;
const ajv = new Ajv({ schemaId: "id", meta: false, allErrors: true, format: "full" });
ajv.addMetaSchema(require("ajv/lib/refs/json-schema-draft-04.json"));
const validate = ajv.compile(require("@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json"));

const BIN = join(PACKAGE_ROOT, "dist", "cli", "main.js");
const examples = join(PACKAGE_ROOT, "examples");

function errors(log: unknown): string[] {
  return validate(log) ? [] : (validate.errors ?? []).map((e) => `${e.dataPath ?? ""} ${e.message ?? ""}`);
}

interface Log {
  runs: {
    tool: { driver: { informationUri?: string; rules: { id: string; helpUri?: string }[] } };
    originalUriBaseIds: Record<string, { uri?: string }>;
    results: {
      ruleId: string;
      locations: { physicalLocation: { artifactLocation: { uri: string; uriBaseId?: string } } }[];
    }[];
  }[];
}

const out = tempDir("redfix-sarif-");
const perRepo = join(out, "per-repo");
let stdout: Log;
test.after(() => removeDir(out));

test("the schema check can fail: a log without `runs`, a result without a message", () => {
  assert.ok(errors({ version: "2.1.0" }).length > 0);
  const bad = {
    version: "2.1.0",
    runs: [{ tool: { driver: { name: "x" } }, results: [{ ruleId: "X" }] }],
  };
  assert.match(errors(bad).join("\n"), /message/);
});

test("-f sarif on the examples validates; informationUri, helpUri on every rule, roots as file: URIs", () => {
  const r = spawnSync(
    process.execPath,
    [
      BIN,
      "analyze",
      join(examples, "recipes"),
      "--harness",
      join(examples, "cc-ci"),
      "-f",
      "sarif",
      "--out",
      join(out, "run"),
      "--sarif-per-repo",
      perRepo,
    ],
    { encoding: "utf8", timeout: 120_000 },
  );
  assert.ok(r.status === 0 || r.status === 1, r.stderr);
  stdout = JSON.parse(r.stdout) as Log;
  assert.equal(errors(stdout), []);
  const run = stdout.runs[0]!;
  assert.is(run.tool.driver.informationUri, HOMEPAGE);
  assert.ok(run.tool.driver.rules.length > 10);
  for (const rule of run.tool.driver.rules) {
    assert.match(rule.helpUri ?? "", new RegExp(`^https://.*/docs/rules/${rule.id}\\.md$`), rule.id);
    assert.ok(
      existsSync(join(PACKAGE_ROOT, "docs", "rules", `${rule.id}.md`)),
      `docs/rules/${rule.id}.md exists`,
    );
  }
  assert.is(run.originalUriBaseIds.RECIPES?.uri, `file://${join(examples, "recipes")}/`);
  assert.is(run.originalUriBaseIds.HARNESS?.uri, `file://${join(examples, "cc-ci")}/`);
  for (const res of run.results) {
    const loc = res.locations[0]!.physicalLocation.artifactLocation;
    const base = loc.uriBaseId === "HARNESS" ? join(examples, "cc-ci") : join(examples, "recipes");
    assert.ok(existsSync(join(base, decodeURI(loc.uri))), loc.uri);
  }
});

test("the run directory's redfix.sarif validates too", () => {
  const log = JSON.parse(readFileSync(join(out, "run", "redfix.sarif"), "utf8")) as Log;
  assert.equal(errors(log), []);
  assert.ok(log.runs[0]!.tool.driver.rules.every((r) => r.helpUri));
});

test("--sarif-per-repo: one valid log per repository, its findings only, paths relative to it", () => {
  const files = readdirSync(perRepo).sort();
  assert.ok(files.includes("harness-cc-ci.sarif"), files.join(" "));
  assert.ok(files.includes("recipe-bluesky-pds.sarif"), files.join(" "));
  let total = 0;
  for (const name of files) {
    const log = JSON.parse(readFileSync(join(perRepo, name), "utf8")) as Log;
    assert.equal(errors(log), [], name);
    const run = log.runs[0]!;
    const repoDir = fileURLToPath(run.originalUriBaseIds.SRCROOT!.uri!);
    for (const res of run.results) {
      const loc = res.locations[0]!.physicalLocation.artifactLocation;
      assert.is(loc.uriBaseId, "SRCROOT", name);
      assert.ok(existsSync(join(repoDir, decodeURI(loc.uri))), `${name}: ${loc.uri}`);
    }
    total += run.results.length;
  }
  assert.is(total, stdout.runs[0]!.results.length, "every finding is in exactly one repository's log");
});

test.run();
