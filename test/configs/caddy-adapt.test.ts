import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { caddyAdapt, caddyAdaptTemplate, caddyUpstreams, parseCaddyfile } from "../../load/configs/index.js";
import { fixture, fixtureNames } from "./fixture.js";
import { needs } from "../support/tools.js";

const withCaddy = needs("caddy");

const SAMPLES = { env: { DOMAIN: "pds.example.org", ON_DEMAND: "1", MAINTENANCE: "" } };
const valid = fixtureNames(/Caddyfile/).filter((f) => !f.startsWith("error-"));

test("the fixture list is the one these checks are about", () => {
  assert.equal(valid, [
    "bluesky-pds-qualified.Caddyfile.tmpl",
    "bluesky-pds.Caddyfile.tmpl",
    "brace-less.Caddyfile",
    "conditional.Caddyfile.tmpl",
    "site-features.Caddyfile",
  ]);
});

for (const name of valid) {
  withCaddy(`${name}: parses clean and passes caddy adapt after rendering`, async () => {
    const text = fixture(name);
    assert.equal(parseCaddyfile(text).errors, []);
    const result = await caddyAdaptTemplate(text, SAMPLES, { env: { STATIC_UPSTREAM: "static:80" } });
    assert.is(result.status, "passed", result.reason);
    const json = JSON.parse(result.output ?? "") as { apps?: unknown };
    assert.ok(json.apps);
  });
}

/** Every `dial` and the on-demand `ask` in caddy's adapted JSON: what caddy itself made of the upstreams. */
function caddyTargets(json: unknown, out: string[] = []): string[] {
  if (Array.isArray(json)) for (const v of json) caddyTargets(v, out);
  else if (json && typeof json === "object") {
    for (const [k, v] of Object.entries(json)) {
      const dynamic = v as { source?: string; name?: string; port?: string };
      if ((k === "dial" || k === "ask") && typeof v === "string") out.push(v);
      else if (k === "dynamic_upstreams" && dynamic.source === "a")
        out.push(`${dynamic.name}:${dynamic.port}`);
      else caddyTargets(v, out);
    }
  }
  return out;
}

withCaddy("the extracted upstreams are exactly the ones caddy's own parser finds", async () => {
  for (const name of valid) {
    // No environment: caddy falls back to each `{$VAR:default}` default, as the expectation below does.
    const result = await caddyAdaptTemplate(fixture(name), SAMPLES);
    assert.is(result.status, "passed", result.reason);
    const rendered = result.rendered ?? "";
    const expected = caddyUpstreams(parseCaddyfile(rendered)).map((r) => {
      if (r.kind === "caddy.on_demand_tls.ask") return r.raw;
      if (r.templated)
        return `${rendered.slice(r.hostRange.start, r.hostRange.end).replace(/^\{\$\w+:?|\}$/g, "")}`;
      return `${r.host.includes(":") ? `[${r.host}]` : r.host}:${r.port ?? (r.scheme === "https" ? 443 : 80)}`;
    });
    const actual = caddyTargets(JSON.parse(result.output ?? "null"));
    assert.equal([...actual].sort(), [...expected].sort(), name);
  }
});

/** Every `body` in caddy's adapted JSON, in route order. */
function bodies(json: unknown, out: string[] = []): string[] {
  if (Array.isArray(json)) for (const v of json) bodies(v, out);
  else if (json && typeof json === "object") {
    for (const [k, v] of Object.entries(json)) {
      if (k === "body" && typeof v === "string") out.push(v);
      else bodies(v, out);
    }
  }
  return out;
}

withCaddy("token values are what caddy's own lexer reads", async () => {
  const values = [
    '"a \\"b\\" c"',
    '"back\\slash \\n kept"',
    '`raw \\" quote`',
    'word\\"quote',
    '"two\nlines"',
    '"{http.request.host} {braces}"',
    "x#not-a-comment",
    "`multi\nline backtick`",
  ];
  // The last one is split by a line continuation: caddy must still read it as one line.
  values.push('\\\n\t\t\t"continued"');
  const text = `:8080 {\n\troute {\n${values.map((v, k) => `\t\trespond /p${k} ${v} 200\n`).join("")}\t}\n}\n`;
  const doc = parseCaddyfile(text);
  assert.equal(doc.errors, []);
  const route = doc.serverBlocks[0]?.directives[0];
  const ours = (route?.block?.directives ?? []).map((d) => d.args[1]?.text);
  const result = await caddyAdapt(text);
  assert.is(result.status, "passed", result.reason);
  assert.equal(ours, bodies(JSON.parse(result.output ?? "null")));
  assert.is(ours.length, values.length);
});

