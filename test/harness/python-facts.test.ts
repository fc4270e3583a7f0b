import { test } from "uvu";
import * as assert from "uvu/assert";
import { loadHarness } from "../../harness/load.js";
import { harnessRecipes, recipeOfPath } from "../../harness/model.js";
import type { HarnessExpr, HarnessModel } from "../../harness/model.js";
import { moduleOf, pythonFixture, slice } from "./support.js";

let model: HarnessModel;

test.before(async () => {
  model = await loadHarness(pythonFixture);
});

function kind(e: HarnessExpr | undefined): string | undefined {
  return e?.kind;
}

test("modules are named from their paths and sorted", () => {
  assert.equal(model.language, ["python"]);
  const names = model.modules.map((m) => m.name);
  assert.ok(names.includes("runner.harness.canonical"));
  assert.ok(names.includes("tests.mumble.custom.test_protocol_handshake"));
  assert.ok(names.includes("runner.harness"), "__init__.py names its package");
  const paths = model.modules.map((m) => m.source.path);
  assert.equal(paths, [...paths].sort());
});

test("module constants and dicts carry exact ranges", () => {
  const warm = moduleOf(model, "runner.harness.warm");
  const [base, domains] = warm.constants;
  assert.is(base?.name, "CI_BASE_DOMAIN");
  assert.is(
    slice(warm, base!.range),
    'CI_BASE_DOMAIN = os.environ.get("CC_CI_BASE_DOMAIN", "ci.commoninternet.net")',
  );
  assert.is(slice(warm, base!.nameRange), "CI_BASE_DOMAIN");
  assert.is(base!.value.kind, "call");
  assert.is(domains?.name, "WARM_DOMAINS");
  const dict = domains!.value;
  if (dict.kind !== "dict") throw new Error("WARM_DOMAINS is not a dict");
  assert.equal(
    dict.entries.map((e) => [slice(warm, e.key.range), slice(warm, e.value.range), e.value.kind]),
    [
      ['"keycloak"', '"warm-keycloak." + CI_BASE_DOMAIN', "binary"],
      ['"authentik"', 'f"warm-authentik.{CI_BASE_DOMAIN}"', "template"],
    ],
  );
  const stable = warm.functions[0]!.returns[0]!.value!;
  if (stable.kind !== "template") throw new Error("not an f-string");
  assert.equal(
    stable.parts.map((p) => [p.kind, slice(warm, p.range)]),
    [
      ["text", "warm-"],
      ["value", "{r}"],
      ["text", "."],
      ["value", "{CI_BASE_DOMAIN}"],
    ],
  );
  const meta = moduleOf(model, "tests.keycloak.recipe_meta");
  assert.equal(
    meta.constants.map((c) => [c.name, c.value.kind, slice(meta, c.value.range)]),
    [
      ["WARM_CANONICAL", "bool", "False"],
      ["DEPLOY_TIMEOUT", "number", "900"],
      ["HTTP_TIMEOUT", "number", "30"],
      ["HEALTH_PATH", "string", '"/realms/master"'],
      ["EXTRA_ENV", "dict", '{"KC_HEALTH_ENABLED": "true"}'],
      ["SCREENSHOT", "bool", "True"],
    ],
  );
});

test("offsets are UTF-16 offsets into the text even after non-ASCII characters", () => {
  const canonical = moduleOf(model, "runner.harness.canonical");
  const text = canonical.source.text;
  const fn = canonical.functions.find((f) => f.name === "canonical_domain")!;
  assert.is(fn.nameRange.start, text.indexOf("def canonical_domain") + 4);
  // The docstring holds ’, ✓ and an astral 😀: UTF-8 byte offsets would be larger.
  assert.ok(Buffer.byteLength(text.slice(0, fn.nameRange.start)) > fn.nameRange.start);
  assert.is(slice(canonical, fn.nameRange), "canonical_domain");
});

