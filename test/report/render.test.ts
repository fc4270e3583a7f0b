import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { execa } from "execa";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { FindingsDocument } from "../../core/finding.js";
import { renderReport, writeReport } from "../../reports/html/render.js";
import type { VerifyRecord } from "../../reports/html/verify-record.js";
import { exampleRun, unescapeHtml, type ExampleRun } from "./fixture.js";

const RECIPES = ["bluesky-pds", "discourse", "gitea", "keycloak", "mattermost-lts", "mumble"];
const BACKLOG: [string, string][] = [
  ["discourse", "RF101"],
  ["mattermost-lts", "RF110"],
  ["mumble", "RF203"],
  ["bluesky-pds", "RF120"],
  ["gitea", "RF130"],
  ["keycloak", "RF201"],
];

let run: ExampleRun;
let html: string;
let doc: FindingsDocument;

test.before(async () => {
  run = exampleRun();
  doc = JSON.parse(readFileSync(join(run.dir, "findings.json"), "utf8")) as FindingsDocument;
  html = await renderReport(run.dir);
});
test.after(() => run.cleanup());

/** The markup of one finding's <article>. */
function article(id: string): string {
  const start = html.indexOf(`<article class="finding`, html.indexOf(`id="finding-${id}"`) - 200);
  const m = new RegExp(`<article[^>]*id="finding-${id}"[\\s\\S]*?</article>`).exec(html.slice(start));
  assert.ok(m, `article for ${id}`);
  return m[0];
}

function idOf(recipe: string, rule: string): string {
  const f = doc.findings.find((x) => x.recipe === recipe && x.rule === rule);
  assert.ok(f, `${rule} ${recipe} in the fixture`);
  return f.id;
}

test("the board has one row per recipe, in name order, with each recipe's findings", () => {
  const rows = [...html.matchAll(/<tr data-recipe="([^"]+)">([\s\S]*?)<\/tr>/g)];
  assert.equal(
    rows.map((r) => r[1]),
    RECIPES,
  );
  for (const [recipe, rule] of BACKLOG) {
    const row = rows.find((r) => r[1] === recipe)![2]!;
    assert.match(row, `href="#finding-${idOf(recipe, rule)}">${rule}</a>`);
  }
  const mattermost = rows.find((r) => r[1] === "mattermost-lts")![2]!;
  assert.match(mattermost, '0001-RF110-mattermost-lts.patch</a> → <span class="repo">mattermost-lts</span>');
  assert.match(
    mattermost,
    /confirmed fix<\/span> <a[^>]*>RF110<\/a> <span class="counts">before 0\/5 · after 5\/5 · after, under load 3\/3<\/span>/,
  );
  const mumble = rows.find((r) => r[1] === "mumble")![2]!;
  assert.match(mumble, "load flake");
  assert.match(mumble, "before, under load 1/3");
});

test("totals count recipes, findings by severity, patches and verdicts", () => {
  const totals = Object.fromEntries(
    [...html.matchAll(/<div><dt>([^<]+)<\/dt><dd>(\d+)<\/dd><\/div>/g)].map((m) => [m[1], Number(m[2])]),
  );
  const count = (p: (f: FindingsDocument["findings"][number]) => boolean): number =>
    doc.findings.filter(p).length;
  assert.equal(totals, {
    recipes: 6,
    findings: doc.findings.length,
    errors: count((f) => f.severity === "error"),
    warnings: count((f) => f.severity === "warning"),
    info: 0,
    patches: count((f) => f.fix !== null),
    verified: count((f) => f.verification !== undefined),
    "confirmed fixes": count((f) => f.verification?.verdict === "confirmed-fix"),
  });
});

