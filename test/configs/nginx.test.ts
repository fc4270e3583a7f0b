import { test } from "uvu";
import * as assert from "uvu/assert";
import { nginxUpstreams, parseNginx, tokenizeNginx, walkNginx } from "../../load/configs/index.js";
import { fixture, offsetOf } from "./fixture.js";

test("tokens: words, quotes, `${var}` braces, comments, and offsets that slice back", () => {
  const text = 'set $x "a \\" b" ;  # note\nreturn 200 ${x}y\'q\';\n';
  const { tokens, comments, errors } = tokenizeNginx(text);
  assert.equal(errors, []);
  assert.equal(
    tokens.map((t) => [t.kind, t.text, text.slice(t.start, t.end)]),
    [
      ["word", "set", "set"],
      ["word", "$x", "$x"],
      ["quoted", 'a " b', '"a \\" b"'],
      ["semicolon", ";", ";"],
      ["word", "return", "return"],
      ["word", "200", "200"],
      ["word", "${x}y'q'", "${x}y'q'"],
      ["semicolon", ";", ";"],
    ],
  );
  assert.equal(comments, [{ start: 19, end: 25, text: "# note" }]);
  assert.equal(
    tokens[6]?.parts.map((p) => [p.kind, text.slice(p.start, p.end)]),
    [["variable", "${x}"]],
  );
});

test("structure: nested blocks and directives", () => {
  const doc = parseNginx(fixture("nginx.conf.tmpl"));
  assert.equal(doc.errors, []);
  assert.equal(
    doc.directives.map((d) => d.name.text),
    ["worker_processes", "events", "http"],
  );
  const names = [...walkNginx(doc.directives)].map((d) => d.name.text);
  assert.is(names.filter((n) => n === "location").length, 8);
  const serverName = [...walkNginx(doc.directives)].find((d) => d.name.text === "server_name");
  assert.equal(
    serverName?.args.map((a) => a.text),
    ['{{ env "DOMAIN" }}'],
  );
});

test("upstream servers, every *_pass, set-variable upstreams; an upstream name is not a host", () => {
  const text = fixture("nginx.conf.tmpl");
  const result = nginxUpstreams(parseNginx(text));
  assert.equal(
    result.refs.map((r) => [r.kind, r.scheme ?? null, r.host, r.port ?? null, r.path ?? null, r.templated]),
    [
      ["nginx.upstream.server", null, "app", 8000, null, false],
      ["nginx.upstream.server", null, "10.0.0.7", 8000, null, false],
      ["nginx.proxy_pass", "http", "api", 9000, "/v1/", false],
      ["nginx.fastcgi_pass", null, "php", 9000, null, false],
      ["nginx.grpc_pass", "grpc", "grpc-svc", 50051, null, false],
      ["nginx.uwsgi_pass", "uwsgi", "legacy", 3031, null, false],
      ["nginx.proxy_pass.set", "http", "media", 8080, null, false],
      ["nginx.proxy_pass", "http", '{{ env "STACK_NAME" }}_app', 8000, null, true],
    ],
  );
  for (const r of result.refs) assert.is(text.slice(r.hostRange.start, r.hostRange.end), r.host);
  assert.equal(
    result.upstreamBlocks.map((u) => [
      u.name,
      u.servers.length,
      text.slice(u.nameToken.start, u.nameToken.end),
    ]),
    [["backend", 2, "backend"]],
  );
  assert.equal(
    result.resolved.map((r) => [r.upstream, r.directive.name.start]),
    [["backend", offsetOf(text, "proxy_pass http://backend")]],
  );
  const media = result.refs.find((r) => r.kind === "nginx.proxy_pass.set");
  assert.is(text.slice(media?.range.start, media?.range.end), '"http://media:8080"');
});

test("stream-context proxy_pass without a scheme, to a host or to an upstream", () => {
  const text =
    "stream {\n  upstream dbs { server db-1:5432; }\n  server { proxy_pass dbs; }\n  server { proxy_pass cache:6379; }\n}\n";
  const result = nginxUpstreams(parseNginx(text));
  assert.equal(
    result.refs.map((r) => [r.kind, r.host, r.port]),
    [
      ["nginx.upstream.server", "db-1", 5432],
      ["nginx.proxy_pass", "cache", 6379],
    ],
  );
  assert.equal(
    result.resolved.map((r) => r.upstream),
    ["dbs"],
  );
});

test("errors: unterminated quote, missing ';', unbalanced braces, unterminated template action", () => {
  const quote = parseNginx('location / {\n  return 200 "oops;\n}\n');
  assert.ok(quote.errors.some((e) => e.message === "unterminated quoted string" && e.start === 26));
  const semi = parseNginx("worker_processes auto\n");
  assert.equal(semi.errors, [
    { message: 'unexpected end of directive, expecting ";" or "{"', start: 0, end: 21 },
  ]);
  const open = parseNginx("http {\n  server {\n  }\n");
  assert.equal(open.errors, [{ message: 'unexpected end of file, expecting "}"', start: 5, end: 6 }]);
  const close = parseNginx("events { }\n}\n");
  assert.equal(close.errors, [{ message: 'unexpected "}"', start: 11, end: 12 }]);
  const action = parseNginx('proxy_pass http://{{ env "X" _app;\n');
  assert.ok(action.errors.some((e) => e.message === "unterminated template action '{{'" && e.start === 18));
});

test("a quoted string may be followed by `)` (if conditions), not by other characters", () => {
  const ok = parseNginx('location / {\n  if ($http_x = "a") { return 403; }\n}\n');
  assert.equal(ok.errors, []);
  const ifd = [...walkNginx(ok.directives)].find((d) => d.name.text === "if");
  assert.equal(
    ifd?.args.map((a) => a.text),
    ["($http_x", "=", "a", ")"],
  );
  const bad = parseNginx('return 200 "a"b;\n');
  assert.equal(bad.errors, [{ message: 'unexpected "b" after a quoted string', start: 14, end: 15 }]);
});

test.run();