test("imports between harness modules, relative and absolute", () => {
  const canonical = moduleOf(model, "runner.harness.canonical");
  assert.equal(
    canonical.imports.map((i) => [slice(canonical, i.range), i.alias, i.module, i.symbol, i.internal]),
    [
      ["warm", "warm", "runner.harness", "warm", true],
      ["CI_BASE_DOMAIN as BASE", "BASE", "runner.harness.warm", "CI_BASE_DOMAIN", true],
    ],
  );
  const lifecycle = moduleOf(model, "runner.harness.lifecycle");
  assert.equal(
    lifecycle.imports.map((i) => [i.alias, i.module, i.symbol ?? null, i.internal]),
    [
      ["time", "time", null, false],
      ["urllib.request", "urllib.request", null, false],
      ["canonical", "runner.harness", "canonical", true],
      ["warm", "runner.harness", "warm", true],
      ["exec_in", "runner.harness.ops", "exec_in", true],
      ["service_logs", "runner.harness.ops", "service_logs", true],
    ],
  );
});

test("functions: parameters with defaults, return expressions, locals and body", () => {
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
      ["r", "r", null],
      ["prefix", "prefix=PREFIX", "PREFIX"],
    ],
  );
  assert.is(slice(canonical, label!.returns[0]!.range), 'return "%s-%s" % (prefix, r)');
  assert.is(kind(label!.returns[0]!.value), "binary");
  assert.is(domain?.name, "canonical_domain");
  assert.is(slice(canonical, domain!.returns[0]!.value!.range), '"{}.{}".format(label, BASE)');
  assert.equal(
    domain!.locals.map((l) => [l.name, slice(canonical, l.range)]),
    [["label", "label = _label(r)"]],
  );
  assert.ok(slice(canonical, domain!.bodyRange).startsWith('"""The domain'));
  assert.ok(slice(canonical, domain!.range).startsWith("def canonical_domain(r):"));
  assert.is(slice(canonical, provider!.returns[0]!.value!.range), "r in warm.WARM_DOMAINS");
});

test("returns carry the conditions that lead to them", () => {
  const lifecycle = moduleOf(model, "runner.harness.lifecycle");
  const promote = lifecycle.functions.find((f) => f.name === "promote")!;
  const [early, last] = promote.returns;
  assert.is(slice(lifecycle, early!.range), "return None");
  assert.is(early!.guards.length, 1);
  const guard = early!.guards[0]!;
  assert.is(guard.kind, "if");
  if (guard.kind === "if") {
    assert.is(slice(lifecycle, guard.test.range), 'not getattr(meta, "WARM_CANONICAL", False)');
    assert.is(guard.holds, true);
  }
  assert.is(slice(lifecycle, last!.range), "return domain");
  assert.equal(last!.guards, []);
  const wait = lifecycle.functions.find((f) => f.name === "wait_ready")!;
  assert.ok(
    wait.returns[0]!.guards.some((g) => g.kind === "opaque"),
    "a return inside a loop is not static",
  );
  assert.equal(wait.returns[1]!.guards, []);
});

test("calls with keyword arguments, resolved to harness functions", () => {
  const lifecycle = moduleOf(model, "runner.harness.lifecycle");
  const logs = lifecycle.calls.find((c) => c.callee === "service_logs")!;
  assert.is(logs.resolved, "runner.harness.ops.service_logs");
  assert.is(logs.enclosingFunction, "runner.harness.lifecycle.promote");
  assert.is(slice(lifecycle, logs.range), 'service_logs(recipe, service="app")');
  assert.equal(
    logs.kwargs.map((k) => [
      k.name,
      slice(lifecycle, k.nameRange),
      slice(lifecycle, k.range),
      slice(lifecycle, k.value.range),
      k.string,
    ]),
    [["service", "service", 'service="app"', '"app"', "app"]],
  );
  assert.is(slice(lifecycle, logs.args[0]!.range), "recipe");
  const exec = lifecycle.calls.find((c) => c.callee === "exec_in")!;
  assert.is(exec.resolved, "runner.harness.ops.exec_in");
  assert.equal(
    exec.kwargs.map((k) => [k.name, k.string ?? null, k.value.kind]),
    [
      ["service", "app", "string"],
      ["timeout", null, "number"],
    ],
  );
  const viaModule = lifecycle.calls.find((c) => c.callee === "canonical.canonical_domain")!;
  assert.is(viaModule.resolved, "runner.harness.canonical.canonical_domain");
  const external = lifecycle.calls.find((c) => c.callee === "time.monotonic")!;
  assert.is(external.resolved, undefined);
  const calls = lifecycle.calls.map((c) => c.range.start);
  assert.equal(
    calls,
    [...calls].sort((a, b) => a - b),
  );
});

