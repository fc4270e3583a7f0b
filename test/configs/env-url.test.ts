import { test } from "uvu";
import * as assert from "uvu/assert";
import { envValueUpstreams, isBareServiceName } from "../../load/configs/index.js";

const view = (value: string, offset = 0) =>
  envValueUpstreams(value, offset).map((r) => [
    r.kind,
    r.scheme ?? null,
    r.host,
    r.port ?? null,
    r.templated,
    value.slice(r.hostRange.start - offset, r.hostRange.end - offset),
  ]);

test("database, http and redis URLs", () => {
  assert.equal(view("postgres://user:pw@db:5432/x"), [["env.url", "postgres", "db", 5432, false, "db"]]);
  assert.equal(view("http://app:3000"), [["env.url", "http", "app", 3000, false, "app"]]);
  assert.equal(view("redis://redis"), [["env.url", "redis", "redis", null, false, "redis"]]);
  assert.equal(view("redis://:secret@cache:6379/0"), [["env.url", "redis", "cache", 6379, false, "cache"]]);
});

test("offsets point into the file", () => {
  const line = "DATABASE_URL=postgres://u:p@db:5432/app\n";
  const valueAt = line.indexOf("=") + 1;
  const [ref] = envValueUpstreams(line.slice(valueAt, -1), valueAt);
  assert.is(line.slice(ref?.hostRange.start, ref?.hostRange.end), "db");
  assert.is(line.slice(ref?.range.start, ref?.range.end), "postgres://u:p@db:5432/app");
});

test("host:port pairs and lists; times and words are not hosts", () => {
  assert.equal(view("db:5432"), [["env.hostport", null, "db", 5432, false, "db"]]);
  assert.equal(view("a:1,b:2"), [
    ["env.hostport", null, "a", 1, false, "a"],
    ["env.hostport", null, "b", 2, false, "b"],
  ]);
  assert.equal(view("12:30"), []);
  assert.equal(view("true"), []);
  assert.equal(view("user:password"), []);
  assert.equal(view("some words here"), []);
});

test("multi-host URLs and URLs after a flag", () => {
  assert.equal(view("mongodb://u:p@m1:27017,m2:27017/db?replicaSet=rs"), [
    ["env.url", "mongodb", "m1", 27017, false, "m1"],
    ["env.url", null, "m2", 27017, false, "m2"],
  ]);
  assert.equal(view("--upstream=http://app:8080 --verbose"), [
    ["env.url", "http", "app", 8080, false, "app"],
  ]);
});

test("compose variables and template actions make a host templated", () => {
  assert.equal(view("${STACK_NAME}_db:5432"), [
    ["env.hostport", null, "${STACK_NAME}_db", 5432, true, "${STACK_NAME}_db"],
  ]);
  assert.equal(view('http://{{ env "STACK_NAME" }}_app:3000'), [
    ["env.url", "http", '{{ env "STACK_NAME" }}_app', 3000, true, '{{ env "STACK_NAME" }}_app'],
  ]);
  assert.equal(view("postgres://u:${PW}@db:5432/x"), [["env.url", "postgres", "db", 5432, false, "db"]]);
});

test("a *_HOST key makes a lone name a reference; other keys and values do not", () => {
  const refs = envValueUpstreams(" db ", 10, { key: "POSTGRES_HOST" });
  assert.equal(
    refs.map((r) => [r.kind, r.host, r.hostRange.start, r.hostRange.end]),
    [["env.host", "db", 11, 13]],
  );
  assert.equal(
    envValueUpstreams("redis", 0, { key: "REDIS_HOSTNAME" }).map((r) => r.kind),
    ["env.host"],
  );
  assert.equal(envValueUpstreams("db", 0, { key: "POSTGRES_DB" }), []);
  assert.equal(envValueUpstreams("db", 0), []);
  assert.equal(
    envValueUpstreams("${STACK_NAME}_db", 0, { key: "DB_HOST" }).map((r) => [r.host, r.templated]),
    [["${STACK_NAME}_db", true]],
  );
  assert.equal(
    envValueUpstreams("db:5432", 0, { key: "DB_ADDR" }).map((r) => [r.kind, r.host, r.port]),
    [["env.hostport", "db", 5432]],
  );
});

test("isBareServiceName: no dot, not an IP, not localhost, no template", () => {
  const cases: [string, boolean][] = [
    ["app", true],
    ["db", true],
    ["my_stack_app", true],
    ["php-fpm", true],
    ["localhost", false],
    ["LOCALHOST", false],
    ["example.org", false],
    ["10.0.0.1", false],
    ["::1", false],
    ["", false],
    ['{{ env "STACK_NAME" }}_app', false],
    ["${STACK_NAME}_app", false],
    ["{$UP}", false],
    ["{http.request.host}", false],
    ["2130706433", false],
  ];
  for (const [host, bare] of cases) assert.is(isBareServiceName(host), bare, host);
});

test.run();
