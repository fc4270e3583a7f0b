/**
 * The "done when" on the bundled examples: the backlog's mattermost-lts, bluesky-pds and
 * gitea recipes (laid out as git repos with their release tags) produce RF110, RF120 and RF130 with
 * patches that apply; after them no finding of those rules is left; the patched Caddyfile passes
 * `caddy adapt` and the patched scripts pass shellcheck.
 */
import { execFileSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { analyze } from "../../pipeline/analyze.js";
import { PACKAGE_ROOT } from "../../core/package.js";
import { caddyAdaptTemplate } from "../../load/configs/index.js";
import { needs } from "../support/tools.js";
import { git, removeDir, tempDir } from "../support/workspace.js";

const RULES = ["RF102", "RF110", "RF111", "RF120", "RF130", "RF140"];

const root = tempDir("redfix-examples-");
const recipes = join(root, "recipes");
let patched = false;
test.after(() => removeDir(root));

/** Shows a failed tool's own report beside the assertion. */
function withOutput(e: unknown): never {
  const out = (e as { stdout?: Buffer | string }).stdout;
  if (out) console.log(out.toString());
  throw e;
}

test("examples: the backlog's recipe defects are found, fixed by patches that apply, and gone after them", async () => {
  try {
    execFileSync("node", [join(PACKAGE_ROOT, "scripts", "layout-examples.mjs"), root], { stdio: "ignore" });
    const first = await analyze({ recipes, rules: RULES });
    const found = (recipe: string, rule: string) =>
      first.findings.filter((f) => f.recipe === recipe && f.rule === rule && f.severity === "error");
    assert.is(found("mattermost-lts", "RF110").length, 1);
    assert.is(found("bluesky-pds", "RF120").length, 2, "on_demand_tls ask and reverse_proxy");
    assert.is(found("gitea", "RF130").length, 1);
    assert.equal(
      first.findings.filter((f) => f.recipe === "keycloak"),
      [],
      "keycloak's recipe is clean (its defect is in the harness)",
    );
    for (const f of first.findings.filter((x) => x.severity === "error"))
      assert.ok(f.fix, `${f.rule} ${f.recipe} has a fix`);

    for (const p of first.series.patches) {
      const file = join(p.repo.path, ".redfix-test.patch");
      writeFileSync(file, p.content);
      git(p.repo.path, "apply", "--check", file);
      git(p.repo.path, "apply", file);
      rmSync(file);
    }
    const second = await analyze({ recipes, rules: RULES });
    assert.equal(
      second.findings.filter((f) => f.severity !== "info").map((f) => `${f.rule} ${f.file}:${f.line}`),
      [],
      "fixpoint: nothing left but information",
    );
    assert.is(second.series.patches.length, 0, "idempotence");
    patched = true;
  } catch (e) {
    withOutput(e);
  }
});

needs("caddy")("examples: the patched bluesky-pds Caddyfile passes caddy adapt", async () => {
  assert.ok(patched, "the examples were patched (the test before this one)");
  const caddyfile = readFileSync(join(recipes, "bluesky-pds", "Caddyfile.tmpl"), "utf8");
  assert.match(caddyfile, /ask http:\/\/\{\{ env "STACK_NAME" \}\}_app:3000\/tls-check/);
  const adapt = await caddyAdaptTemplate(caddyfile, {
    env: { STACK_NAME: "pds_example_org", DOMAIN: "pds.example.org", ADMIN_EMAIL: "admin@example.org" },
  });
  assert.is(adapt.status, "passed", adapt.reason);
});

needs("shellcheck")("examples: the patched scripts pass shellcheck", () => {
  assert.ok(patched, "the examples were patched (the test before this one)");
  try {
    execFileSync("shellcheck", ["--shell=sh", join(recipes, "mattermost-lts", "pg_backup.sh")]);
    execFileSync("shellcheck", [join(recipes, "gitea", "docker-setup.sh")]);
  } catch (e) {
    withOutput(e);
  }
});

test.run();
