/**
 * RF201–RF204 on a small cc-ci-shaped harness (Python) and the TypeScript fixture harness: findings
 * where the fixtures' `# ruleid:` / `# ok:` annotations say, patches that apply with `git apply`, match
 * `test/fixtures/codemods/RF20x/<lang>/output/` byte for byte, leave no finding (fixpoint), are not
 * produced twice (idempotence), compile, and keep the harness's own pytest tests green.
 */
import { execFileSync } from "node:child_process";
import { test } from "uvu";
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { PACKAGE_ROOT } from "../../core/package.js";
import * as assert from "uvu/assert";
import { Project } from "ts-morph";
import { analyze } from "../../pipeline/analyze.js";
import type { AnalyzeResult } from "../../pipeline/analyze.js";
import { canonicalDomains } from "../../codemods/RF201-canonical-domain-is-live-warm-domain.js";
import { upstreamIssue } from "../../codemods/RF204-assertion-no-release-satisfies.js";
import {
  linkServiceReferences,
  servicesChanged,
} from "../../codemods/RF202-harness-stale-service-reference.js";
import { liveWarmDomains } from "../../analyzers/RF201-canonical-domain-is-live-warm-domain.js";
import { compareExpectations, readExpectations } from "../support/annotations.js";
import { needs } from "../support/tools.js";
import { git, harnessLayout, type HarnessLayout } from "../support/workspace.js";

/** The harness's own pytest tests judge these fixes. */
const withPytest = needs("pytest");

const FIXTURE = join(PACKAGE_ROOT, "test", "fixtures", "rules", "RF20-harness");
const CODEMOD_FIXTURES = join(PACKAGE_ROOT, "test", "fixtures", "codemods");

type Layout = HarnessLayout;

/** Lays out `recipes/` and a harness (`cc-ci/` of the fixture, or another tree) in a temp folder. */
const layout = (harnessTree = join(FIXTURE, "cc-ci"), recipesTree = join(FIXTURE, "recipes")): Layout =>
  harnessLayout(harnessTree, recipesTree, { harnessRepo: true });

/** Every file of a tree (relative path → bytes), `.git` and caches left out. */
function tree(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      if (name === ".git" || name === "__pycache__" || name === ".pytest_cache") continue;
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(relative(dir, p).split("\\").join("/"), readFileSync(p));
    }
  };
  walk(dir);
  return out;
}

const HARNESS_RULES = ["RF201", "RF202", "RF203", "RF204"];
const TS_FIXTURE = join(PACKAGE_ROOT, "test", "fixtures", "rules", "RF20-harness-ts", "cc-ci");
const PYTHON = "python3";

interface Patched {
  layout: Layout;
  before: AnalyzeResult;
  after: AnalyzeResult;
  /** Harness files the patches touched. */
  touched: string[];
}

/** Analyzes with one rule, applies its harness patches in series order, re-analyzes the patched copy. */
async function patchWith(rule: string, harnessTree?: string): Promise<Patched> {
  const l = layout(harnessTree);
  const before = await analyze({ recipes: l.recipes, harness: l.harness, rules: [rule] });
  const touched = new Set<string>();
  for (const p of before.series.patches.filter((x) => x.repo.kind === "harness")) {
    const file = join(l.harness, "..", `${p.name}`);
    writeFileSync(file, p.content);
    git(l.harness, "apply", "--check", file);
    git(l.harness, "apply", file);
    for (const m of p.content.matchAll(/^\+\+\+ b\/(.+)$/gm)) touched.add(m[1]!);
  }
  const after = await analyze({ recipes: l.recipes, harness: l.harness, rules: [rule] });
  return { layout: l, before, after, touched: [...touched].sort() };
}

function assertTreeEquals(actualDir: string, expectedDir: string): void {
  const actual = tree(actualDir);
  const expected = tree(expectedDir);
  assert.equal([...actual.keys()], [...expected.keys()], "the same files");
  for (const [f, bytes] of expected) {
    assert.ok(
      actual.get(f)!.equals(bytes),
      `${f} differs from ${relative(PACKAGE_ROOT, expectedDir)}/${f}:\n${actual.get(f)!.toString()}`,
    );
  }
}

