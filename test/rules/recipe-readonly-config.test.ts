import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { analyze } from "../../pipeline/analyze.js";
import { KNOWN_WRITERS, iniKeys } from "../../analyzers/support/config-writers.js";
import { rf130 } from "../../analyzers/RF130-read-only-config-written-at-runtime.js";
import { RENDER_ENTRYPOINT, STAGING_PATH } from "../../codemods/RF130-read-only-config-written-at-runtime.js";
import { compareExpectations, readExpectations } from "../support/annotations.js";
import { runCodemodFixture } from "../support/codemod-fixture.js";
import { FIXTURES, removeDir } from "../support/workspace.js";
import { needs } from "../support/tools.js";

test("RF130: findings exactly where the fixtures' annotations say", async () => {
  const root = join(FIXTURES, "rules", "RF130", "workspace");
  const { findings } = await analyze({ recipes: root, rules: ["RF130"] });
  assert.equal(compareExpectations(readExpectations(root), findings, "RF130"), {
    missing: [],
    unexpected: [],
  });
  const gitea = findings.find((f) => f.recipe === "gitea");
  assert.ok(gitea);
  assert.match(gitea.message, /INSTALL_LOCK = true without \[oauth2\] JWT_SECRET/);
  assert.ok(
    gitea.evidence.some((e) => e.file === "gitea/app.ini.tmpl" && e.line === 11),
    "points at INSTALL_LOCK",
  );
});

test("RF130: the mounted app.ini is read first: all secrets set, no finding; the message names the real mount and the missing keys", async () => {
  const root = join(FIXTURES, "rules", "RF130", "workspace");
  const { findings } = await analyze({ recipes: root, rules: ["RF130"] });
  const complete = findings.filter((f) => f.recipe === "gitea-complete");
  assert.is(complete.length, 1, "the service whose app.ini has every generated secret is not reported");
  const m = complete[0]!.message;
  assert.match(m, /without \[oauth2\] JWT_SECRET, \[server\] LFS_JWT_SECRET:/);
  assert.not.match(m, /INTERNAL_TOKEN/);
  assert.match(m, /failed to save "\/data\/gitea\/conf\/app\.ini"/);
  assert.not.match(m, /\/etc\/gitea\/app\.ini/, "the root image's path, not the rootless default");
  const bind = findings.filter((f) => f.recipe === "gitea-bind");
  assert.equal(
    bind.map((f) => f.line),
    [13],
    "a read-only bind of a folder whose app.ini has every secret (as *_URI) is fine; a half one is not",
  );
  assert.ok(bind[0]!.evidence.some((e) => e.file === "gitea-bind/conf-half/app.ini"));
});

test("RF130: the knowledge base has Gitea and at least three more writers, each with evidence and a source", () => {
  assert.ok(KNOWN_WRITERS.length >= 4);
  assert.ok(KNOWN_WRITERS.some((w) => w.id === "gitea"));
  for (const w of KNOWN_WRITERS) {
    assert.ok(w.writes && w.failure, w.id);
    assert.ok(w.sources.length > 0 && w.sources.every((s) => s.startsWith("https://")), w.id);
    for (const s of w.sources) assert.ok(rf130.meta.docs.includes(s), `${s} shown by \`redfix rules RF130\``);
  }
});

test("RF130: app.ini sections and keys", () => {
  const ini = iniKeys("APP_NAME = x\n[security]\nINSTALL_LOCK = true\n[oauth2]\n jwt_secret = abc\n");
  assert.is(ini.get("")?.get("APP_NAME")?.value, "x");
  assert.is(ini.get("security")?.get("INSTALL_LOCK")?.value, "true");
  assert.is(ini.get("oauth2")?.get("JWT_SECRET")?.value, "abc");
});

