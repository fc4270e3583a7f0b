import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { Command } from "commander";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { register } from "../../cli/commands/report.js";
import { escapeHtml, markdownToHtml } from "../../reports/html/markdown.js";
import { externalHref, inside, runDirHref, shellQuote } from "../../reports/html/paths.js";
import { formatMs } from "../../reports/html/verification.js";
import { parseVerifyRecord } from "../../reports/html/verify-record.js";
import { exampleRun } from "./fixture.js";

const run = {
  phase: "before",
  mode: "alone",
  passed: false,
  durationMs: 1200,
  log: "verify/x/before-alone-1.log",
};
const record = { version: 1, finding: "x", verdict: "defect", repeat: 1, load: 0, runs: [run], checks: [] };

test("a verify record in the documented shape parses; the fixture's records all do", () => {
  assert.ok("record" in parseVerifyRecord(record));
  const r = exampleRun();
  try {
    for (const id of ["9c1e0d2b7a4f3e61", "5b2e7f10c4d9a832", "c48f1a6e2d907b3c", "3f9a1c2e8b7d4a01"]) {
      const parsed = parseVerifyRecord(
        JSON.parse(readFileSync(join(r.dir, "verify", id, "result.json"), "utf8")),
      );
      assert.ok("record" in parsed, id);
    }
  } finally {
    r.cleanup();
  }
});

test("a record with a wrong field says which one", () => {
  const problem = (v: unknown): string => {
    const p = parseVerifyRecord(v);
    return "problem" in p ? p.problem : "parsed";
  };
  assert.is(problem([]), "not a JSON object");
  assert.is(problem({ ...record, verdict: "great" }), 'unknown verdict "great"');
  assert.is(problem({ ...record, runs: {} }), "`runs` is not a list");
  assert.is(problem({ ...record, runs: [{ ...run, mode: "solo" }] }), "runs[0]: `mode` is not alone|load");
  assert.is(
    problem({ ...record, runs: [{ ...run, durationMs: -1 }] }),
    "runs[0]: `durationMs` is not a non-negative number",
  );
  assert.is(problem({ ...record, runs: [{ ...run, passed: "yes" }] }), "runs[0]: `passed` is not a boolean");
  assert.is(
    problem({ ...record, runs: [{ ...run, command: "pytest -q" }] }),
    "runs[0]: `command` is not a list of strings",
  );
  assert.is(
    problem({ ...record, runs: [{ ...run, outcome: "xfail" }] }),
    "runs[0]: `outcome` is not passed|failed|skipped",
  );
  assert.is(
    problem({ ...record, checks: [{ name: "caddy adapt", status: "ok" }] }),
    "checks[0]: `status` is not passed|failed|skipped",
  );
  assert.is(
    problem({ ...record, checks: [{ name: "x", status: "skipped", reason: 3 }] }),
    "checks[0]: `reason` is not a string",
  );
});

test("markdown: text is escaped, only http(s) links survive", () => {
  const html = markdownToHtml(
    [
      "# Why",
      "",
      'A <b>bold</b> claim with `<code>` and **strong "words"**.',
      "",
      "- [moby](https://github.com/moby/moby/issues/30313)",
      "- [evil](javascript:alert(1)) and [data](data:text/html,<script>x</script>)",
      "",
      "```",
      "<script>alert(1)</script>",
      "```",
    ].join("\n"),
  );
  assert.is(
    html,
    [
      "<h4>Why</h4>",
      "<p>A &#60;b&#62;bold&#60;/b&#62; claim with <code>&#60;code&#62;</code> and <strong>strong &#34;words&#34;</strong>.</p>",
      '<ul><li><a href="https://github.com/moby/moby/issues/30313" rel="noopener noreferrer">moby</a></li>' +
        "<li>evil and data</li></ul>",
      "<pre><code>&#60;script&#62;alert(1)&#60;/script&#62;</code></pre>",
    ].join("\n"),
  );
  assert.is(escapeHtml(`"'<>&\`=`), "&#34;&#39;&#60;&#62;&#38;&#96;&#61;");
});

test("paths: reads stay inside their base, hrefs are relative and encoded, commands are quoted", () => {
  assert.is(inside("/run", "verify/a/b.log"), "/run/verify/a/b.log");
  assert.is(inside("/run", "../etc/passwd"), null);
  assert.is(inside("/run", "verify/../../etc/passwd"), null);
  assert.is(inside("/run", "/etc/passwd"), null);
  assert.is(inside("/run", "."), null);
  assert.is(runDirHref("patches/cc-ci/0001-RF201-keycloak.patch"), "patches/cc-ci/0001-RF201-keycloak.patch");
  assert.is(runDirHref("verify/x/a b#?.log"), "verify/x/a%20b%23%3F.log");
  assert.is(runDirHref("javascript:alert(1)"), "javascript%3Aalert(1)");
  assert.is(runDirHref("../x"), null);
  assert.is(externalHref("https://docs.coopcloud.tech/"), "https://docs.coopcloud.tech/");
  assert.is(externalHref("javascript:alert(1)"), null);
  assert.is(externalHref("file:///etc/passwd"), null);
  assert.is(externalHref("docs/rules/RF101.md"), null);
  assert.is(shellQuote("/work/examples/recipes/gitea"), "/work/examples/recipes/gitea");
  assert.is(shellQuote("/tmp/my run/x.patch"), "'/tmp/my run/x.patch'");
  assert.is(shellQuote("/tmp/it's; rm -rf ~"), "'/tmp/it'\\''s; rm -rf ~'");
});

test("durations read as ms, seconds or minutes", () => {
  assert.is(formatMs(35), "35 ms");
  assert.is(formatMs(4180), "4.2 s");
  assert.is(formatMs(125_000), "2 min 5 s");
});

test("`redfix report <run-dir>` writes report.html and prints its path", async () => {
  const r = exampleRun();
  const out: string[] = [];
  const write = process.stdout.write;
  try {
    rmSync(join(r.dir, "report.html"), { force: true });
    const program = new Command().exitOverride();
    register(program);
    process.stdout.write = ((s: string) => out.push(s)) as unknown as typeof process.stdout.write;
    await program.parseAsync(["node", "redfix", "report", r.dir]);
    process.stdout.write = write;
    assert.ok(existsSync(join(r.dir, "report.html")));
    assert.match(out.join(""), /^report: .*report\.html\n$/);
    assert.match(readFileSync(join(r.dir, "report.html"), "utf8"), '<tr data-recipe="mattermost-lts">');
  } finally {
    process.stdout.write = write;
    r.cleanup();
  }
});

test.run();