function pytest(harness: string, recipes: string, args: string[]): { status: number; output: string } {
  try {
    const output = execFileSync(PYTHON, ["-m", "pytest", "-q", "-rs", "--color=no", ...args], {
      cwd: harness,
      encoding: "utf8",
      env: { ...process.env, REDFIX_RECIPES_DIR: recipes, PYTHONDONTWRITEBYTECODE: "1" },
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 120_000,
    });
    return { status: 0, output };
  } catch (e) {
    const err = e as { status: number; stdout: string; stderr: string };
    return { status: err.status, output: `${err.stdout}${err.stderr}` };
  }
}

function typeErrors(harness: string): string[] {
  const project = new Project({
    tsConfigFilePath: join(harness, "tsconfig.json"),
    compilerOptions: { typeRoots: [join(PACKAGE_ROOT, "node_modules", "@types")] },
  });
  return project
    .getPreEmitDiagnostics()
    .map((d) => `${d.getSourceFile()?.getFilePath()}: ${String(d.getMessageText())}`);
}

function pyCompile(harness: string, files: string[]): void {
  const py = files.filter((x) => x.endsWith(".py"));
  assert.ok(py.length > 0);
  execFileSync(PYTHON, ["-m", "py_compile", ...py.map((f) => join(harness, f))], {
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/** The checks every harness codemod passes on the Python fixture. */
async function checkPythonCodemod(rule: string): Promise<Patched> {
  const run = await patchWith(rule);
  const { layout: l, before, after } = run;
  assert.ok(
    before.findings.some((f) => f.rule === rule),
    `${rule} fires on the fixture`,
  );
  assert.ok(run.touched.length > 0, `${rule} produced a harness patch`);
  assertTreeEquals(l.harness, join(CODEMOD_FIXTURES, rule, "python", "output"));
  assert.equal(
    after.findings
      .filter((f) => f.rule === rule && !(rule === "RF203" && f.recipe !== "mumble"))
      .map((f) => f.message),
    [],
    "fixpoint: no finding once patched",
  );
  assert.is(after.series.patches.length, 0, "idempotence: no second patch");
  pyCompile(l.harness, run.touched);
  const unit = pytest(l.harness, l.recipes, ["tests/harness"]);
  assert.is(unit.status, 0, unit.output);
  return run;
}

test("each rule reports exactly where the fixture's annotations say", async () => {
  const l = layout();
  try {
    const r = await analyze({ recipes: l.recipes, harness: l.harness, rules: HARNESS_RULES });
    const ex = readExpectations(l.harness);
    const findings = r.findings.filter((f) => f.root === "harness");
    for (const rule of HARNESS_RULES) {
      assert.ok((ex.expected.get(rule)?.size ?? 0) > 0, `the fixture expects ${rule}`);
      assert.equal(compareExpectations(ex, findings, rule), { missing: [], unexpected: [] }, rule);
    }
  } finally {
    l.dispose();
  }
});

test("RF201: every warm provider whose canonical domain is live, with the evaluator's chain as evidence", async () => {
  const l = layout();
  try {
    const r = await analyze({ recipes: l.recipes, harness: l.harness, rules: ["RF201"] });
    const rf201 = r.findings.filter((f) => f.rule === "RF201");
    assert.equal(
      rf201.map((f) => f.recipe),
      ["authentik", "keycloak"],
    );
    const keycloak = rf201.find((f) => f.recipe === "keycloak")!;
    assert.match(keycloak.message, "warm-keycloak.ci.example.org");
    assert.match(keycloak.message, "de-enrolled");
    const files = new Set(keycloak.evidence.map((e) => e.file));
    for (const f of [
      "runner/harness/canonical.py",
      "runner/harness/warm.py",
      "tests/keycloak/recipe_meta.py",
    ]) {
      assert.ok(files.has(f), `evidence in ${f}: ${JSON.stringify(keycloak.evidence)}`);
    }
    assert.ok(
      keycloak.evidence.some((e) => /_label\("keycloak"\) returns "warm-keycloak"/.test(e.note)),
      JSON.stringify(keycloak.evidence),
    );
    assert.ok(keycloak.evidence.some((e) => /environment CC_CI_BASE_DOMAIN/.test(e.note)));
  } finally {
    l.dispose();
  }
});

withPytest(
  "RF201 fix: a namespace for the colliding recipes only, re-enrolment, harness tests green",
  async () => {
    const run = await checkPythonCodemod("RF201");
    try {
      const before = canonicalDomains(run.before.workspace);
      const after = canonicalDomains(run.after.workspace);
      const live = new Set(liveWarmDomains(run.before.workspace.harness!).map((w) => w.domain));
      assert.ok(before.size >= 6);
      for (const [recipe, domain] of before) {
        assert.ok(
          domain !== null && after.get(recipe) !== null,
          `${recipe} evaluates statically before and after`,
        );
        if (live.has(domain!)) {
          assert.is.not(after.get(recipe), domain, `${recipe} moves`);
          assert.not.ok(live.has(after.get(recipe)!), `${recipe}'s new domain is no live domain`);
          assert.is(after.get(recipe), `warm-canon-${recipe}.ci.example.org`);
        } else assert.is(after.get(recipe), domain, `${recipe} does not move`);
      }
      const values = [...after.values()];
      assert.is(new Set(values).size, values.length, "canonical domains stay distinct");
    } finally {
      run.layout.dispose();
    }
  },
);

withPytest("RF202 fix: the real service, chosen from the recipe's stack", async () => {
  const run = await checkPythonCodemod("RF202");
  try {
    const msgs = run.before.findings.filter((f) => f.rule === "RF202").map((f) => f.message);
    assert.is(msgs.length, 3);
    assert.ok(
      msgs.some((m) => /its default service `app`.*the real service is `web`/.test(m)),
      msgs.join("\n"),
    );
    assert.ok(
      msgs.some((m) => /`pds`.*the real service is `app` \(its image is named pds\)/.test(m)),
      msgs.join("\n"),
    );
    assert.ok(
      msgs.some((m) => /`gitea`.*the real service is `web`/.test(m)),
      msgs.join("\n"),
    );
  } finally {
    run.layout.dispose();
  }
});

withPytest(
  "RF203 fix: READY_PROBE in the conventions of the other recipes' probes, a retry budget that covers HTTP_TIMEOUT",
  async () => {
    const run = await checkPythonCodemod("RF203");
    try {
      const [f] = run.before.findings.filter((x) => x.rule === "RF203");
      assert.match(f!.message, "opens TLS port 64738");
      assert.ok(
        f!.evidence.some(
          (e) => e.file === "runner/harness/voice.py" && /login_with_retries → login/.test(e.note),
        ),
      );
      assert.match(f!.fix!.summary, "login_with_retries's attempts default 4 → 40");
      // The fixture's lifecycle reads no TLS key: the probe says what it checks, and sets no key nothing reads.
      assert.match(f!.fix!.summary, "the harness's probe can only check TCP connects");
      const meta = readFileSync(join(run.layout.harness, "tests", "mumble", "recipe_meta.py"), "utf8");
      assert.match(meta, 'READY_PROBE = {"tcp_port": 64738, "successes": 2}\n');
      assert.match(meta, "checks TCP connects only, not the TLS handshake");
      assert.not.match(meta, /"tls"|"handshake"|TLS handshakes in a row/);
    } finally {
      run.layout.dispose();
    }
  },
);

/** A copy of the Python fixture's harness with some files edited (or created: an edit of ""). */
function harnessVariant(files: Record<string, (text: string) => string>): { dir: string; dispose(): void } {
  const root = mkdtempSync(join(tmpdir(), "redfix-harness-variant-"));
  const dir = join(root, "cc-ci");
  cpSync(join(FIXTURE, "cc-ci"), dir, { recursive: true });
  for (const [file, edit] of Object.entries(files)) {
    const path = join(dir, file);
    const before = existsSync(path) ? readFileSync(path, "utf8") : "";
    const after = edit(before);
    assert.is.not(after, before, `the variant changes ${file}`);
    writeFileSync(path, after);
  }
  return { dir, dispose: () => rmSync(root, { recursive: true, force: true }) };
}

/** The fixture's lifecycle, reading a TLS switch in its own spelling (`handshake`). */
const readsHandshake = (text: string) =>
  text
    .replace(
      'probe.get("pause", 0.25), deadline)',
      'probe.get("pause", 0.25), deadline, handshake=probe.get("handshake", False))',
    )
    .replace(
      "def wait_port(host, port, successes, pause, deadline):",
      "def wait_port(host, port, successes, pause, deadline, handshake=False):",
    )
    .replace(
      "            with socket.create_connection((host, port), timeout=pause or 1):\n",
      "            with socket.create_connection((host, port), timeout=pause or 1) as sock:\n" +
        "                if handshake:\n" +
        "                    ssl._create_unverified_context().wrap_socket(sock, server_hostname=host).close()\n",
    )
    .replace("import socket\n", "import socket\nimport ssl\n");

/** The voice helper with a time budget for all its attempts instead of an attempts count. */
const timeBudget = (seconds: string) => (text: string) =>
  text.replace(
    /def login_with_retries[\s\S]*$/,
    `LOGIN_BUDGET = ${seconds}


def login_with_retries(host, port, budget=LOGIN_BUDGET, delay=0.25):
    deadline = time.monotonic() + budget
    last = None
    while time.monotonic() < deadline:
        try:
            return login(host, port)
        except OSError as e:
            last = e
            time.sleep(delay)
    raise AssertionError(f"no login on {host}:{port} within {budget}s: {last}")
`,
  );

withPytest(
  "RF203 fix on a TLS port: the machinery's TLS key set to True beside another recipe's conventions; a time budget raised to HTTP_TIMEOUT",
  async () => {
    const variant = harnessVariant({
      "runner/harness/lifecycle.py": readsHandshake,
      "runner/harness/voice.py": timeBudget("2.5"),
      "tests/mumble/recipe_meta.py": (t) => t.replace("HTTP_TIMEOUT = 10", "HTTP_TIMEOUT = 15"),
      // A TCP-only port: its probe gets no TLS key, though the machinery reads one.
      "tests/bluesky-pds/test_relay.py": () =>
        [
          "import socket",
          "",
          "",
          "def test_relay_port_accepts(deployed_app):",
          "    with socket.create_connection((deployed_app.host, 4242), timeout=5):",
          "        pass",
          "",
        ].join("\n"),
    });
    const run = await patchWith("RF203", variant.dir);
    try {
      const h = run.layout.harness;
      const rf203 = run.before.findings.filter((f) => f.rule === "RF203");
      assert.equal(
        rf203.map((f) => `${f.recipe} ${f.file}`),
        ["bluesky-pds tests/bluesky-pds/test_relay.py", "mumble tests/mumble/custom/test_voice.py"],
      );
      const mumble = readFileSync(join(h, "tests", "mumble", "recipe_meta.py"), "utf8");
      assert.match(mumble, 'READY_PROBE = {"tcp_port": 64738, "handshake": True, "successes": 2}\n');
      assert.match(mumble, "# Port 64738 is ready when it completes 2 TLS handshakes in a row");
      assert.not.match(mumble, "TCP connections");
      const voice = readFileSync(join(h, "runner", "harness", "voice.py"), "utf8");
      assert.match(voice, "LOGIN_BUDGET = 15\n");
      const summary = rf203.find((f) => f.recipe === "mumble")!.fix!.summary;
      assert.match(summary, "2 consecutive TLS handshakes");
      assert.match(summary, "time budget LOGIN_BUDGET (login_with_retries's budget) 2.5 → 15 s");
      const pds = readFileSync(join(h, "tests", "bluesky-pds", "recipe_meta.py"), "utf8");
      assert.is(
        pds,
        "# Port 4242 is ready when it accepts 2 TCP connections in a row: the HTTP health path says nothing about it.\n" +
          'READY_PROBE = {"tcp_port": 4242, "successes": 2}\n',
      );
      assert.equal(
        run.after.findings.filter((f) => f.rule === "RF203").map((f) => f.message),
        [],
        "fixpoint",
      );
      assert.is(run.after.series.patches.length, 0, "idempotence: no second patch");
      pyCompile(h, run.touched);
      const unit = pytest(h, run.layout.recipes, ["tests/harness"]);
      assert.is(unit.status, 0, unit.output);
    } finally {
      run.layout.dispose();
      variant.dispose();
    }
  },
);

for (const [probe, patched] of [
  ['{"tcp_port": 64738, "successes": 2}', '{"tcp_port": 64738, "handshake": True, "successes": 2}'],
  [
    '{"tcp_port": 64738, "handshake": False, "successes": 2}',
    '{"tcp_port": 64738, "handshake": True, "successes": 2}',
  ],
]) {
  withPytest(
    `RF203: a TLS port whose READY_PROBE checks TCP connects only (${probe}) gets the TLS switch turned on`,
    async () => {
      const variant = harnessVariant({
        "runner/harness/lifecycle.py": readsHandshake,
        "tests/mumble/recipe_meta.py": (t) =>
          t.replace('HEALTH_PATH = "/"\n', `HEALTH_PATH = "/"\nREADY_PROBE = ${probe}\n`),
      });
      const run = await patchWith("RF203", variant.dir);
      try {
        const [f, ...more] = run.before.findings.filter((x) => x.rule === "RF203");
        assert.equal(more, []);
        assert.match(
          f!.message,
          "speaks TLS on port 64738, but mumble's READY_PROBE checks TCP connects only",
        );
        assert.ok(
          f!.evidence.some(
            (e) => e.file === "tests/mumble/recipe_meta.py" && /TCP connects only/.test(e.note),
          ),
        );
        const meta = readFileSync(join(run.layout.harness, "tests", "mumble", "recipe_meta.py"), "utf8");
        assert.match(meta, `READY_PROBE = ${patched}\n`);
        assert.equal(
          run.after.findings.filter((x) => x.rule === "RF203").map((x) => x.message),
          [],
          "fixpoint",
        );
        assert.is(run.after.series.patches.length, 0, "idempotence: no second patch");
        pyCompile(run.layout.harness, run.touched);
      } finally {
        run.layout.dispose();
        variant.dispose();
      }
    },
  );
}

test("RF203: a TCP-only READY_PROBE on a TLS port is all a lifecycle without a TLS switch can do: no finding", async () => {
  const variant = harnessVariant({
    "tests/mumble/recipe_meta.py": (t) =>
      t.replace(
        'HEALTH_PATH = "/"\n',
        'HEALTH_PATH = "/"\nREADY_PROBE = {"tcp_port": 64738, "successes": 2}\n',
      ),
  });
  const l = layout(variant.dir);
  try {
    const r = await analyze({ recipes: l.recipes, harness: l.harness, rules: ["RF203"] });
    assert.equal(
      r.findings.filter((x) => x.rule === "RF203" && x.recipe === "mumble").map((x) => x.message),
      [],
    );
  } finally {
    l.dispose();
    variant.dispose();
  }
});

test("RF203 fix: a time budget already above HTTP_TIMEOUT is never lowered; a bare per-call timeout is no budget", async () => {
  const variant = harnessVariant({ "runner/harness/voice.py": timeBudget("30") });
  const l = layout(variant.dir);
  try {
    const r = await analyze({ recipes: l.recipes, harness: l.harness, rules: ["RF203"] });
    const [f] = r.findings.filter((x) => x.rule === "RF203");
    assert.not.match(f!.fix!.summary, "budget");
    const patch = r.series.patches.map((p) => p.content).join("");
    assert.not.match(patch, "voice.py");
    assert.match(patch, "recipe_meta.py");
  } finally {
    l.dispose();
    variant.dispose();
  }
});

test("RF203 fix: a TLS-like flag the lifecycle reads from elsewhere than the probe is no TLS key", async () => {
  const variant = harnessVariant({
    "runner/harness/lifecycle.py": (t) =>
      t
        .replace("import socket\n", "import os\nimport socket\n")
        .replace(
          '    probe = getattr(meta, "READY_PROBE", None)\n',
          '    probe = getattr(meta, "READY_PROBE", None)\n    verify = os.environ.get("CC_CI_TLS_VERIFY", False)\n',
        ),
  });
  const l = layout(variant.dir);
  try {
    const r = await analyze({ recipes: l.recipes, harness: l.harness, rules: ["RF203"] });
    const [f] = r.findings.filter((x) => x.rule === "RF203");
    assert.match(f!.fix!.summary, "the harness's probe can only check TCP connects");
    assert.match(r.series.patches[0]!.content, '+READY_PROBE = {"tcp_port": 64738, "successes": 2}\n');
  } finally {
    l.dispose();
    variant.dispose();
  }
});

test("RF203 fix on the TypeScript harness: `tls: true` in its probe, the patched harness type-checks, no finding left", async () => {
  const run = await patchWith("RF203", TS_FIXTURE);
  try {
    assertTreeEquals(run.layout.harness, join(CODEMOD_FIXTURES, "RF203", "typescript", "output"));
    assert.equal(run.touched, ["tests/mumble/recipe_meta.ts"]);
    assert.equal(
      run.before.findings.filter((f) => f.rule === "RF203").map((f) => f.fix?.patch),
      ["patches/cc-ci/0001-RF203-mumble.patch", "patches/cc-ci/0001-RF203-mumble.patch"],
      "the TLS test and the TCP test on the same port share one probe, a TLS one",
    );
    assert.equal(typeErrors(run.layout.harness), []);
    assert.equal(
      run.after.findings.map((f) => f.rule),
      [],
      "fixpoint",
    );
    assert.is(run.after.series.patches.length, 0, "idempotence: no second patch");
  } finally {
    run.layout.dispose();
  }
});

withPytest(
  "RF204 fix: the assertion is skipped while the head has what every release has, and fails again once it changes",
  async () => {
    const run = await checkPythonCodemod("RF204");
    const { layout: l } = run;
    try {
      const node = "tests/discourse/test_upgrade.py::test_upgrade_moves_to_official_image";
      const patched = pytest(l.harness, l.recipes, ["-p", "no:randomly", node]);
      assert.is(patched.status, 0, patched.output);
      assert.match(patched.output, /1 skipped/);
      assert.match(patched.output, "not applicable until discourse makes this change");
      // The head migrates, but to the wrong image: the scoped assertion still fails (not a weakening).
      const compose = join(l.recipes, "discourse", "compose.yml");
      writeFileSync(
        compose,
        readFileSync(compose, "utf8").replace(
          /bitnamilegacy\/discourse:3\.4\.6/,
          "ghcr.io/elsewhere/discourse:3.5.0",
        ),
      );
      const wrong = pytest(l.harness, l.recipes, [node]);
      assert.is(wrong.status, 1, wrong.output);
      writeFileSync(
        compose,
        readFileSync(compose, "utf8").replace(
          "ghcr.io/elsewhere/discourse:3.5.0",
          "discourse/discourse:3.5.0",
        ),
      );
      const right = pytest(l.harness, l.recipes, [node]);
      assert.is(right.status, 0, right.output);
      assert.match(right.output, /1 passed/);

      const item = run.before.items.find((i) => i.finding.rule === "RF204")!;
      assert.equal(
        item.finding.evidence.map((e) => `${e.root}:${e.file}:${e.line}`),
        ["recipes:discourse/compose.yml:4"],
        "evidence: the image the assertion reads",
      );
      assert.match(item.finding.evidence[0]!.note, '0.3.0+3.4.4 "bitnamilegacy/discourse"');
      const issue = upstreamIssue(item.problem, run.before.workspace)!;
      assert.is(issue.path, "upstream/discourse/RF204-test_upgrade_moves_to_official_image.md");
      for (const s of [
        "0.3.0+3.4.4",
        "0.3.1+3.4.6",
        '"bitnamilegacy/discourse"',
        '"discourse/discourse"',
        node,
      ]) {
        assert.ok(issue.text.includes(s), `issue mentions ${s}:\n${issue.text}`);
      }
    } finally {
      l.dispose();
    }
  },
);

withPytest("RF204: before the fix the same test fails (the fixture reproduces the defect)", async () => {
  const l = layout();
  try {
    const r = pytest(l.harness, l.recipes, ["tests/discourse/test_upgrade.py"]);
    assert.is(r.status, 1, r.output);
    assert.match(r.output, /2 failed, 2 passed/, r.output);
    assert.match(r.output, "head runs bitnamilegacy/discourse:3.4.6");
  } finally {
    l.dispose();
  }
});

test("TypeScript harness: RF201 and RF202 patches apply and type-check; RF203 is found", async () => {
  const l = layout(TS_FIXTURE);
  try {
    const r = await analyze({ recipes: l.recipes, harness: l.harness, rules: HARNESS_RULES });
    const byRule = (id: string) =>
      r.findings.filter((f) => f.rule === id).map((f) => `${f.recipe} ${f.file}:${f.line}`);
    assert.equal(byRule("RF201"), [
      "authentik runner/harness/canonical.ts:14",
      "keycloak runner/harness/canonical.ts:14",
    ]);
    assert.equal(byRule("RF202"), ["bluesky-pds tests/bluesky-pds/test_health.ts:6"]);
    assert.equal(byRule("RF203"), [
      "mumble tests/mumble/custom/test_protocol_handshake.ts:10",
      "mumble tests/mumble/custom/test_protocol_handshake.ts:18",
    ]);
    // RF203's patch has its own test and output fixture.
    for (const p of r.series.patches.filter((x) => !x.name.includes("-RF203-"))) {
      const file = join(l.harness, "..", p.name);
      writeFileSync(file, p.content);
      git(l.harness, "apply", file);
    }
    assertTreeEquals(l.harness, join(CODEMOD_FIXTURES, "RF201", "typescript", "output"));
    assert.equal(typeErrors(l.harness), []);
    const again = await analyze({ recipes: l.recipes, harness: l.harness, rules: ["RF201", "RF202"] });
    assert.equal(
      again.findings.map((f) => f.rule),
      [],
    );
  } finally {
    l.dispose();
  }
});

test("no harness: the harness rules stay silent", async () => {
  const l = layout();
  try {
    const r = await analyze({ recipes: l.recipes, rules: HARNESS_RULES });
    assert.equal(r.findings, []);
  } finally {
    l.dispose();
  }
});

test("RF202 linking: a recipe patch that renames the service to the harness's name is related both ways", async () => {
  const l = layout();
  try {
    const r = await analyze({ recipes: l.recipes, harness: l.harness, rules: ["RF202"] });
    const rf202 = r.items.find((i) => i.finding.recipe === "bluesky-pds")!;
    const recipeItem = {
      problem: { ...rf202.problem, rule: "RF120", target: "recipe" as const },
      finding: { ...rf202.finding, id: "recipe-finding", rule: "RF120", related: undefined },
    };
    const rename = [
      "diff --git a/compose.yml b/compose.yml",
      "--- a/compose.yml",
      "+++ b/compose.yml",
      "@@ -2,3 +2,3 @@",
      " services:",
      "-  app:",
      "+  pds:",
      "     image: ghcr.io/bluesky-social/pds:0.4.107",
      "",
    ].join("\n");
    assert.equal(servicesChanged(rename), { added: ["pds"], removed: ["app"] });
    const unrelated = { repo: { kind: "recipe", name: "gitea" }, content: rename, findingIds: ["x"] };
    const links = linkServiceReferences(
      [rf202, recipeItem],
      [
        unrelated,
        { repo: { kind: "recipe", name: "bluesky-pds" }, content: rename, findingIds: ["recipe-finding"] },
      ],
    );
    assert.equal(links, [
      { harnessFinding: rf202.finding.id, recipeFindings: ["recipe-finding"], why: "adds-service" },
    ]);
    assert.equal(rf202.finding.related, ["recipe-finding"]);
    assert.equal(recipeItem.finding.related, [rf202.finding.id]);
    const addsWorker = rename.replace("-  app:\n", "").replace("+  pds:", "+  worker:");
    const none = linkServiceReferences(
      [rf202],
      [{ repo: { kind: "recipe", name: "bluesky-pds" }, content: addsWorker, findingIds: ["y"] }],
    );
    assert.equal(none, [], "a patch adding another service is no link");
    const gone = linkServiceReferences(
      [rf202],
      [
        {
          repo: { kind: "recipe", name: "bluesky-pds" },
          content: rename.replace("+  pds:", "+  web:"),
          findingIds: ["z"],
        },
      ],
    );
    assert.equal(
      gone.map((g) => g.why),
      ["removes-replacement"],
      "the fix's target renamed away",
    );
  } finally {
    l.dispose();
  }
});

withPytest(
  "examples: RF201 keycloak, RF202 bluesky-pds, RF203 mumble, RF204 discourse; the patched cc-ci compiles and its tests pass",
  async () => {
    const root = mkdtempSync(join(tmpdir(), "redfix-harness-examples-"));
    try {
      execFileSync(
        process.execPath,
        [join(PACKAGE_ROOT, "scripts", "layout-examples.mjs"), join(root, "ws")],
        {
          stdio: ["ignore", "pipe", "pipe"],
        },
      );
      const recipes = join(root, "ws", "recipes");
      const harness = join(root, "ws", "cc-ci");
      const red = pytest(harness, recipes, [
        "tests/keycloak/test_warm_canonical.py",
        "tests/discourse/test_upgrade.py",
      ]);
      assert.is(red.status, 1, red.output);
      const r = await analyze({ recipes, harness, rules: HARNESS_RULES });
      assert.equal(r.findings.map((f) => `${f.rule} ${f.recipe}`).sort(), [
        "RF201 keycloak",
        "RF202 bluesky-pds",
        "RF203 mumble",
        "RF204 discourse",
      ]);
      assert.ok(
        r.findings.every((f) => f.fix !== null),
        "every finding has a patch",
      );
      const mumble = r.series.patches.find((p) => p.name.endsWith("-RF203-mumble.patch"))!;
      assert.match(
        mumble.content,
        '+READY_PROBE = {"port": 64738, "tls": True, "consecutive": 3, "interval": 0.5}\n',
      );
      assert.match(mumble.content, "+# Port 64738 is ready when it completes 3 TLS handshakes in a row");
      assert.match(mumble.content, "-HANDSHAKE_BUDGET = 3.5\n+HANDSHAKE_BUDGET = 10\n");
      const touched: string[] = [];
      for (const p of r.series.patches) {
        const file = join(root, p.name);
        writeFileSync(file, p.content);
        git(harness, "apply", "--check", file);
        git(harness, "apply", file);
        for (const m of p.content.matchAll(/^\+\+\+ b\/(.+)$/gm)) touched.push(m[1]!);
      }
      pyCompile(harness, touched);
      const green = pytest(harness, recipes, [
        "tests/harness",
        "tests/keycloak",
        "tests/discourse/test_upgrade.py",
        "tests/mumble",
        "tests/bluesky-pds/test_health.py",
      ]);
      assert.is(green.status, 0, green.output);
      const again = await analyze({ recipes, harness, rules: HARNESS_RULES });
      assert.equal(
        again.findings.map((f) => f.rule),
        [],
        "fixpoint on the examples",
      );
      assert.is(again.series.patches.length, 0, "idempotence on the examples: no second patch");
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  },
);

test.run();
