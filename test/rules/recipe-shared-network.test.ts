import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { analyze } from "../../pipeline/analyze.js";
import { networkNames } from "../../analyzers/RF120-bare-name-on-shared-network.js";
import { caddyAdaptTemplate } from "../../load/configs/index.js";
import { compareExpectations, readExpectations } from "../support/annotations.js";
import { runCodemodFixture } from "../support/codemod-fixture.js";
import { needs } from "../support/tools.js";
import { FIXTURES, removeDir, tempDir } from "../support/workspace.js";

const withCaddy = needs("caddy");

const WORKSPACE = join(FIXTURES, "rules", "RF120", "workspace");

// broken-caddy/ is annotated with the finding `caddy adapt` gives: checked apart, where caddy is installed.
const CADDY_ONLY = /^broken-caddy\//;

test("RF120: findings exactly where the fixtures' annotations say (but the caddy adapt one)", async () => {
  const { findings } = await analyze({ recipes: WORKSPACE, rules: ["RF120"] });
  const d = compareExpectations(readExpectations(WORKSPACE), findings, "RF120");
  const other = (where: string) => !CADDY_ONLY.test(where);
  assert.equal(
    { missing: d.missing.filter(other), unexpected: d.unexpected.filter(other) },
    {
      missing: [],
      unexpected: [],
    },
  );
});

withCaddy(
  "RF120: findings exactly where the fixtures' annotations say, the caddy adapt one too",
  async () => {
    const { findings } = await analyze({ recipes: WORKSPACE, rules: ["RF120"] });
    assert.equal(compareExpectations(readExpectations(WORKSPACE), findings, "RF120"), {
      missing: [],
      unexpected: [],
    });
    const broken = findings.find((f) => /fails `caddy adapt`/.test(f.message));
    assert.match(broken?.message ?? "", /unrecognized directive: no_such_directive/);
  },
);

test("RF120: the names table spans every analyzed recipe; severity follows what is known to be shared", async () => {
  const { findings, workspace } = await analyze({ recipes: WORKSPACE, rules: ["RF120"] });
  const proxy = networkNames(workspace).get("proxy");
  assert.ok(proxy);
  assert.equal(
    proxy
      .get("feed")
      ?.map((h) => h.recipe)
      .sort(),
    ["bluesky-feed", "relay"],
  );
  assert.not.ok(proxy.has("redis"), "a service on `internal` only is not on proxy");
  assert.ok(proxy.get("quillnote-internal")?.[0]?.alias, "aliases are names too");
  const feed = findings.find((f) => f.recipe === "bluesky-feed");
  assert.is(feed?.severity, "error", "another recipe puts `feed` on proxy");
  assert.ok(
    feed?.evidence.some((e) => e.file === "relay/compose.yml"),
    "evidence names the other recipe",
  );
  assert.is(
    findings.find((f) => f.recipe === "lonely")?.severity,
    "warning",
    "only the target itself is there",
  );
  assert.ok(
    findings.filter((f) => f.recipe === "bluesky-pds").every((f) => f.severity === "error"),
    "`app` is generic",
  );
});

test("RF120: an alias is replaced by its service's stack-qualified name, never renamed", async () => {
  const { findings, items } = await analyze({ recipes: WORKSPACE, rules: ["RF120"] });
  const lonely = items.find((i) => i.finding.recipe === "lonely");
  assert.ok(lonely?.finding.fix);
  assert.match(lonely.finding.fix.summary, /\{\{ env "STACK_NAME" \}\}_quillnote in/);
  assert.not.ok(findings.some((f) => f.fix && /rename/.test(f.fix.summary)));
});

for (const name of ["bluesky-pds", "env-urls", "nginx-traefik"]) {
  test(`RF120 codemod ${name}: patches apply, output matches byte for byte, fixpoint, idempotent`, async () => {
    const out = await runCodemodFixture(join(FIXTURES, "codemods", "RF120", name), "RF120");
    try {
      assert.ok(out.patches > 0);
      assert.equal(out.differences, []);
      assert.is(out.remaining, 0);
      assert.is(out.secondRunPatches, 0);
    } finally {
      removeDir(out.dir);
    }
  });
}

withCaddy(
  "RF120: the patched bluesky-pds Caddyfile passes caddy adapt after rendering its template actions",
  async () => {
    const text = readFileSync(
      join(FIXTURES, "codemods", "RF120", "bluesky-pds", "output", "Caddyfile"),
      "utf8",
    );
    const env = { DOMAIN: "pds.example.com", PDS_ADMIN_EMAIL: "admin@example.com" };
    const r = await caddyAdaptTemplate(text, { env: { STACK_NAME: "pds_example_com" } }, { env });
    assert.is(r.status, "passed", r.reason);
    assert.match(r.output ?? "", /pds_example_com_app:3000/, "the upstream is the stack-qualified name");
    assert.match(r.output ?? "", /http:\/\/pds_example_com_app:3000\/tls-check/);
  },
);

test("RF120: a message names five other stacks and counts the rest (a catalogue has thousands of `app`s)", async () => {
  const dir = tempDir();
  try {
    const compose = (services: string) =>
      `version: "3.8"\nservices:\n${services}networks:\n  proxy:\n    external: true\n`;
    const feed = "  feed:\n    image: feed:1.0.0\n    networks: [proxy]\n";
    for (let i = 1; i <= 7; i++) {
      mkdirSync(join(dir, `other${i}`));
      writeFileSync(join(dir, `other${i}`, "compose.yml"), compose(feed));
    }
    mkdirSync(join(dir, "consumer"));
    writeFileSync(
      join(dir, "consumer", "compose.yml"),
      compose(
        `  app:\n    image: app:1.0.0\n    networks: [proxy]\n    environment:\n      - FEED_URL=http://feed:8080/\n${feed}`,
      ),
    );
    const { findings } = await analyze({ recipes: dir, rules: ["RF120"] });
    const f = findings.find((x) => x.recipe === "consumer");
    assert.ok(f, JSON.stringify(findings.map((x) => x.message)));
    assert.match(
      f!.message,
      "other1's `feed`, other2's `feed`, other3's `feed`, other4's `feed`, other5's `feed` and 2 more also answer to `feed` there",
    );
  } finally {
    removeDir(dir);
  }
});

test("RF120 across stacks: a bare name no stack of the recipe defines, judged on the shared network; no fix, with the reason", async () => {
  const { items } = await analyze({ recipes: WORKSPACE, rules: ["RF120"] });
  const gate = items.find((i) => i.finding.recipe === "gate")!;
  assert.is(gate.finding.severity, "warning", "one stack answers: it works while it stays the only one");
  assert.match(gate.finding.message, /forward-auth's `app` \(alias\) is the only one answering/);
  assert.match(gate.finding.message, /no fix: /);
  assert.is(gate.finding.fix, null);
  const portal = items.filter((i) => i.finding.recipe === "portal");
  assert.is(portal.length, 1, "an unknown host and a same-stack target on `internal` only are not judged");
  assert.is(portal[0]!.finding.severity, "error", "two stacks answer to `pgshared`: swarm picks one");
  assert.match(
    portal[0]!.finding.message,
    /2 stacks answer to it there \(forward-auth-2's `db` \(alias\), pg-other's `db` \(alias\)\)/,
  );
  assert.is(portal[0]!.finding.fix, null);
});

test.run();
