import { test } from "uvu";
import * as assert from "uvu/assert";
import { loadHarness } from "../../harness/load.js";
import type { HarnessModel } from "../../harness/model.js";
import { moduleOf, slice, typescriptFixture } from "./support.js";

let model: HarnessModel;

test.before(async () => {
  model = await loadHarness(typescriptFixture);
});

test("modules are named as in the Python harness", () => {
  assert.equal(model.language, ["typescript"]);
  for (const name of ["runner.harness.canonical", "runner.harness.warm", "tests.keycloak.recipe_meta"]) {
    assert.ok(
      model.modules.some((m) => m.name === name),
      name,
    );
  }
});

test("module constants and dicts carry exact ranges", () => {
  const warm = moduleOf(model, "runner.harness.warm");
  const [base, domains] = warm.constants;
  assert.is(
    slice(warm, base!.range),
    'export const CI_BASE_DOMAIN = process.env.CC_CI_BASE_DOMAIN ?? "ci.commoninternet.net";',
  );
  assert.is(slice(warm, base!.nameRange), "CI_BASE_DOMAIN");
  assert.is(base!.value.kind, "binary");
  const dict = domains!.value;
  if (dict.kind !== "dict") throw new Error("WARM_DOMAINS is not a dict");
  assert.equal(
    dict.entries.map((e) => [slice(warm, e.key.range), slice(warm, e.value.range), e.value.kind]),
    [
      ["keycloak", '"warm-keycloak." + CI_BASE_DOMAIN', "binary"],
      ["authentik", "`warm-authentik.${CI_BASE_DOMAIN}`", "template"],
    ],
  );
  const template = dict.entries[1]!.value;
  if (template.kind !== "template") throw new Error("not a template");
  assert.equal(
    template.parts.map((p) => [p.kind, slice(warm, p.range)]),
    [
      ["text", "warm-authentik."],
      ["value", "${CI_BASE_DOMAIN}"],
    ],
  );
  const stable = warm.functions[0]!.returns[0]!.value!;
  if (stable.kind !== "template") throw new Error("not a template");
  assert.equal(
    stable.parts.map((p) => slice(warm, p.range)),
    ["warm-", "${r}", ".", "${CI_BASE_DOMAIN}"],
  );
  const meta = moduleOf(model, "tests.keycloak.recipe_meta");
  assert.equal(
    meta.constants.map((c) => [c.name, c.value.kind, slice(meta, c.value.range)]),
    [
      ["WARM_CANONICAL", "bool", "false"],
      ["DEPLOY_TIMEOUT", "number", "900"],
      ["HTTP_TIMEOUT", "number", "30"],
      ["HEALTH_PATH", "string", '"/realms/master"'],
      ["EXTRA_ENV", "dict", '{ KC_HEALTH_ENABLED: "true" }'],
      ["SCREENSHOT", "bool", "true"],
    ],
  );
});

test("offsets are UTF-16 offsets after non-ASCII characters", () => {
  const canonical = moduleOf(model, "runner.harness.canonical");
  const fn = canonical.functions.find((f) => f.name === "canonical_domain")!;
  const text = canonical.source.text;
  assert.is(fn.nameRange.start, text.indexOf("function canonical_domain") + "function ".length);
  assert.ok(Buffer.byteLength(text.slice(0, fn.nameRange.start)) > fn.nameRange.start);
});

test("imports: namespace, named with alias, packages", () => {
  const canonical = moduleOf(model, "runner.harness.canonical");
  assert.equal(
    canonical.imports.map((i) => [
      slice(canonical, i.range),
      i.alias,
      i.module,
      i.symbol ?? null,
      i.internal,
    ]),
    [
      ["warm", "warm", "runner.harness.warm", null, true],
      ["CI_BASE_DOMAIN as BASE", "BASE", "runner.harness.warm", "CI_BASE_DOMAIN", true],
    ],
  );
  const ops = moduleOf(model, "runner.harness.ops");
  assert.equal(
    ops.imports.map((i) => [i.alias, i.module, i.symbol, i.internal]),
    [["execFileSync", "node:child_process", "execFileSync", false]],
  );
});

test("functions: declarations, arrow functions, defaults, returns and locals", () => {
  const canonical = moduleOf(model, "runner.harness.canonical");
  const [label, domain, provider] = canonical.functions;
  assert.is(label?.qualifiedName, "runner.harness.canonical._label");
  assert.equal(
    label!.params.map((p) => [
      p.name,
      slice(canonical, p.range),
      p.default ? slice(canonical, p.default.range) : null,
    ]),
    [
      ["r", "r: string", null],
      ["prefix", "prefix: string = PREFIX", "PREFIX"],
    ],
  );
  assert.is(slice(canonical, label!.returns[0]!.value!.range), 'prefix + "-" + r');
  assert.equal(
    domain!.locals.map((l) => [l.name, slice(canonical, l.range)]),
    [["label", "label = _label(r)"]],
  );
  assert.is(slice(canonical, domain!.returns[0]!.range), "return `${label}.${BASE}`;");
  assert.is(provider?.name, "is_warm_provider");
  assert.is(slice(canonical, provider!.returns[0]!.value!.range), "r in warm.WARM_DOMAINS");
  assert.ok(slice(canonical, provider!.range).startsWith("export const is_warm_provider"));
});

