import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { analyze } from "../../pipeline/analyze.js";
import { isSemverLike } from "../../analyzers/R005-semver-like-tag.js";
import { parseImageRef } from "../../analyzers/support/image-reference.js";
import { interpolate } from "../../analyzers/support/abra-recipe.js";
import { compareExpectations, readExpectations } from "../support/annotations.js";
import { FIXTURES } from "../support/workspace.js";

const ws = (dir: string) => join(FIXTURES, "rules", dir, "workspace");

for (const [rule, dir] of [
  ["R001", "R001"],
  ["R002", "R002"],
  ["R003", "R003-R005"],
  ["R004", "R003-R005"],
  ["R005", "R003-R005"],
  ["R009", "R009"],
  ["R010", "R010"],
  ["R012", "R012"],
  ["R015", "R015"],
] as const) {
  test(`${rule}: findings exactly where the fixtures' annotations say`, async () => {
    const root = ws(dir);
    const { findings } = await analyze({ recipes: root, rules: [rule] });
    const ex = readExpectations(root);
    assert.ok((ex.expected.get(rule)?.size ?? 0) > 0, "the fixture has true positives");
    assert.ok((ex.forbidden.get(rule)?.size ?? 0) > 0, "the fixture has false-positive guards");
    assert.equal(compareExpectations(ex, findings, rule), { missing: [], unexpected: [] });
  });
}

test("R002: a healthcheck added only by an overlay still leaves the other combinations reported", async () => {
  const { findings } = await analyze({ recipes: ws("R002"), rules: ["R002"] });
  const cache = findings.find((f) => f.message.includes("`cache`"));
  assert.ok(cache);
  assert.is(cache.file, "stack/compose.yml");
  assert.match(cache.message, /when deploying compose\.yml, compose\.yml:compose\.smtp\.yml:/);
  assert.not.match(cache.message, /compose\.health\.yml/);
  const db = findings.find((f) => f.message.includes("`db`"));
  assert.match(db!.message, /in every overlay combination/);
});

test("R003–R005: an image only one overlay sets is reported once, at the overlay, naming its combination (one rule: no tag is R003's)", async () => {
  const { findings } = await analyze({ recipes: ws("R003-R005"), rules: ["R003", "R004", "R005"] });
  const dev = findings.filter((f) => f.file === "images/compose.dev.yml");
  assert.equal(dev.map((f) => f.rule).sort(), ["R003"]);
  for (const f of dev) assert.match(f.message, /when deploying compose\.yml:compose\.dev\.yml\)/);
});

test("R007: README metadata — missing file, missing block, empty and missing fields; a filled block passes", async () => {
  const { findings } = await analyze({ recipes: ws("R007"), rules: ["R007"] });
  const got = findings.map((f) => `${f.file}:${f.line} ${f.message.split(":")[0]}`);
  assert.equal(got, [
    "empty-fields/README.md:3 README metadata has no `SSO` line",
    "empty-fields/README.md:6 README metadata `Image` is not filled in",
    "empty-fields/README.md:9 README metadata `Email` is not filled in",
    "no-block/README.md:1 README.md has no `<!-- metadata -->` … `<!-- endmetadata -->` block",
    "no-readme/README.md:1 the recipe has no README.md",
  ]);
});

test("R008: a recipe without .env.sample is an error at that path; one with it passes", async () => {
  const { findings } = await analyze({ recipes: ws("R008"), rules: ["R008"] });
  assert.equal(
    findings.map((f) => [f.file, f.severity]),
    [["without-sample/.env.sample", "error"]],
  );
});

test("R010: skipped (no finding) without an uncommented DOMAIN", async () => {
  const { findings } = await analyze({ recipes: ws("R010"), rules: ["R010"] });
  assert.not.ok(findings.some((f) => f.recipe === "no-domain"));
  assert.ok(
    findings.some((f) => f.recipe === "unrouted"),
    "the rule does run where DOMAIN is set",
  );
});

test("R012: the export's value comes from .env.sample when it sets the variable", async () => {
  const { findings } = await analyze({ recipes: ws("R012"), rules: ["R012"] });
  const f = findings.find((x) => x.recipe === "sample-version");
  assert.match(f!.message, /add `export APP_INI_VERSION=v4` to abra\.sh/);
});

test("R015: the message gives the key's length, abra's limit and the longest swarm name against 64", async () => {
  const { findings } = await analyze({ recipes: ws("R015"), rules: ["R015"] });
  const long = findings.find((f) => f.message.includes("postgres_replication_password"));
  assert.match(long!.message, /is 29 characters, over abra's limit of 12/);
  assert.match(
    long!.message,
    /reaches 78 characters with a 45-character stack name, over swarm's limit of 64/,
  );
  const edge = findings.find((f) => f.message.includes("oauth_secret1"));
  assert.match(
    edge!.message,
    /is 13 characters, over abra's limit of 12.*reaches 62 characters.*within swarm's limit of 64/,
  );
  const jwt = findings.find((f) => f.message.includes("`jwt`"));
  assert.match(jwt!.message, /reaches 76 characters/);
});

test("image references split as docker does: registry ports, digests, no tag", () => {
  assert.equal(parseImageRef("registry.example.org:5000/ns/proxy:v2-alpine"), {
    name: "registry.example.org:5000/ns/proxy",
    tag: "v2-alpine",
    digest: null,
  });
  assert.equal(parseImageRef("registry.example.org:5000/ns/proxy"), {
    name: "registry.example.org:5000/ns/proxy",
    tag: null,
    digest: null,
  });
  assert.equal(parseImageRef("nginx:1.27@sha256:abc"), { name: "nginx", tag: "1.27", digest: "sha256:abc" });
});

test("semver-like tags as abra's tagcmp reads them", () => {
  for (const t of ["1", "1.21", "v2.4.1", "16-alpine", "1.2.3-rootless", "1.2.3.4"])
    assert.ok(isSemverLike(t), t);
  for (const t of ["latest", "main", "stable", "alpine", "1.2.3.4.5", "3f2a9c1", "v", "1.2-", "1..2"]) {
    assert.not.ok(isSemverLike(t), t);
  }
});

test("interpolation: .env.sample values, then defaults; unknown variables leave the value unknown", () => {
  const env = new Map([["TAG", "1.2"]]);
  assert.is(interpolate("app:${TAG}", env), "app:1.2");
  assert.is(interpolate("${IMG:-nginx}:${TAG:-9}", env), "nginx:1.2");
  assert.is(interpolate("app:$TAG", env), "app:1.2");
  assert.is(interpolate("app:${NOPE}", env), null);
  assert.is(interpolate("a$$b", env), "a$b");
});

test.run();
