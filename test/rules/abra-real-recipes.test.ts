/**
 * Real public recipes (test/fixtures/real-recipes, sources in each SOURCE.md) linted as `abra recipe lint`
 * sees them: each a git clone with an annotated release tag and a public origin. The expected lists are
 * what abra reports for these files, one finding per defect where abra gives one verdict per rule; an
 * untagged or `latest` image is one fact, reported once (R003 or R004), where abra fails it under R003–R005.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { analyze } from "../../pipeline/analyze.js";
import { composeFileCombinations, parseEnvSample } from "../../load/env.js";
import { LineIndex } from "../../core/source.js";
import { FIXTURES, git, removeDir, repoFrom } from "../support/workspace.js";

const REAL = join(FIXTURES, "real-recipes");

/** Each recipe as the maintainer's clone: an annotated release and the catalogue's origin. */
function clones(): string {
  const dir = repoFrom(REAL);
  for (const name of readdirSync(dir)) {
    git(join(dir, name), "tag", "-a", "1.0.0+upstream", "-m", "first release");
    git(join(dir, name), "remote", "add", "origin", `https://git.coopcloud.tech/coop-cloud/${name}.git`);
  }
  return dir;
}

const EXPECTED = [
  "R003 warning agora/compose.yml:6",
  "R007 warning bonfire/README.md:9",
  "R007 warning bonfire/README.md:10",
  "R007 warning bonfire/README.md:11",
  "R007 warning bonfire/README.md:13",
  "R015 warning bonfire/compose.postgres.yml:91",
  "R015 warning bonfire/compose.yml:173",
  "R015 warning bonfire/compose.yml:179",
  "R015 warning bonfire/compose.yml:182",
  "R015 warning bonfire/compose.yml:188",
  "R002 warning gaseous/compose.yml:3",
  "R004 warning gaseous/compose.yml:4",
  "R002 warning gaseous/compose.yml:34",
  "R003 warning gaseous/compose.yml:35",
  "R002 warning go-ssb-room/compose.yml:5",
  "R015 warning traefik/compose.ovh.yml:16",
  "R015 warning traefik/compose.ovh.yml:19",
  "R002 warning traefik/compose.smtp.yml:5",
  "R011 error traefik/compose.smtp.yml:5",
];

test("real recipes get the findings abra reports, and nothing else", async () => {
  const dir = clones();
  try {
    const { findings } = await analyze({ recipes: dir, profile: "abra" });
    assert.equal(
      findings.map((f) => `${f.rule} ${f.severity} ${f.file}:${f.line}`),
      EXPECTED,
    );
    const text = (rule: string, file: string, line: number) =>
      findings.find((f) => f.rule === rule && f.file === file && f.line === line)!.message;
    assert.match(
      text("R011", "traefik/compose.smtp.yml", 5),
      /`traefik` is declared only in compose\.smtp\.yml/,
    );
    assert.match(
      text("R002", "traefik/compose.smtp.yml", 5),
      /when deploying compose\.yml:compose\.smtp\.yml/,
    );
    assert.match(
      text("R015", "bonfire/compose.yml", 188),
      /`livebook_password` is 17 characters.*66 characters/,
    );
    assert.match(text("R007", "bonfire/README.md", 13), /`SSO` is not filled in/);
  } finally {
    removeDir(dir);
  }
});

test("the same recipes outside git: one info per recipe that R014 (and R006, R013) could not run", async () => {
  const { findings } = await analyze({ recipes: REAL, profile: "abra" });
  const infos = findings.filter((f) => f.severity === "info");
  assert.equal(
    infos.map((f) => `${f.rule} ${f.recipe}`),
    ["R014 agora", "R014 bonfire", "R014 gaseous", "R014 go-ssb-room", "R014 traefik"],
  );
  assert.equal(
    findings.filter((f) => f.severity !== "info").map((f) => `${f.rule} ${f.severity} ${f.file}:${f.line}`),
    EXPECTED,
  );
});

test("the only fix offered on them is R011's: the orphaned overlay service", async () => {
  const dir = clones();
  try {
    const { findings } = await analyze({ recipes: dir, profile: "abra" });
    assert.equal(
      findings.filter((f) => f.fix).map((f) => `${f.rule} ${f.file}`),
      ["R011 traefik/compose.smtp.yml"],
    );
  } finally {
    removeDir(dir);
  }
});

test("COMPOSE_FILE built line by line with $COMPOSE_FILE (bonfire's .env.sample) names real combinations", () => {
  const text = [
    'COMPOSE_FILE="compose.yml"',
    'COMPOSE_FILE="$COMPOSE_FILE:compose.postgres.yml"',
    '# COMPOSE_FILE="$COMPOSE_FILE:compose.sonic.yml"',
    'COMPOSE_FILE="${COMPOSE_FILE}:compose.meilisearch.yml"',
  ].join("\n");
  const env = parseEnvSample({ path: ".env.sample", absPath: "/x", text, lines: new LineIndex(text) });
  assert.equal(
    composeFileCombinations(env).map((c) => c.files.join(":")),
    [
      "compose.yml",
      "compose.yml:compose.postgres.yml",
      "compose.yml:compose.postgres.yml:compose.sonic.yml",
      "compose.yml:compose.postgres.yml:compose.meilisearch.yml",
    ],
  );
});

test.run();