test("pytest test functions and their node ids, classes included", () => {
  const handshake = moduleOf(model, "tests.mumble.custom.test_protocol_handshake");
  assert.equal(
    handshake.tests.map((t) => t.nodeId),
    [
      "tests/mumble/custom/test_protocol_handshake.py::test_handshake_completes_with_channel_presence",
      "tests/mumble/custom/test_protocol_handshake.py::TestVersionPacket::test_server_sends_version",
    ],
  );
  assert.ok(slice(handshake, handshake.tests[1]!.range).startsWith("def test_server_sends_version(self"));
  assert.is(handshake.tests[1]!.className, "TestVersionPacket");
  // `_context` is a helper, and non-test files have no tests at all.
  assert.not.ok(handshake.tests.some((t) => t.name === "_context"));
  assert.equal(moduleOf(model, "runner.harness.canonical").tests, []);
});

test("assertions with their compared expressions", () => {
  const upgrade = moduleOf(model, "tests.discourse.test_upgrade");
  const [a] = upgrade.assertions;
  assert.is(a?.text, slice(upgrade, a!.range));
  assert.ok(a!.text.startsWith('assert image.split(":")[0] == "discourse/discourse"'));
  assert.is(a!.comparison?.op, "==");
  assert.is(slice(upgrade, a!.comparison!.left.range), 'image.split(":")[0]');
  assert.is(a!.comparison!.right.kind, "string");
  assert.is(slice(upgrade, a!.message!.range), '"the upgrade must leave bitnamilegacy behind"');
  assert.is(a!.testId, "tests/discourse/test_upgrade.py::test_upgrade_moves_to_official_image");
  const health = moduleOf(model, "tests.bluesky-pds.test_health");
  assert.is(health.assertions[0]!.comparison?.op, "in");
  const handshake = moduleOf(model, "tests.mumble.custom.test_protocol_handshake");
  assert.equal(
    handshake.assertions.map((x) => x.comparison?.op),
    ["is not", ">="],
  );
});

test("socket and TLS connects with their ports", () => {
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
        "tcp",
        "socket.create_connection",
        "MUMBLE_PORT",
        64738,
        "deployed_app.domain",
        "tests/mumble/custom/test_protocol_handshake.py::test_handshake_completes_with_channel_presence",
      ],
      [
        "tls",
        "_context().wrap_socket",
        "MUMBLE_PORT",
        64738,
        "deployed_app.domain",
        "tests/mumble/custom/test_protocol_handshake.py::test_handshake_completes_with_channel_presence",
      ],
      [
        "tcp",
        "socket.create_connection",
        "64738",
        64738,
        "deployed_app.domain",
        "tests/mumble/custom/test_protocol_handshake.py::TestVersionPacket::test_server_sends_version",
      ],
    ],
  );
  assert.is(
    slice(handshake, handshake.connects[1]!.range),
    "_context().wrap_socket(sock, server_hostname=deployed_app.domain)",
  );
  assert.equal(moduleOf(model, "runner.harness.ops").connects, []);
});

test("a syntax error is a problem with its position; the rest is still analyzed", () => {
  assert.is(model.problems.length, 1);
  const [p] = model.problems;
  assert.is(p!.file, "tests/broken/test_syntax_error.py");
  assert.match(p!.message, /syntax error/);
  assert.equal(p!.position, { line: 1, column: 1 });
  assert.ok(model.modules.some((m) => m.name === "tests.broken.test_syntax_error"));
  assert.ok(moduleOf(model, "runner.harness.warm").functions.length > 0);
});

test("recipes come from the tests/<recipe>/ folders", () => {
  assert.equal(harnessRecipes(model), ["bluesky-pds", "broken", "discourse", "keycloak", "mumble"]);
  assert.is(recipeOfPath("tests/mumble/custom/test_protocol_handshake.py"), "mumble");
  assert.is(recipeOfPath("runner/harness/warm.py"), undefined);
});

test.run();
