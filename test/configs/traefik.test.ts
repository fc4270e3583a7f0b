import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  configFileKind,
  configUpstreams,
  maskTemplateActions,
  traefikUpstreams,
} from "../../load/configs/index.js";
import { fixture } from "./fixture.js";

test("YAML: loadBalancer server urls and tcp/udp addresses, templated hosts read from the original", () => {
  const text = fixture("traefik-dynamic.yml");
  const { refs, errors } = traefikUpstreams("traefik-dynamic.yml", text);
  assert.equal(errors, []);
  assert.equal(
    refs.map((r) => [
      r.kind,
      r.scheme ?? null,
      r.host,
      r.port ?? null,
      r.templated,
      text.slice(r.range.start, r.range.end),
    ]),
    [
      ["traefik.url", "http", "app", 3000, false, "http://app:3000"],
      [
        "traefik.url",
        "http",
        '{{ env "STACK_NAME" }}_app',
        3000,
        true,
        '"http://{{ env "STACK_NAME" }}_app:3000/"',
      ],
      ["traefik.url", "https", "api.example.org", null, false, "'https://api.example.org'"],
      ["traefik.address", null, "db", 5432, false, "db:5432"],
      ["traefik.address", null, "dns", 53, false, '"dns:53"'],
    ],
  );
  for (const r of refs) assert.is(text.slice(r.hostRange.start, r.hostRange.end), r.host);
});

test("TOML: arrays of tables, inline tables, multi-line arrays, quoted keys", () => {
  const text = fixture("traefik-dynamic.toml");
  const { refs, errors } = traefikUpstreams("dynamic.toml", text);
  assert.equal(errors, []);
  assert.equal(
    refs.map((r) => [r.kind, r.host, r.port, text.slice(r.range.start, r.range.end)]),
    [
      ["traefik.url", "app", 3000, '"http://app:3000"'],
      ["traefik.url", "web", 8080, '"http://web:8080"'],
      ["traefik.url", "web-2", 8080, '"http://web-2:8080"'],
      ["traefik.url", "api", 9000, '"http://api:9000"'],
      ["traefik.url", "api-2", 9000, '"http://api-2:9000"'],
      ["traefik.address", "db", 5432, '"db:5432"'],
    ],
  );
  for (const r of refs) assert.is(text.slice(r.hostRange.start, r.hostRange.end), r.host);
});

test("masking keeps every offset and blanks lines that hold only control actions", () => {
  const text = 'a: "{{ env "X" }}"\n{{ if true }}\nb: 1\n{{ end }}\n';
  const { masked, errors } = maskTemplateActions(text);
  assert.equal(errors, []);
  assert.is(masked.length, text.length);
  assert.is(masked, 'a: "xxxxxxxxxxxxx"\n             \nb: 1\n         \n');
});

test("broken YAML and unterminated actions are errors with positions", () => {
  const bad = traefikUpstreams("x.yml", "http:\n  services: [\n");
  assert.ok(bad.errors.length > 0);
  assert.ok(bad.errors.every((e) => e.start >= 0 && e.end >= e.start));
  const action = traefikUpstreams("x.yml", 'a: "{{ env "X"\n');
  assert.equal(action.errors[0], { message: "unterminated template action '{{'", start: 4, end: 15 });
});

test("YAML aliases are followed, and a shared anchor is reported once", () => {
  const text =
    "x-servers: &servers\n  - url: http://app:3000\nhttp:\n  services:\n    a:\n      loadBalancer:\n        servers: *servers\n    b:\n      loadBalancer:\n        servers: *servers\n";
  const { refs, errors } = traefikUpstreams("dynamic.yml", text);
  assert.equal(errors, []);
  assert.equal(
    refs.map((r) => [r.host, text.slice(r.range.start, r.range.end)]),
    [["app", "http://app:3000"]],
  );
});

test("config files are routed to their reader by name and shape", () => {
  const cases: [string, string, string | undefined][] = [
    ["Caddyfile", "", "caddyfile"],
    ["caddy/Caddyfile.tmpl", "", "caddyfile"],
    ["site.caddy", "", "caddyfile"],
    ["nginx.conf.tmpl", "", "nginx"],
    ["default.conf", "server {\n  location / { proxy_pass http://app; }\n}\n", "nginx"],
    ["postgres.conf", "shared_buffers = 128MB\n", undefined],
    ["traefik/dynamic.yml", fixture("traefik-dynamic.yml"), "traefik"],
    ["dynamic.toml", fixture("traefik-dynamic.toml"), "traefik"],
    ["compose.yml", "services:\n  app:\n    image: x\n", undefined],
  ];
  for (const [path, text, kind] of cases) assert.is(configFileKind(path, text), kind, path);
  const caddy = configUpstreams("Caddyfile.tmpl", fixture("bluesky-pds.Caddyfile.tmpl"));
  assert.equal(
    caddy?.refs.map((r) => r.kind),
    ["caddy.on_demand_tls.ask", "caddy.reverse_proxy"],
  );
  const nginx = configUpstreams("nginx.conf.tmpl", fixture("nginx.conf.tmpl"));
  assert.is(nginx?.refs.length, 8);
  assert.is(configUpstreams("compose.yml", "services: {}\n"), undefined);
});

test.run();