for (const name of ["gitea-new-entrypoint", "gitea-own-setup"]) {
  test(`RF130 codemod ${name}: patches apply, output matches byte for byte, fixpoint, idempotent`, async () => {
    const out = await runCodemodFixture(join(FIXTURES, "codemods", "RF130", name), "RF130");
    try {
      assert.ok(out.patches > 0);
      assert.equal(out.differences, []);
      assert.is(out.remaining, 0);
      assert.is(out.secondRunPatches, 0);
    } finally {
      removeDir(out.dir);
    }
  });
}

needs("shellcheck")("RF130: the generated entrypoint and the patched docker-setup.sh pass shellcheck", () => {
  const dir = mkdtempSync(join(tmpdir(), "redfix-rf130-"));
  try {
    writeFileSync(join(dir, "render.sh"), RENDER_ENTRYPOINT);
    execFileSync("shellcheck", ["--shell=sh", join(dir, "render.sh")]);
    execFileSync("shellcheck", [
      join(FIXTURES, "codemods", "RF130", "gitea-own-setup", "output", "docker-setup.sh"),
    ]);
  } catch (e) {
    assert.unreachable(`shellcheck: ${(e as { stdout?: Buffer }).stdout?.toString() ?? String(e)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * The render block run for real with sh and awk: first start, Gitea saving its generated secrets,
 * then a redeploy with a changed template.
 */
test("RF130: every start renders the template and keeps the secrets Gitea generated", () => {
  const dir = mkdtempSync(join(tmpdir(), "redfix-rf130-run-"));
  try {
    const template = join(dir, "template.ini");
    const appIni = join(dir, "conf", "app.ini");
    const script = RENDER_ENTRYPOINT.split(STAGING_PATH)
      .join(template)
      .replace(/^exec .*$/m, 'echo "started $*"');
    writeFileSync(join(dir, "render.sh"), script);
    const start = () =>
      execFileSync("sh", [join(dir, "render.sh"), "web"], {
        env: { ...process.env, GITEA_APP_INI: appIni },
        encoding: "utf8",
      });

    writeFileSync(
      template,
      "APP_NAME = one\n[security]\nINSTALL_LOCK = true\n[oauth2]\nENABLED = true\n[server]\nDOMAIN = a.example\n",
    );
    assert.match(start(), /started web/);
    assert.is(
      readFileSync(appIni, "utf8"),
      readFileSync(template, "utf8"),
      "first start: the template as is",
    );

    // What Gitea does at start: generate and save the secrets.
    writeFileSync(
      appIni,
      readFileSync(appIni, "utf8")
        .replace("ENABLED = true\n", "ENABLED = true\nJWT_SECRET = jwt-generated\n")
        .replace("INSTALL_LOCK = true\n", "INSTALL_LOCK = true\nINTERNAL_TOKEN = token-generated\n"),
    );
    writeFileSync(
      template,
      "APP_NAME = two\n[security]\nINSTALL_LOCK = true\n[oauth2]\nENABLED = true\n[server]\nDOMAIN = b.example\n",
    );
    start();
    const ini = iniKeys(readFileSync(appIni, "utf8"));
    assert.is(ini.get("")?.get("APP_NAME")?.value, "two", "the new template wins");
    assert.is(ini.get("server")?.get("DOMAIN")?.value, "b.example");
    assert.is(
      ini.get("oauth2")?.get("JWT_SECRET")?.value,
      "jwt-generated",
      "the generated JWT secret survives",
    );
    assert.is(ini.get("security")?.get("INTERNAL_TOKEN")?.value, "token-generated");
    assert.is(ini.get("server")?.get("LFS_JWT_SECRET"), undefined, "nothing invented");

    // A template that moves the JWT secret to a file: the old inline one must not come back.
    writeFileSync(
      template,
      "[oauth2]\nJWT_SECRET_URI = file:/run/secrets/jwt\n[security]\nINSTALL_LOCK = true\n",
    );
    start();
    const after = iniKeys(readFileSync(appIni, "utf8"));
    assert.is(after.get("oauth2")?.get("JWT_SECRET"), undefined);
    assert.is(after.get("security")?.get("INTERNAL_TOKEN")?.value, "token-generated");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