withCaddy("the conditional template adapts in both branches", async () => {
  const text = fixture("conditional.Caddyfile.tmpl");
  for (const env of [
    { DOMAIN: "a.example", ON_DEMAND: "0", MAINTENANCE: "yes" },
    { DOMAIN: "a.example", ON_DEMAND: "1", MAINTENANCE: "" },
  ]) {
    const result = await caddyAdaptTemplate(text, { env });
    assert.is(result.status, "passed", result.reason);
    assert.is(result.output?.includes('"on_demand"'), env.ON_DEMAND === "1");
  }
});

withCaddy("caddy's error line is mapped back through the template to the source line", async () => {
  const template =
    '{{/* header */}}\n{{ if env "X" }}\n\n\n{{ end }}\n{{ env "DOMAIN" }} {\n\tbogus_directive on\n}\n';
  const result = await caddyAdaptTemplate(template, { env: { X: "", DOMAIN: "a.example" } });
  assert.is(result.status, "failed");
  assert.match(result.reason ?? "", /bogus_directive/);
  assert.is(result.line, 7);
  const rendered = result.rendered ?? "";
  assert.is(rendered.split("\n")[3], "\tbogus_directive on");
});

withCaddy("a plain failure names caddy's line and no temporary path", async () => {
  const result = await caddyAdapt(
    "a.example {\n\treverse_proxy app:3000 {\n\t\tnot_a_subdirective\n\t}\n}\n",
  );
  assert.is(result.status, "failed");
  assert.is(result.line, 3);
  assert.not.match(result.reason ?? "", /redfix-caddy-/);
});

test("a template error fails before caddy runs, at the template's line", async () => {
  const result = await caddyAdaptTemplate(fixture("error-unterminated-action.Caddyfile.tmpl"), SAMPLES);
  assert.equal(result, { status: "failed", reason: "template: unterminated template action '{{'", line: 2 });
});

test("a template this renderer cannot evaluate skips the check instead of failing it", async () => {
  const template = '{{ range $d := split "," (env "DOMAINS") }}\n{{ $d }} {\n\trespond ok\n}\n{{ end }}\n';
  const result = await caddyAdaptTemplate(template, SAMPLES);
  assert.equal(result, {
    status: "skipped",
    reason: 'template: unsupported template action "range"',
    line: 1,
  });
});

test("no caddy binary: skipped with a reason, never passed", async () => {
  const result = await caddyAdapt("a.example {\n}\n", { caddyPath: "/nonexistent/bin/caddy" });
  assert.is(result.status, "skipped");
  assert.match(result.reason ?? "", /could not be started/);
});

test("caddy not on PATH: skipped with the reason, never passed", async () => {
  const path = process.env.PATH;
  process.env.PATH = "/nonexistent";
  try {
    const result = await caddyAdaptTemplate(fixture(valid[0]!), SAMPLES);
    assert.equal(result, {
      status: "skipped",
      reason: "caddy is not installed (not found on PATH)",
      rendered: result.rendered,
    });
  } finally {
    process.env.PATH = path;
  }
});

test("a hung caddy is killed with its whole process tree at the timeout", async () => {
  const dir = mkdtempSync(join(tmpdir(), "redfix-fake-caddy-"));
  try {
    const fake = join(dir, "caddy");
    const pidFile = join(dir, "child.pid");
    writeFileSync(fake, `#!/bin/sh\nsleep 60 &\necho $! > "${pidFile}"\nwait\n`);
    chmodSync(fake, 0o755);
    const started = Date.now();
    const result = await caddyAdapt("a.example {\n}\n", { caddyPath: fake, timeoutMs: 500 });
    assert.equal(result, { status: "failed", reason: "caddy adapt timed out after 500 ms" });
    assert.ok(Date.now() - started < 5000);
    const childPid = Number(readFileSync(pidFile, "utf8").trim());
    await new Promise((r) => setTimeout(r, 100));
    const alive =
      existsSync(`/proc/${childPid}`) && !readFileSync(`/proc/${childPid}/stat`, "utf8").includes(") Z ");
    assert.not.ok(alive, "the grandchild sleep outlived the timeout");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
