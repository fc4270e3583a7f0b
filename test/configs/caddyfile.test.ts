import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  parseCaddyfile,
  tokenizeCaddyfile,
  walkDirectives,
  namedMatchers,
} from "../../load/configs/index.js";
import { fixture, offsetOf } from "./fixture.js";

const slice = (text: string, r: { start: number; end: number }): string => text.slice(r.start, r.end);

test("every token's range slices back to its source text", () => {
  const text = fixture("site-features.Caddyfile");
  const { tokens, errors } = tokenizeCaddyfile(text);
  assert.equal(errors, []);
  let prev = 0;
  for (const t of tokens) {
    assert.ok(t.start >= prev, `token at ${t.start} overlaps the previous one`);
    prev = t.end;
    const raw = slice(text, t);
    if (t.kind === "word" || t.kind === "open" || t.kind === "close") assert.is(raw, t.text);
    if (t.kind === "quoted") assert.ok(raw.startsWith('"') && raw.endsWith('"'));
    if (t.kind === "backtick") assert.is(raw, "`" + t.text + "`");
  }
});

test("quoted strings unescape only quotes; backticks keep everything", () => {
  const text = 'header X-A "caddy \\"edge\\" \\n" `a\\"b`\n';
  const { tokens } = tokenizeCaddyfile(text);
  assert.equal(
    tokens.map((t) => [t.kind, t.text]),
    [
      ["word", "header"],
      ["word", "X-A"],
      ["quoted", 'caddy "edge" \\n'],
      ["backtick", 'a\\"b'],
    ],
  );
  const quoted = tokens[2];
  assert.is(slice(text, quoted ?? { start: 0, end: 0 }), '"caddy \\"edge\\" \\n"');
  assert.is(quoted?.contentStart, offsetOf(text, '"caddy') + 1);
});

test("an escaped newline continues the line; the next token stays on Caddy's line", () => {
  const text = "respond /health \\\n  200\nfile_server\n";
  const { tokens } = tokenizeCaddyfile(text);
  assert.equal(
    tokens.map((t) => [t.text, t.line]),
    [
      ["respond", 1],
      ["/health", 1],
      ["200", 1],
      ["file_server", 2],
    ],
  );
  const doc = parseCaddyfile(`x {\n${text}}\n`);
  const respond = doc.serverBlocks[0]?.directives[0];
  assert.equal(
    respond?.args.map((a) => a.text),
    ["/health", "200"],
  );
  assert.is(doc.serverBlocks[0]?.directives[1]?.name.text, "file_server");
});

test("comments start only at a token's start and are kept with offsets", () => {
  const text = "a#b # real comment\nc\n";
  const { tokens, comments } = tokenizeCaddyfile(text);
  assert.equal(
    tokens.map((t) => t.text),
    ["a#b", "c"],
  );
  assert.equal(comments, [{ start: 4, end: 18, text: "# real comment" }]);
});

test("template actions stay whole inside tokens, quoted strings included", () => {
  const text = 'reverse_proxy {{ env "STACK_NAME" }}_app:3000 "x {{ secret "k" }} y"\n';
  const { tokens, errors } = tokenizeCaddyfile(text);
  assert.equal(errors, []);
  assert.equal(
    tokens.map((t) => t.text),
    ["reverse_proxy", '{{ env "STACK_NAME" }}_app:3000', 'x {{ secret "k" }} y'],
  );
  const upstream = tokens[1];
  assert.equal(
    upstream?.parts.map((p) => [p.kind, slice(text, p)]),
    [["template", '{{ env "STACK_NAME" }}']],
  );
  assert.is(upstream?.templateControl, false);
});

test("env and runtime placeholders are parts of their token", () => {
  const text =
    "{$DOMAIN:example.org} {\n\treverse_proxy {$UP} {\n\t\theader_up Host {http.request.host}\n\t}\n}\n";
  const { tokens } = tokenizeCaddyfile(text);
  const parts = tokens.flatMap((t) => t.parts.map((p) => [p.kind, slice(text, p)]));
  assert.equal(parts, [
    ["env", "{$DOMAIN:example.org}"],
    ["env", "{$UP}"],
    ["placeholder", "{http.request.host}"],
  ]);
  assert.is(tokens[0]?.kind, "word");
  assert.is(tokens[1]?.kind, "open");
});