test("returns carry the conditions that lead to them", () => {
  const lifecycle = moduleOf(model, "runner.harness.lifecycle");
  const promote = lifecycle.functions.find((f) => f.name === "promote")!;
  const [early, last] = promote.returns;
  assert.is(slice(lifecycle, early!.range), "return undefined;");
  const g = early!.guards[0]!;
  assert.ok(g.kind === "if" && g.holds && slice(lifecycle, g.test.range) === "!meta.WARM_CANONICAL");
  assert.equal(last!.guards, []);
  const wait = lifecycle.functions.find((f) => f.name === "wait_ready")!;
  assert.ok(wait.returns[0]!.guards.some((x) => x.kind === "opaque"));
  assert.equal([wait.async, promote.async], [true, false]);
});

test("calls: object-literal options are the keyword arguments", () => {
  const lifecycle = moduleOf(model, "runner.harness.lifecycle");
  const logs = lifecycle.calls.find((c) => c.callee === "service_logs")!;
  assert.is(logs.resolved, "runner.harness.ops.service_logs");
  assert.is(logs.enclosingFunction, "runner.harness.lifecycle.promote");
  assert.equal(
    logs.kwargs.map((k) => [k.name, slice(lifecycle, k.nameRange), slice(lifecycle, k.range), k.string]),
    [["service", "service", 'service: "app"', "app"]],
  );
  const exec = lifecycle.calls.find((c) => c.callee === "exec_in")!;
  assert.is(exec.resolved, "runner.harness.ops.exec_in");
  assert.equal(
    exec.kwargs.map((k) => [k.name, k.string ?? null]),
    [
      ["service", "app"],
      ["timeout", null],
    ],
  );
  assert.is(
    lifecycle.calls.find((c) => c.callee === "canonical.canonical_domain")?.resolved,
    "runner.harness.canonical.canonical_domain",
  );
});

test("test() and describe() give node ids", () => {
  const handshake = moduleOf(model, "tests.mumble.custom.test_protocol_handshake");
  assert.equal(
    handshake.tests.map((t) => t.nodeId),
    [
      "tests/mumble/custom/test_protocol_handshake.ts::protocol handshake::completes with channel presence",
      "tests/mumble/custom/test_protocol_handshake.ts::server accepts tcp",
    ],
  );
  assert.ok(slice(handshake, handshake.tests[1]!.range).startsWith('test("server accepts tcp"'));
  assert.equal(moduleOf(model, "runner.harness.ops").tests, []);
});

test("assertions: assert.equal / notEqual / ok", () => {
  const upgrade = moduleOf(model, "tests.discourse.test_upgrade");
  const [a] = upgrade.assertions;
  assert.is(a!.text, slice(upgrade, a!.range));
  assert.is(a!.comparison?.op, "==");
  assert.is(slice(upgrade, a!.comparison!.left.range), 'image.split(":")[0]');
  assert.is(slice(upgrade, a!.comparison!.right.range), '"discourse/discourse"');
  assert.is(slice(upgrade, a!.message!.range), '"the upgrade must leave bitnamilegacy behind"');
  assert.is(a!.testId, "tests/discourse/test_upgrade.ts::upgrade moves to the official image");
  const handshake = moduleOf(model, "tests.mumble.custom.test_protocol_handshake");
  assert.equal(
    handshake.assertions.map((x) => [x.comparison?.op ?? null, slice(handshake, x.test.range)]),
    [
      ["!=", "assert.notEqual(socket.getProtocol(), null)"],
      [null, "raw.connecting"],
    ],
  );
});

test("net.connect and tls.connect with their ports", () => {
  const handshake = moduleOf(model, "tests.mumble.custom.test_protocol_handshake");
  assert.equal(
    handshake.connects.map((c) => [
      c.kind,
      c.callee,
      c.port ? slice(handshake, c.port.range) : null,
      c.portValue ?? null,
      c.host ? slice(handshake, c.host.range) : null,
      c.testId,
    ]),
    [
      [
        "tls",
        "tls.connect",
        "MUMBLE_PORT",
        64738,
        "domain",
        "tests/mumble/custom/test_protocol_handshake.ts::protocol handshake::completes with channel presence",
      ],
      [
        "tcp",
        "net.connect",
        "port",
        64738,
        "domain",
        "tests/mumble/custom/test_protocol_handshake.ts::server accepts tcp",
      ],
    ],
  );
  // A test's callback is its function: the port above is a local of it.
  assert.equal(
    handshake.connects.map((c) => c.enclosingFunction),
    [
      "tests.mumble.custom.test_protocol_handshake::protocol handshake::completes with channel presence",
      "tests.mumble.custom.test_protocol_handshake::server accepts tcp",
    ],
  );
  assert.equal(
    handshake.tests.map((t) => t.function),
    handshake.connects.map((c) => c.enclosingFunction),
  );
});

test("syntax errors are problems with positions; the rest is still analyzed", () => {
  assert.ok(model.problems.length >= 1);
  for (const p of model.problems) assert.is(p.file, "tests/broken/test_syntax_error.ts");
  const [first] = model.problems;
  assert.equal(first!.position, { line: 1, column: 45 });
  assert.match(first!.message, /syntax error: ',' expected/);
  assert.ok(moduleOf(model, "runner.harness.warm").functions.length > 0);
});

test.run();
