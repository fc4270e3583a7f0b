import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import {
  caddyUpstreams,
  envValueUpstreams,
  nginxUpstreams,
  parseCaddyfile,
  parseNginx,
  qualifyHost,
  renderGoTemplate,
  sourceLine,
  traefikTomlUpstreams,
  traefikYamlUpstreams,
  type UpstreamRef,
} from "../../load/configs/index.js";

/** Pieces that reach every branch of the lexers: braces, quotes, escapes, actions, placeholders, heredocs. */
const PIECES = [
  "{",
  "}",
  "{{",
  "}}",
  "{{ ",
  " }}",
  "{{-",
  "-}}",
  '"',
  "'",
  "`",
  "\\",
  "\\\n",
  "\n",
  "\r\n",
  " ",
  "\t",
  "#",
  ";",
  "(",
  ")",
  "|",
  "/*",
  "*/",
  "<<EOF\n",
  "EOF",
  "app",
  "app:3000",
  "http://",
  "https://",
  "@",
  ":",
  "/",
  "[::1]",
  "{$X}",
  "{$X:d}",
  "{a.b}",
  "${V}",
  "$v",
  "env",
  ' "X" ',
  "secret",
  "if",
  "else",
  "end",
  "range",
  "eq",
  ".Service.Name",
  "reverse_proxy",
  "to",
  "on_demand_tls",
  "ask",
  "php_fastcgi",
  "forward_auth",
  "(snip)",
  "import",
  "upstream",
  "server",
  "proxy_pass",
  "fastcgi_pass",
  "http:",
  "services:",
  "loadBalancer:",
  "servers:",
  "- url: ",
  "address = ",
  "[http.services.a.loadBalancer]",
  "url = ",
  "\uFEFF",
  "é",
  "😀",
];

const structured = fc.array(fc.constantFrom(...PIECES), { maxLength: 60 }).map((a) => a.join(""));
const random = fc.string({ unit: "binary", maxLength: 300 });
const input = fc.oneof(structured, random);

function checkRefs(text: string, refs: UpstreamRef[]): void {
  for (const r of refs) {
    assert.ok(r.range.start >= 0 && r.range.end <= text.length && r.range.start <= r.range.end);
    assert.ok(r.hostRange.start >= r.range.start && r.hostRange.end <= r.range.end);
    assert.is(text.slice(r.hostRange.start, r.hostRange.end), r.host);
    assert.is(qualifyHost(text, r, "x").start, r.hostRange.start);
  }
}

function checkRanges(text: string, ranges: { start: number; end: number }[]): void {
  for (const r of ranges)
    assert.ok(r.start >= 0 && r.start <= r.end && r.end <= text.length, JSON.stringify(r));
}

const RUNS = { numRuns: 400 };

test("Caddyfile: any input parses without throwing; tokens are ordered, in bounds, and hosts slice back", () => {
  fc.assert(
    fc.property(input, (text) => {
      const doc = parseCaddyfile(text);
      checkRanges(text, doc.errors);
      let prev = 0;
      for (const t of doc.tokens) {
        assert.ok(t.start >= prev && t.end > t.start && t.end <= text.length);
        assert.ok(t.contentStart >= t.start && t.contentEnd <= t.end);
        prev = t.end;
      }
      checkRanges(text, doc.comments);
      checkRefs(text, caddyUpstreams(doc));
    }),
    RUNS,
  );
});

test("Go templates: any input renders or reports errors, and output lines map back", () => {
  fc.assert(
    fc.property(input, (text) => {
      const r = renderGoTemplate(text, { env: { X: "" } });
      checkRanges(text, r.errors);
      const lines = r.output.split("\n").length;
      for (let l = 1; l <= lines; l++) {
        const src = sourceLine(text, r, l);
        assert.ok(src >= 1 && src <= text.split("\n").length);
      }
    }),
    RUNS,
  );
});

test("nginx: any input parses without throwing, and hosts slice back", () => {
  fc.assert(
    fc.property(input, (text) => {
      const config = parseNginx(text);
      checkRanges(text, config.errors);
      checkRanges(text, config.tokens);
      checkRefs(text, nginxUpstreams(config).refs);
    }),
    RUNS,
  );
});

test("Traefik YAML/TOML and env values: any input, no exception, hosts slice back", () => {
  fc.assert(
    fc.property(input, (text) => {
      const yaml = traefikYamlUpstreams(text);
      checkRanges(text, yaml.errors);
      checkRefs(text, yaml.refs);
      const toml = traefikTomlUpstreams(text);
      checkRanges(text, toml.errors);
      checkRefs(text, toml.refs);
      checkRefs(text, envValueUpstreams(text));
      checkRefs(text, envValueUpstreams(text, 0, { key: "DB_HOST" }));
    }),
    RUNS,
  );
});

test.run();