test("template control actions are skipped by the structure, both branches stay", () => {
  const doc = parseCaddyfile(fixture("conditional.Caddyfile.tmpl"));
  assert.equal(doc.errors, []);
  assert.equal(
    doc.serverBlocks.map((b) => b.kind),
    ["global", "site"],
  );
  const site = doc.serverBlocks[1];
  assert.equal(
    site?.directives.map((d) => d.name.text),
    ["respond", "reverse_proxy"],
  );
  assert.equal(
    doc.global?.directives.map((d) => d.name.text),
    ["admin", "on_demand_tls"],
  );
  assert.ok(doc.tokens.filter((t) => t.templateControl).length >= 5);
});

test("global options, snippets, sites, matchers and nested blocks", () => {
  const text = fixture("site-features.Caddyfile");
  const doc = parseCaddyfile(text);
  assert.equal(doc.errors, []);
  assert.equal(
    doc.serverBlocks.map((b) => [b.kind, b.keys.map((k) => k.text), b.snippetName ?? null]),
    [
      ["global", [], null],
      ["snippet", ["(common)"], "common"],
      ["snippet", ["(proxy_web)"], "proxy_web"],
      ["site", ["example.org,", "www.example.org"], null],
    ],
  );
  assert.equal(
    doc.global?.directives.map((d) => [d.name.text, ...d.args.map((a) => a.text)]),
    [
      ["email", "admin@example.org"],
      ["admin", "off"],
    ],
  );
  const site = doc.serverBlocks[3];
  assert.ok(site?.block?.close);
  assert.is(slice(text, site ?? { start: 0, end: 0 }).split("\n")[0], "example.org, www.example.org {");
  assert.ok(text.slice(0, site?.end).endsWith("import proxy_web\n}"));
  const matchers = namedMatchers(site?.directives ?? []);
  assert.equal([...matchers.keys()], ["@api"]);
  assert.equal(
    matchers.get("@api")?.block?.directives.map((d) => d.name.text),
    ["path", "header"],
  );
  const rp = site?.directives.find((d) => d.name.text === "reverse_proxy");
  assert.equal(
    rp?.args.map((a) => a.text),
    ["@api", "api:9000", "api-2:9000"],
  );
  assert.equal(
    rp?.block?.directives.map((d) => d.name.text),
    ["to", "lb_policy", "header_up", "transport"],
  );
  const transport = rp?.block?.directives[3];
  assert.equal(
    transport?.block?.directives.map((d) => d.name.text),
    ["dial_timeout"],
  );
  assert.is(
    slice(text, rp ?? { start: 0, end: 0 })
      .split("\n")
      .at(-1),
    "\t}",
  );
  const all = [...walkDirectives(site?.directives ?? [])].map((d) => d.name.text);
  assert.ok(all.includes("forward_auth") && all.includes("php_fastcgi") && all.includes("copy_headers"));
});

test("a single site without braces runs to the end of the file", () => {
  const doc = parseCaddyfile(fixture("brace-less.Caddyfile"));
  assert.equal(doc.errors, []);
  assert.is(doc.serverBlocks.length, 1);
  assert.is(doc.serverBlocks[0]?.block, undefined);
  assert.equal(
    doc.serverBlocks[0]?.directives.map((d) => d.name.text),
    ["root", "file_server", "reverse_proxy"],
  );
});

test("one-line blocks: `tls { on_demand }`", () => {
  const doc = parseCaddyfile("a.example {\n\ttls { on_demand }\n\trespond ok\n}\n");
  assert.equal(doc.errors, []);
  const tls = doc.serverBlocks[0]?.directives[0];
  assert.equal(
    tls?.block?.directives.map((d) => d.name.text),
    ["on_demand"],
  );
  assert.is(doc.serverBlocks[0]?.directives[1]?.name.text, "respond");
});