test("filters offer every rule, severity, classification and target of the findings", () => {
  const options = (name: string): string[] => {
    const m = new RegExp(`<select name="${name}"[^>]*>([\\s\\S]*?)</select>`).exec(html);
    assert.ok(m, name);
    return [...m[1]!.matchAll(/<option value="([^"]*)">/g)].map((o) => o[1]!);
  };
  const distinct = (xs: string[]): string[] => ["", ...[...new Set(xs)].sort()];
  assert.equal(options("rule"), distinct(doc.findings.map((f) => f.rule)));
  assert.equal(options("severity"), ["", "error", "warning"]);
  assert.equal(options("classification"), distinct(doc.findings.map((f) => f.classification)));
  assert.equal(options("target"), distinct(doc.findings.map((f) => f.target)));
  for (const f of doc.findings)
    assert.match(
      html,
      `id="finding-${f.id}" data-recipe="${f.recipe}" data-rule="${f.rule}" data-severity="${f.severity}" ` +
        `data-classification="${f.classification}" data-target="${f.target}"`,
    );
});

test("strings from findings, files and logs are escaped; only the report's own script is a script", () => {
  assert.not.match(html, "<script>alert(1)</script>");
  assert.not.match(html, '" onmouseover="');
  assert.not.match(html, "<img");
  // No element carries an event handler attribute (text may say "ON_ERROR_STOP=": it is outside tags).
  assert.not.match(html, /<[a-z][^>]*\son\w+\s*=/i);
  assert.is(html.match(/<script/gi)?.length, 1);
  // Handlebars escapes & < > " ' ` =; the text reads back unchanged.
  assert.match(html, "&lt;script&gt;alert(1)&lt;/script&gt;&quot; onmouseover&#x3D;&quot;alert(1)");
  // The gitea log carries markup; it must arrive as text inside <pre>.
  const gitea = article(idOf("gitea", "RF130"));
  assert.match(
    unescapeHtml(gitea),
    `<script>window.__xss = 1</script><img src=x onerror="window.__xss = 1">`,
  );
  assert.match(gitea, "&lt;script&gt;window.__xss &#x3D; 1&lt;/script&gt;");
  // A check reason with markup is text too.
  assert.match(html, "docker-compose is not installed &lt;b&gt;here&lt;/b&gt;");
  // The missing evidence file with markup in its name is named, escaped, and explained.
  const xss = article(idOf("bluesky-pds", "RF002"));
  assert.match(
    xss,
    "bluesky-pds/&lt;script&gt;alert(1)&lt;/script&gt;.tmpl: the file does not exist (any more)",
  );
});

