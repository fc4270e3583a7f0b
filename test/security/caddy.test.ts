/**
 * Cases 3 and 4: `.env.sample` values never reach caddy's environment (they are substituted in the
 * text), and a Caddyfile `import` outside the recipe is an RF002 finding before caddy runs.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { caddyAdapt, substitutePlaceholders } from "../../load/configs/index.js";
import { removeDir, tempDir } from "../support/workspace.js";
import { caddyRecipe, redfix, TOKEN, writeTree } from "./support.js";
import { needs } from "../support/tools.js";

needs("caddy", "gcc")(
  "{$LD_PRELOAD} with the recipe's shared object: analyze does not load it (real caddy, real .so)",
  () => {
    const root = tempDir();
    try {
      const repo = join(root, "evil");
      const marker = join(root, "preloaded");
      writeTree(repo, {
        ...caddyRecipe(
          "# {$LD_PRELOAD}\n{$DOMAIN} {\n\treverse_proxy app:3000\n}\n",
          `DOMAIN=app.example.org\nLD_PRELOAD=${join(repo, "evil.so")}\n`,
        ),
        "evil.c": `#include <stdio.h>\n__attribute__((constructor)) static void run(void) { FILE *f = fopen("${marker}", "w"); if (f) fclose(f); }\n`,
      });
      execFileSync("gcc", ["-shared", "-fPIC", "-o", join(repo, "evil.so"), join(repo, "evil.c")]);
      const out = join(root, "run");
      const r = redfix(["analyze", repo, "--out", out, "--format", "json"]);
      assert.ok(r.status === 0 || r.status === 1, r.stderr);
      assert.not.ok(existsSync(marker), "the recipe's shared object was loaded");
      assert.not.match(r.stdout, TOKEN);
    } finally {
      removeDir(root);
    }
  },
);

test("caddy's environment is the fixed one: no token, no sample value; placeholders are in the text", async () => {
  const root = tempDir();
  try {
    const fake = join(root, "caddy");
    const dump = join(root, "env.txt");
    const seen = join(root, "caddyfile.txt");
    writeFileSync(fake, `#!/bin/sh\nenv > "${dump}"\ncat "$3" > "${seen}"\necho '{}'\n`);
    chmodSync(fake, 0o755);
    process.env.FORGE_TOKEN = TOKEN;
    const r = await caddyAdapt("# {$LD_PRELOAD}\n{$DOMAIN} {\n\trespond {$GREETING:hi}\n}\n", {
      caddyPath: fake,
      env: { LD_PRELOAD: "/tmp/evil.so", DOMAIN: "a.example.org", GREETING: "two words" },
    });
    delete process.env.FORGE_TOKEN;
    assert.is(r.status, "passed", r.reason);
    const env = readFileSync(dump, "utf8");
    assert.not.match(env, TOKEN);
    assert.not.match(env, /LD_PRELOAD|DOMAIN=|GREETING/);
    const text = readFileSync(seen, "utf8");
    // Values are text now (in a comment here); a sample that is not one plain token is replaced, so a
    // stranger's value cannot add directives.
    assert.is(text, "# /tmp/evil.so\na.example.org {\n\trespond hi\n}\n");
  } finally {
    removeDir(root);
  }
});

test("a value with a newline cannot smuggle an import into the substituted text", () => {
  const out = substitutePlaceholders("{$X}\n", { X: "a\nimport /etc/passwd" });
  assert.is(out, "sample.example.org\n");
});

for (const [what, target] of [
  ["an absolute path (.git-credentials)", "ABSOLUTE"],
  ["/dev/zero", "/dev/zero"],
  ["..", "../secret/.git-credentials"],
  ["a glob", "*.conf"],
  ["a placeholder", "{$FILE}"],
] as const) {
  test(`Caddyfile import of ${what}: an RF002 finding, caddy does not run, nothing of the file is quoted`, () => {
    const root = tempDir();
    try {
      const secretDir = join(root, "secret");
      writeTree(secretDir, { ".git-credentials": "https://user:SECRET-CRED-77@example.org\n" });
      const repo = join(root, "evil");
      const t: string = target === "ABSOLUTE" ? join(secretDir, ".git-credentials") : target;
      writeTree(repo, caddyRecipe(`import ${t}\n{$DOMAIN} {\n\treverse_proxy app:3000\n}\n`));
      const out = join(root, "run");
      const r = redfix(["analyze", repo, "--out", out, "--format", "sarif"], { timeoutMs: 60_000 });
      assert.ok(r.status === 0 || r.status === 1, r.stderr);
      assert.ok(r.ms < 30_000, `took ${r.ms} ms`);
      const findings = readFileSync(join(out, "findings.json"), "utf8");
      const report = readFileSync(join(out, "report.html"), "utf8");
      for (const [name, text] of <[string, string][]>[
        ["stdout", r.stdout],
        ["findings.json", findings],
        ["redfix.sarif", readFileSync(join(out, "redfix.sarif"), "utf8")],
        ["report.html", report],
      ]) {
        assert.not.match(text, "SECRET-CRED-77", name);
      }
      const doc = JSON.parse(findings) as { findings: { rule: string; message: string }[] };
      const rf002 = doc.findings.filter((f) => f.rule === "RF002" && /imports/.test(f.message));
      assert.is(rf002.length, 1, JSON.stringify(doc.findings.map((f) => f.message)));
      assert.match(rf002[0]!.message, /caddy adapt was not run/);
    } finally {
      removeDir(root);
    }
  });
}

needs("caddy")("an import of a file inside the recipe still adapts (real caddy, on a copy)", async () => {
  const r = await caddyAdapt("import snippets/common\n:8080 {\n\timport logging\n\trespond ok\n}\n", {
    files: new Map([["snippets/common", "(logging) {\n\tlog\n}\n"]]),
  });
  assert.is(r.status, "passed", r.reason);
});

test.run();