test("a block under an address on the next line still belongs to it, as in Caddy", () => {
  const doc = parseCaddyfile("example.org\n{\n\trespond ok\n}\n");
  assert.equal(doc.errors, []);
  assert.is(doc.serverBlocks[0]?.directives[0]?.name.text, "respond");
});

test("a global block after a site is an error at its position", () => {
  const text = "a.example {\n\trespond ok\n}\n{\n\tadmin off\n}\n";
  const doc = parseCaddyfile(text);
  assert.is(doc.global, undefined);
  assert.is(doc.errors.length, 1);
  assert.is(doc.errors[0]?.start, offsetOf(text, "{\n\tadmin"));
});

test("error: unterminated quoted string, with its position", () => {
  const text = fixture("error-unterminated-quote.Caddyfile");
  const doc = parseCaddyfile(text);
  const quote = doc.errors.find((e) => e.message.includes("quoted string"));
  assert.ok(quote);
  assert.is(quote?.start, offsetOf(text, '"unterminated'));
  assert.is(quote?.end, text.length);
  assert.ok(doc.errors.some((e) => e.message.includes("unclosed '{'") && e.start === offsetOf(text, "{")));
});

test("error: unterminated backtick string", () => {
  const { errors } = tokenizeCaddyfile("respond `abc\n");
  assert.equal(errors, [{ message: "unterminated backtick string", start: 8, end: 13 }]);
});

test("error: an unclosed nested block points at its '{'", () => {
  const text = fixture("error-unclosed-brace.Caddyfile");
  const doc = parseCaddyfile(text);
  assert.equal(doc.errors, [
    { message: "unclosed '{': expected '}' before the end of the file", start: 12, end: 13 },
  ]);
  assert.is(text.slice(0, 13), "example.org {");
});

test("error: a '}' with no '{'", () => {
  const text = fixture("error-extra-brace.Caddyfile");
  const doc = parseCaddyfile(text);
  const at = text.lastIndexOf("}");
  assert.equal(doc.errors, [{ message: "unexpected '}': no matching '{'", start: at, end: at + 1 }]);
});

test("error: an unterminated template action", () => {
  const text = fixture("error-unterminated-action.Caddyfile.tmpl");
  const doc = parseCaddyfile(text);
  const e = doc.errors.find((x) => x.message.includes("template action"));
  assert.equal(e, {
    message: "unterminated template action '{{'",
    start: offsetOf(text, "{{"),
    end: text.length,
  });
});

test("a quoted '{' is a value, not a block", () => {
  const doc = parseCaddyfile('a.example {\n\trespond "{" 200\n}\n');
  assert.equal(doc.errors, []);
  assert.equal(
    doc.serverBlocks[0]?.directives[0]?.args.map((a) => [a.kind, a.text]),
    [
      ["quoted", "{"],
      ["word", "200"],
    ],
  );
});

test("heredocs (Caddy 2.7+) strip the closing marker's indentation", () => {
  const text = "a.example {\n\trespond <<HTML\n\t\t<b>hi</b>\n\t\tHTML 200\n}\n";
  const doc = parseCaddyfile(text);
  assert.equal(doc.errors, []);
  const args = doc.serverBlocks[0]?.directives[0]?.args ?? [];
  assert.equal(
    args.map((a) => [a.kind, a.text]),
    [
      ["heredoc", "<b>hi</b>\n"],
      ["word", "200"],
    ],
  );
  assert.is(slice(text, args[0] ?? { start: 0, end: 0 }), "<<HTML\n\t\t<b>hi</b>\n\t\tHTML");
});

test("a byte order mark is skipped and CRLF line ends are spaces", () => {
  const text = "\uFEFFa.example {\r\n\treverse_proxy app:3000\r\n}\r\n";
  const doc = parseCaddyfile(text);
  assert.equal(doc.errors, []);
  assert.is(doc.serverBlocks[0]?.keys[0]?.start, 1);
  assert.equal(
    doc.serverBlocks[0]?.directives[0]?.args.map((a) => a.text),
    ["app:3000"],
  );
});

test.run();