test("links are only http(s) or relative to the run directory", () => {
  const hrefs = [...html.matchAll(/\shref="([^"]*)"/g)].map((m) => unescapeHtml(m[1]!));
  assert.ok(hrefs.length > 20);
  for (const h of hrefs) assert.ok(/^(#|https?:\/\/|[A-Za-z0-9_.%-]+\/)/.test(h) && !h.includes(".."), h);
  // The RF120 docs link to moby (kept) and to javascript: (dropped, text kept).
  assert.match(html, 'href="https://github.com/moby/moby/issues/30313"');
  assert.not.match(html, /javascript:/i);
  assert.match(html, "a bad link");
  assert.not.match(html, /\ssrc=/i);
});

test("the Content-Security-Policy allows exactly the inline style and script, by hash", () => {
  const csp = unescapeHtml(/<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)![1]!);
  const style = /<style>([\s\S]*?)<\/style>/.exec(html)![1]!;
  const script = /<script>([\s\S]*?)<\/script>/.exec(html)![1]!;
  const hash = (s: string): string => `'sha256-${createHash("sha256").update(s).digest("base64")}'`;
  assert.match(csp, "default-src 'none'");
  assert.match(csp, `style-src ${hash(style)}`);
  assert.match(csp, `script-src ${hash(script)}`);
  assert.not.match(csp, /unsafe|https?:|\*/);
  // The report's own diff styles are inlined (report.js draws the diffs), nothing is linked.
  assert.match(style, "pre.diff-view .d-add");
  assert.not.match(html, /<link\b/i);
});

test("the same run directory gives byte-identical reports, and writeReport writes that report", async () => {
  const again = await renderReport(run.dir);
  assert.ok(again === html, "two renders differ");
  const path = await writeReport(run.dir);
  assert.is(path, join(run.dir, "report.html"));
  assert.ok(readFileSync(path, "utf8") === html);
  assert.not.match(html, /\b20\d\d-\d\d-\d\dT/);
});

test("evidence excerpts show real lines with numbers, the evidence lines highlighted", () => {
  const a = article(idOf("mattermost-lts", "RF110"));
  const file = readFileSync(join(run.workspace, "recipes/mattermost-lts/compose.yml"), "utf8").split("\n");
  // Lines 28, 32 and 33 are evidence; they are close, so one excerpt from 25 to 36 holds them.
  const excerpt = /<pre class="code"[^>]*><code>([\s\S]*?)<\/code><\/pre>/.exec(a)![1]!;
  // One line per text line: its number in <i>, a highlighted line wrapped in <mark>.
  const lines = [...excerpt.matchAll(/^(<mark>)?<i>(\d+)<\/i>(.*?)(?:<\/mark>)?$/gm)];
  assert.equal(
    lines.map((l) => Number(l[2])),
    [25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36],
  );
  for (const l of lines) {
    assert.is(unescapeHtml(l[3]!), file[Number(l[2]) - 1], `line ${l[2]}`);
    assert.is(l[1] === "<mark>", [28, 32, 33].includes(Number(l[2])), `highlight of line ${l[2]}`);
  }
  assert.match(a, '<span class="at">line 33</span> the rm post-hook');
});

test("a missing evidence file is a note; evidence past the third file is listed, not quoted", () => {
  const keycloak = article(idOf("keycloak", "RF201"));
  assert.match(
    keycloak,
    "<mark><i>4</i>    &quot;keycloak&quot;: &quot;warm-keycloak.ci.commoninternet.net&quot;,</mark>",
  );
  // Its fourth file (a missing one) is named with its line and note, without an excerpt.
  assert.is(keycloak.match(/<figure class="excerpt">/g)?.length, 3);
  assert.match(
    keycloak,
    /<ul class="more-evidence">\n<li><code>harness: runner\/harness\/ops.py:12<\/code> /,
  );
  const bluesky = article(idOf("bluesky-pds", "RF002"));
  assert.match(bluesky, "the file does not exist (any more)");
});

test("each patch is in the page as its text, escaped, once; the page draws the diff", () => {
  for (const f of doc.findings.filter((x) => x.fix)) {
    const a = article(f.id);
    const patch = readFileSync(join(run.dir, f.fix!.patch), "utf8");
    const text = /<pre class="patch" tabindex="0">([\s\S]*?)<\/pre>/.exec(a);
    assert.ok(text, f.fix!.patch);
    assert.ok(unescapeHtml(text[1]!) === patch, `${f.fix!.patch} differs from its file`);
    assert.match(a, `href="${f.fix!.patch}"`);
  }
  assert.match(
    article(idOf("mattermost-lts", "RF110")),
    "\n+        backupbot.restore.post-hook: &quot;/pg_backup.sh restore&quot;",
  );
  // No diff library markup: the diff is drawn from the text (browser.test.ts checks it).
  assert.not.match(html, "d2h-");
  const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
  assert.is(new Set(ids).size, ids.length, "duplicate ids");
});

test("the copyable git apply commands apply the patches in their repos", async () => {
  const commands = [...html.matchAll(/<code id="apply-[^"]+">([^<]+)<\/code>/g)].map((m) =>
    unescapeHtml(m[1]!),
  );
  assert.is(commands.length, doc.findings.filter((f) => f.fix).length);
  const repos = new Set<string>();
  for (const c of commands) {
    // Both paths relative to the run directory, so the command survives moving the run and the recipes.
    const m = /^git -C (\.\.\/\S+) apply < (patches\/\S+)$/.exec(c);
    assert.ok(m, c);
    const repo = join(run.dir, m[1]!);
    if (!repos.has(repo)) await execa("git", ["init", "-q"], { cwd: repo });
    repos.add(repo);
  }
  // The shell command exactly as a maintainer pastes it, in the run directory; cc-ci's two patches
  // apply in series order.
  for (const c of commands.sort()) await execa("sh", ["-c", c], { cwd: run.dir });
  const canonical = readFileSync(join(run.workspace, "cc-ci/runner/harness/canonical.py"), "utf8");
  assert.match(canonical, "warm-canon-");
  assert.match(readFileSync(join(run.workspace, "recipes/mattermost-lts/pg_backup.sh"), "utf8"), "pg_dump");
});

test("verification shows pass rates, durations, checks with reasons, and every run's log", () => {
  const id = idOf("mattermost-lts", "RF110");
  const rec = JSON.parse(readFileSync(join(run.dir, "verify", id, "result.json"), "utf8")) as VerifyRecord;
  const a = article(id);
  const before = rec.runs.filter((r) => r.phase === "before" && r.mode === "alone").map((r) => r.durationMs);
  const totalS = (before.reduce((x, y) => x + y, 0) / 1000).toFixed(1);
  assert.match(
    a,
    new RegExp(`<td>before</td><td>alone</td><td>0/5</td><td>0%</td><td>[\\d.]+ s</td><td>${totalS} s</td>`),
  );
  assert.match(a, "<td>after</td><td>under load</td><td>3/3</td><td>100%</td>");
  assert.is(a.match(/<details class="run"><summary><span class="status/g)?.length, rec.runs.length);
  const log = readFileSync(join(run.dir, rec.runs[0]!.log), "utf8");
  assert.match(unescapeHtml(a), log.trimEnd().split("\n").slice(-1)[0]!);
  assert.match(a, "docker-compose config: docker-compose is not installed");
  assert.match(a, `href="verify/${id}/before-alone-1.log"`);
  assert.match(article(idOf("discourse", "RF204")), "not verified");
});

test("rule docs come from redfix.sarif, or from the rules option; written once, linked from findings", async () => {
  // "## Fix" is the docs' top level: under the section's h2 it becomes h4.
  const docs = /<details class="rule-docs" id="rule-RF110">[\s\S]*?<\/details>/.exec(html);
  assert.ok(docs, "RF110 in the rules section");
  assert.match(docs[0], "<h4>Fix</h4>\n<p>A <code>pg_backup.sh</code> config");
  assert.is(html.match(/<details class="rule-docs"/g)?.length, new Set(doc.findings.map((f) => f.rule)).size);
  assert.match(article(idOf("mattermost-lts", "RF110")), '<a href="#rule-RF110">RF110 docs</a>');
  const other = await renderReport(run.dir, {
    rules: { RF110: { docs: "Custom **docs** for `RF110`.", url: "https://example.org/rf110" } },
  });
  assert.match(other, "Custom <strong>docs</strong> for <code>RF110</code>.");
  assert.match(other, 'href="https://example.org/rf110"');
});

test("findings start collapsed under a summary line; a sticky bar leads back to the summary", () => {
  for (const f of doc.findings) {
    const a = article(f.id);
    assert.match(a, /^<article[^>]*>\n<details>\n<summary><h3>/);
    assert.match(a, `<span class="message">`);
  }
  assert.not.match(html, /<details[^>]* open/);
  assert.match(html, /<nav class="bar"[^>]*><a href="#summary">/);
});

test("run details name the roots, their commits when they are git work trees, and the rules", async () => {
  const details = /<details class="run-details"[\s\S]*?<\/details>/.exec(html)![0];
  assert.match(details, "<dt>recipes</dt>");
  assert.match(details, "(not a git work tree)");
  // The fixture's run.json predates the rules list.
  assert.match(details, '<dt>rules</dt><dd><span class="muted">not recorded</span>');
  assert.not.match(details, "<dt>date</dt>");
  const r = exampleRun();
  try {
    const runJson = join(r.dir, "run.json");
    const info = JSON.parse(readFileSync(runJson, "utf8")) as Record<string, unknown>;
    writeFileSync(runJson, JSON.stringify({ ...info, rules: ["RF101", "RF110"], profile: "abra" }));
    const harness = join(r.workspace, "cc-ci");
    await execa("git", ["init", "-q", "-b", "main"], { cwd: harness });
    await execa(
      "git",
      ["-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "--allow-empty", "-m", "x"],
      { cwd: harness },
    );
    const sha = (await execa("git", ["rev-parse", "HEAD"], { cwd: harness })).stdout.trim();
    const out = await renderReport(r.dir);
    assert.match(out, `<dt>harness</dt><dd><code>${harness}</code> at <code>${sha}</code>`);
    assert.match(out, "<dt>rules</dt><dd><code>RF101</code> <code>RF110</code></dd>");
    assert.match(out, "<dt>profile</dt><dd>abra</dd>");
    assert.not.match(out, "<dt>date</dt>");
    assert.match(await renderReport(r.dir, { date: "2026-12-05" }), "<dt>date</dt><dd>2026-12-05</dd>");
  } finally {
    r.cleanup();
  }
});

test("rule docs are read from a SARIF file whose results come before its rules too", async () => {
  const r = exampleRun();
  try {
    const path = join(r.dir, "redfix.sarif");
    const sarif = JSON.parse(readFileSync(path, "utf8")) as { runs: Record<string, unknown>[] };
    const { results, ...rest } = sarif.runs[0]!;
    sarif.runs[0] = { results, ...rest };
    writeFileSync(path, JSON.stringify(sarif, null, 2));
    const out = await renderReport(r.dir);
    const docs = /<details class="rule-docs" id="rule-RF110">[\s\S]*?<\/details>/.exec(out);
    assert.ok(docs);
    assert.match(docs[0], "<p>A <code>pg_backup.sh</code> config");
  } finally {
    r.cleanup();
  }
});

test("a very long message is cut in the report, with what is left out said", async () => {
  const r = exampleRun();
  try {
    const path = join(r.dir, "findings.json");
    const d = JSON.parse(readFileSync(path, "utf8")) as FindingsDocument;
    d.findings[0]!.message = `start ${"x".repeat(5000)} end`;
    writeFileSync(path, JSON.stringify(d));
    const out = await renderReport(r.dir);
    assert.match(out, `start ${"x".repeat(994)} … (4010 more characters in findings.json)`);
    assert.not.match(out, "x end");
  } finally {
    r.cleanup();
  }
});

test("a catalogue's findings are packed: gzip in base64, the same markup unpacked, the same bytes each time", async () => {
  const plain = await renderReport(run.dir, { packAbove: Infinity });
  // (Not `html`: an earlier test applied the patches to the workspace the excerpts come from.)
  assert.ok(plain === (await renderReport(run.dir)), "below the limit the findings are written as they are");
  const packed = await renderReport(run.dir, { packAbove: 0 });
  assert.ok(packed === (await renderReport(run.dir, { packAbove: 0 })), "two packed renders differ");
  assert.not.match(packed, "<article");
  const m =
    /<noscript>[\s\S]*?<\/noscript>\n<pre id="findings-packed" hidden>([A-Za-z0-9+/=]+)<\/pre>\n/.exec(
      packed,
    );
  assert.ok(m, "the packed findings");
  const unpacked = gunzipSync(Buffer.from(m[1]!, "base64")).toString("utf8");
  assert.ok(packed.replace(m[0], unpacked) === plain, "unpacked, the page is the plain one");
  assert.ok(packed.length < plain.length);
  // The board and the totals stay plain: the first screen needs no unpacking.
  assert.match(packed, '<tr data-recipe="mattermost-lts">');
});

test("an analyzed recipe without findings gets a clean row", async () => {
  const r = exampleRun();
  try {
    const runJson = join(r.dir, "run.json");
    const info = JSON.parse(readFileSync(runJson, "utf8")) as {
      repos: { name: string; kind: string; path: string }[];
    };
    info.repos.push({ name: "immich", kind: "recipe", path: join(r.workspace, "recipes", "immich") });
    writeFileSync(runJson, JSON.stringify(info));
    const out = await renderReport(r.dir);
    const row = /<tr data-recipe="immich">([\s\S]*?)<\/tr>/.exec(out);
    assert.ok(row, "a row for immich");
    assert.match(row[1]!, '<td data-label="Findings"><span class="muted">none</span></td>');
    assert.match(row[1]!, "nothing to fix");
    assert.match(out, "<div><dt>recipes</dt><dd>7</dd></div>");
    assert.equal(
      [...out.matchAll(/<tr data-recipe="([^"]+)">/g)].map((m) => m[1]),
      [...RECIPES.slice(0, 2), "gitea", "immich", "keycloak", "mattermost-lts", "mumble"],
    );
  } finally {
    r.cleanup();
  }
});

test("a broken verify record, a log outside the run directory and a missing patch are notes", async () => {
  const r = exampleRun();
  try {
    const gitea = idOf("gitea", "RF130");
    const keycloak = idOf("keycloak", "RF201");
    const mumble = idOf("mumble", "RF203");
    writeFileSync(join(r.dir, "verify", gitea, "result.json"), "{ not json");
    const rec = JSON.parse(
      readFileSync(join(r.dir, "verify", keycloak, "result.json"), "utf8"),
    ) as VerifyRecord;
    rec.runs[0]!.log = "../../../etc/passwd";
    writeFileSync(join(r.dir, "verify", keycloak, "result.json"), JSON.stringify(rec));
    const mrec = JSON.parse(
      readFileSync(join(r.dir, "verify", mumble, "result.json"), "utf8"),
    ) as VerifyRecord;
    (mrec.runs[1] as unknown as Record<string, unknown>).phase = "during";
    writeFileSync(join(r.dir, "verify", mumble, "result.json"), JSON.stringify(mrec));
    rmSync(join(r.dir, "patches", "discourse"), { recursive: true });
    const out = await renderReport(r.dir);
    assert.match(out, `verify/${gitea}/result.json is not JSON`);
    assert.match(out, "the log path leaves the run directory; not read");
    assert.not.match(out, "root:x:0:0");
    assert.match(
      unescapeHtml(out),
      `verify/${mumble}/result.json is not a verify record: runs[1]: \`phase\` is not before|after`,
    );
    assert.match(out, "the patch file is missing");
  } finally {
    r.cleanup();
  }
});

test("runs whose tests skipped themselves are counted apart, not as failures; a run's failed tests are named", async () => {
  const r = exampleRun();
  try {
    const keycloak = idOf("keycloak", "RF201");
    const file = join(r.dir, "verify", keycloak, "result.json");
    const rec = JSON.parse(readFileSync(file, "utf8")) as VerifyRecord;
    const before = rec.runs.filter((x) => x.phase === "before" && x.mode === "alone");
    assert.ok(before.length >= 2, "the fixture replays before, alone, at least twice");
    before[0]!.passed = false;
    before[0]!.outcome = "skipped";
    before[1]!.passed = false;
    before[1]!.outcome = "failed";
    before[1]!.cases = [
      { id: "tests/keycloak/test_login.py::test_login_page", outcome: "passed" },
      { id: "tests/keycloak/test_warm_canonical.py::test_canonical_is_not_warm", outcome: "failed" },
    ];
    writeFileSync(file, JSON.stringify(rec));
    const out = unescapeHtml(await renderReport(r.dir));
    const runs = before.length - 1;
    assert.match(out, `before 0/${runs} (1 skipped)`);
    assert.match(out, "failed <code>test_canonical_is_not_warm</code>");
  } finally {
    r.cleanup();
  }
});

test("a swarm job names its node and job; a run that could not run is counted apart with why", async () => {
  const r = exampleRun();
  try {
    const keycloak = idOf("keycloak", "RF201");
    const file = join(r.dir, "verify", keycloak, "result.json");
    const rec = JSON.parse(readFileSync(file, "utf8")) as VerifyRecord;
    const after = rec.runs.filter((x) => x.phase === "after" && x.mode === "alone");
    assert.ok(after.length >= 2, "the fixture replays after, alone, at least twice");
    Object.assign(after[0]!, { executor: "swarm", node: "node-<b>1</b>", service: "rf-job-1" });
    Object.assign(after[1]!, {
      executor: "swarm",
      passed: false,
      unavailable: "no suitable node (<insufficient resources>)",
    });
    delete after[1]!.outcome;
    writeFileSync(file, JSON.stringify(rec));
    const html = await renderReport(r.dir);
    assert.match(html, "swarm node node-&lt;b&gt;1&lt;/b&gt;, job rf-job-1");
    assert.not.match(html, "node-<b>1</b>");
    const out = unescapeHtml(html);
    const ran = after.length - 1;
    assert.match(out, `<td>after</td><td>alone</td><td>${ran}/${ran} (1 could not run)</td>`);
    assert.match(out, "could not run: no suitable node (<insufficient resources>)");
    assert.match(out, `<span class="status status-unavailable">unavailable</span>`);
  } finally {
    r.cleanup();
  }
});

test("a huge patch is linked, not rendered; a huge log shows its tail", async () => {
  const r = exampleRun();
  try {
    const gitea = doc.findings.find((f) => f.recipe === "gitea")!;
    const body = Array.from({ length: 6000 }, (_, i) => `+line ${i}`).join("\n");
    writeFileSync(
      join(r.dir, gitea.fix!.patch),
      `diff --git a/big.txt b/big.txt\nnew file mode 100644\n--- /dev/null\n+++ b/big.txt\n@@ -0,0 +1,6000 @@\n${body}\n`,
    );
    const rec = JSON.parse(
      readFileSync(join(r.dir, "verify", gitea.id, "result.json"), "utf8"),
    ) as VerifyRecord;
    const logLines = Array.from({ length: 1000 }, (_, i) => `log line ${i}`);
    writeFileSync(join(r.dir, rec.runs[0]!.log), `${logLines.join("\n")}\n`);
    const out = await renderReport(r.dir);
    const a = /<article[^>]*id="finding-c48f1a6e2d907b3c"[\s\S]*?<\/article>/.exec(out)![0];
    assert.match(a, "a patch of 6006 lines: open the file");
    assert.not.match(a, "d2h-file-wrapper");
    assert.match(a, "git -C ../workspace/recipes/gitea apply &lt; patches");
    assert.not.match(a, '<pre class="patch"');
    assert.match(a, "showing the last 400 of 1000 lines");
    assert.match(a, "log line 999");
    assert.match(a, "log line 600\n");
    assert.not.match(a, "log line 599\n");
  } finally {
    r.cleanup();
  }
});

test("without run.json the report says why excerpts and commands are missing", async () => {
  const r = exampleRun();
  try {
    rmSync(join(r.dir, "run.json"));
    const out = await renderReport(r.dir);
    assert.match(out, "run.json: missing; evidence excerpts and git apply commands are missing");
    assert.match(out, "run.json names no recipes root");
    assert.not.match(out, "git -C");
  } finally {
    r.cleanup();
  }
});

test("a file outside the root is not read; an empty run renders; no findings.json is an error", async () => {
  const r = exampleRun();
  try {
    const d = JSON.parse(readFileSync(join(r.dir, "findings.json"), "utf8")) as FindingsDocument;
    d.findings[0]!.file = "../../../../../../etc/passwd";
    d.findings[0]!.line = 1;
    writeFileSync(join(r.dir, "findings.json"), JSON.stringify(d));
    const out = await renderReport(r.dir);
    assert.match(out, "../../../../../../etc/passwd is outside the recipes root; not read");
    assert.not.match(out, "root:x:0:0");
    writeFileSync(
      join(r.dir, "findings.json"),
      JSON.stringify({ tool: { name: "redfix", version: "0.1.0" }, findings: [] }),
    );
    assert.match(await renderReport(r.dir), "No findings: nothing to fix.");
    const empty = join(r.dir, "empty");
    mkdirSync(empty);
    try {
      await renderReport(empty);
      assert.unreachable("rendered without findings.json");
    } catch (e) {
      assert.match((e as Error).message, "has no findings.json: is it a run directory");
    }
  } finally {
    r.cleanup();
  }
});

test.run();
