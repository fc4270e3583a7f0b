import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  applyHostEdits,
  caddyUpstreams,
  isBareServiceName,
  parseCaddyfile,
  qualifyHost,
  type UpstreamRef,
} from "../../load/configs/index.js";
import { fixture, offsetOf } from "./fixture.js";

const QUALIFIED = '{{ env "STACK_NAME" }}_app';

function refsOf(text: string): UpstreamRef[] {
  return caddyUpstreams(parseCaddyfile(text));
}

test("bluesky-pds: the ask URL and the reverse_proxy reach the bare `app`", () => {
  const text = fixture("bluesky-pds.Caddyfile.tmpl");
  const refs = refsOf(text);
  const askAt = offsetOf(text, "http://app:3000/tls-check");
  const proxyAt = offsetOf(text, "http://app:3000", 1);
  assert.equal(refs, [
    {
      kind: "caddy.on_demand_tls.ask",
      raw: "http://app:3000/tls-check",
      host: "app",
      hostRange: { start: askAt + 7, end: askAt + 10 },
      range: { start: askAt, end: askAt + 25 },
      templated: false,
      scheme: "http",
      port: 3000,
      path: "/tls-check",
    },
    {
      kind: "caddy.reverse_proxy",
      raw: "http://app:3000",
      host: "app",
      hostRange: { start: proxyAt + 7, end: proxyAt + 10 },
      range: { start: proxyAt, end: proxyAt + 15 },
      templated: false,
      scheme: "http",
      port: 3000,
    },
  ]);
  for (const r of refs) {
    assert.is(text.slice(r.hostRange.start, r.hostRange.end), "app");
    assert.is(text.slice(r.range.start, r.range.end), r.raw);
    assert.ok(isBareServiceName(r.host));
  }
});

test("qualifying the hosts turns bluesky-pds into its stack-qualified form, byte for byte", () => {
  const text = fixture("bluesky-pds.Caddyfile.tmpl");
  const edits = refsOf(text).map((r) => qualifyHost(text, r, QUALIFIED));
  assert.equal(edits[0], {
    start: offsetOf(text, "app:3000/tls"),
    end: offsetOf(text, "app:3000/tls") + 3,
    text: QUALIFIED,
  });
  const fixed = applyHostEdits(text, edits);
  assert.is(fixed, fixture("bluesky-pds-qualified.Caddyfile.tmpl"));
  const after = refsOf(fixed);
  assert.equal(
    after.map((r) => [r.kind, r.host, r.templated, r.port]),
    [
      ["caddy.on_demand_tls.ask", QUALIFIED, true, 3000],
      ["caddy.reverse_proxy", QUALIFIED, true, 3000],
    ],
  );
  assert.ok(after.every((r) => !isBareServiceName(r.host)));
});

test("a stale reference is refused instead of splicing the wrong bytes", () => {
  const text = fixture("bluesky-pds.Caddyfile.tmpl");
  const [ref] = refsOf(text);
  assert.ok(ref);
  assert.throws(() => qualifyHost("x" + text, ref, QUALIFIED), /stale reference/);
});

test("all upstream directives, `to`, matchers skipped, transport ignored, snippets included", () => {
  const text = fixture("site-features.Caddyfile");
  const refs = refsOf(text);
  assert.equal(
    refs.map((r) => [r.kind, r.host, r.port ?? null, r.templated]),
    [
      ["caddy.reverse_proxy", "web", 8080, false],
      ["caddy.reverse_proxy", "api", 9000, false],
      ["caddy.reverse_proxy", "api-2", 9000, false],
      ["caddy.reverse_proxy.to", "backup", 9001, false],
      ["caddy.forward_auth", "authelia", 9091, false],
      ["caddy.php_fastcgi", "php-fpm", 9000, false],
      ["caddy.reverse_proxy", "{$STATIC_UPSTREAM:static:80}", null, true],
      ["caddy.reverse_proxy.dynamic", "events", 8080, false],
      ["caddy.reverse_proxy.dynamic", "feeds", 8081, false],
    ],
  );
  for (const r of refs) assert.is(text.slice(r.hostRange.start, r.hostRange.end), r.host);
});

test("schemes, IPv6, port ranges and unix sockets", () => {
  const text =
    "a.example {\n\treverse_proxy h2c://grpc:50051 [::1]:8080 localhost:8001-8006 unix//run/app.sock https://api.example.org\n}\n";
  const refs = refsOf(text);
  assert.equal(
    refs.map((r) => [
      r.scheme ?? null,
      r.host,
      r.port ?? null,
      text.slice(r.hostRange.start, r.hostRange.end),
    ]),
    [
      ["h2c", "grpc", 50051, "grpc"],
      [null, "::1", 8080, "::1"],
      [null, "localhost", null, "localhost"],
      ["https", "api.example.org", null, "api.example.org"],
    ],
  );
  assert.equal(
    refs.map((r) => isBareServiceName(r.host)),
    [true, false, false, false],
  );
});

test("quoted upstreams keep the quotes in range and out of the host", () => {
  const text = 'a.example {\n\treverse_proxy "app:3000"\n}\n';
  const [ref] = refsOf(text);
  assert.is(text.slice(ref?.range.start, ref?.range.end), '"app:3000"');
  assert.is(text.slice(ref?.hostRange.start, ref?.hostRange.end), "app");
});

test("runtime placeholders and template actions in the host are templated", () => {
  const text =
    'a.example {\n\treverse_proxy {http.request.header.X-Up}:80 {{ env "STACK_NAME" }}_web:80 db-{{ env "N" }}:5432\n}\n';
  const refs = refsOf(text);
  assert.equal(
    refs.map((r) => [r.host, r.port, r.templated]),
    [
      ["{http.request.header.X-Up}", 80, true],
      ['{{ env "STACK_NAME" }}_web', 80, true],
      ['db-{{ env "N" }}', 5432, true],
    ],
  );
});

test("on_demand_tls `permission http { endpoint }` (Caddy 2.8+) is read too", () => {
  const text =
    "{\n\ton_demand_tls {\n\t\tpermission http {\n\t\t\tendpoint http://app:3000/tls-check\n\t\t}\n\t}\n}\n";
  assert.equal(
    refsOf(text).map((r) => [r.kind, r.host]),
    [["caddy.on_demand_tls.permission", "app"]],
  );
});

test.run();
