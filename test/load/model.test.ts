import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { defaultConfig } from "../../load/config.js";
import { loadWorkspace } from "../../load/workspace.js";
import { analyze } from "../../pipeline/analyze.js";
import { git, removeDir, tempDir } from "../support/workspace.js";

function recipeDir(files: Record<string, string>): string {
  const dir = tempDir();
  for (const [f, c] of Object.entries(files)) {
    mkdirSync(join(dir, f, ".."), { recursive: true });
    writeFileSync(join(dir, f), c);
  }
  return dir;
}

test("one recipe folder as the root; overlays merged with compose's rules", () => {
  const dir = recipeDir({
    "compose.yml": [
      'version: "3.8"',
      "services:",
      "  app:",
      "    image: app:1",
      "    depends_on: [db]",
      "    deploy:",
      "      labels:",
      '        - "traefik.enable=true"',
      '        - "backupbot.backup=false"',
      "  db:",
      "    image: postgres:15",
      "    volumes: [data:/var/lib/postgresql/data]",
      "volumes: { data: }",
      "",
    ].join("\n"),
    "compose.smtp.yml": [
      'version: "3.8"',
      "services:",
      "  app:",
      "    image: app:2",
      "    depends_on: [mailer]",
      "    deploy:",
      "      labels:",
      "        backupbot.backup: 'true'",
      "    networks:",
      "      proxy:",
      "        aliases: [myapp]",
      "  mailer:",
      "    image: mailer:1",
      "",
    ].join("\n"),
    ".env.sample":
      'TYPE=x\nDOMAIN=x.example.com\n#COMPOSE_FILE="compose.yml:compose.smtp.yml"\n#SMTP_HOST=mail\n',
    "abra.sh": "export APP_CONF_VERSION=v3\nexport ENTRYPOINT_VERSION='v1' # quoted\nfunction x() { :; }\n",
  });
  try {
    const ws = loadWorkspace(dir, defaultConfig());
    assert.is(ws.recipes.length, 1);
    const r = ws.recipes[0]!;
    assert.is(r.relDir, "");
    assert.equal(
      r.combinations.map((c) => [c.id, c.origin]),
      [
        ["compose.yml", "base"],
        ["compose.yml:compose.smtp.yml", "overlay"],
      ],
      "the env-sample combination equals the overlay one and is not repeated",
    );
    const merged = r.combinations[1]!.services.get("app")!;
    assert.is(merged.image?.value.value, "app:2", "later file wins for scalars");
    assert.equal(
      [...merged.dependsOn.keys()].sort(),
      ["db", "mailer"],
      "short-form depends_on merges additively",
    );
    assert.is(
      merged.deployLabels.get("backupbot.backup")?.value.value,
      "true",
      "labels merge by key across forms",
    );
    assert.is(merged.deployLabels.get("traefik.enable")?.value.value, "true");
    assert.equal(merged.networks.get("proxy"), ["myapp"]);
    assert.equal(
      r.envSample!.variables.map((v) => [v.name, v.value, v.commented]),
      [
        ["TYPE", "x", false],
        ["DOMAIN", "x.example.com", false],
        ["COMPOSE_FILE", "compose.yml:compose.smtp.yml", true],
        ["SMTP_HOST", "mail", true],
      ],
    );
    assert.equal(
      r.abraSh!.exports.map((e) => [e.name, e.value, e.line]),
      [
        ["APP_CONF_VERSION", "v3", 1],
        ["ENTRYPOINT_VERSION", "v1", 2],
      ],
    );
    const e = r.abraSh!.exports[1]!;
    assert.is(r.abraSh!.source.text.slice(e.valueRange.start, e.valueRange.end), "'v1'");
    const db = r.base!.services.find((s) => s.name === "db")!;
    const v = db.volumes[0]!;
    assert.equal([v.source, v.target, v.type], ["data", "/var/lib/postgresql/data", "volume"]);
    assert.is(r.base!.source.text.slice(v.range.start, v.range.end), "data:/var/lib/postgresql/data");
    const pos = r.base!.source.lines.position(v.range.start);
    assert.equal(pos, { line: 12, column: 15 });
  } finally {
    removeDir(dir);
  }
});

test("an uncommented COMPOSE_FILE is abra's default chain: the base alone is no deployment; unnamed overlays join the chain", async () => {
  const dir = recipeDir({
    "compose.yml": 'version: "3.8"\nservices:\n  app:\n    image: app:1\n    depends_on: [db]\n',
    "compose.postgres.yml": 'version: "3.8"\nservices:\n  db:\n    image: postgres:16\n',
    "compose.sonic.yml": 'version: "3.8"\nservices:\n  search:\n    image: sonic:1\n',
    "compose.smtp.yml": 'version: "3.8"\nservices:\n  app:\n    environment: [SMTP=1]\n',
    ".env.sample": [
      "TYPE=x",
      'COMPOSE_FILE="compose.yml"',
      'COMPOSE_FILE="$COMPOSE_FILE:compose.postgres.yml"',
      '#COMPOSE_FILE="$COMPOSE_FILE:compose.sonic.yml"',
      "",
    ].join("\n"),
  });
  try {
    const r = loadWorkspace(dir, defaultConfig()).recipes[0]!;
    assert.equal(
      r.combinations.map((c) => [c.id, c.origin]),
      [
        ["compose.yml:compose.postgres.yml", "env-sample"],
        ["compose.yml:compose.postgres.yml:compose.smtp.yml", "overlay"],
        ["compose.yml:compose.postgres.yml:compose.sonic.yml", "env-sample"],
      ],
      "the last uncommented line is deployed, the first is replaced by it; sonic is the sample's own line",
    );
    const { findings } = await analyze({ recipes: dir, rules: ["RF101"] });
    assert.equal(findings, [], "db comes with the default chain");
  } finally {
    removeDir(dir);
  }
});

test("without an uncommented COMPOSE_FILE, abra deploys compose.yml: the base alone and with each overlay", async () => {
  const dir = recipeDir({
    "compose.yml": 'version: "3.8"\nservices:\n  app:\n    image: app:1\n    depends_on: [db]\n',
    "compose.postgres.yml": 'version: "3.8"\nservices:\n  db:\n    image: postgres:16\n',
    ".env.sample": 'TYPE=x\n#COMPOSE_FILE="compose.yml:compose.postgres.yml"\n',
  });
  try {
    const r = loadWorkspace(dir, defaultConfig()).recipes[0]!;
    assert.equal(
      r.combinations.map((c) => c.id),
      ["compose.yml", "compose.yml:compose.postgres.yml"],
    );
    const { findings } = await analyze({ recipes: dir, rules: ["RF101"] });
    assert.equal(
      findings.map((f) => f.message),
      ["service `app` depends on `db`, which is undefined when deploying compose.yml"],
    );
  } finally {
    removeDir(dir);
  }
});

test("plain compose projects: docker-compose.yml with its overlays", () => {
  const root = tempDir();
  try {
    mkdirSync(join(root, "plain"));
    writeFileSync(join(root, "plain", "docker-compose.yml"), "services:\n  web:\n    image: nginx:1\n");
    writeFileSync(join(root, "plain", "docker-compose.prod.yml"), "services:\n  web:\n    restart: always\n");
    mkdirSync(join(root, "not-a-recipe"));
    const ws = loadWorkspace(root, defaultConfig());
    assert.equal(
      ws.recipes.map((r) => [r.name, r.kind, r.composeFiles.map((f) => f.name)]),
      [["plain", "compose-project", ["docker-compose.yml", "docker-compose.prod.yml"]]],
    );
  } finally {
    removeDir(root);
  }
});

test("release tags from git: annotated and lightweight, loose and packed, and the origin", () => {
  const dir = recipeDir({ "compose.yml": "services: {}\n" });
  try {
    git(dir, "init", "-q", "-b", "main");
    git(dir, "add", "-A");
    git(dir, "commit", "-q", "-m", "init");
    git(dir, "tag", "-a", "1.0.0+1.2", "-m", "release");
    git(dir, "tag", "1.0.1+1.2");
    git(dir, "remote", "add", "origin", "https://git.coopcloud.tech/coop-cloud/x.git");
    const read = () => loadWorkspace(dir, defaultConfig()).recipes[0]!.git!;
    const loose = read();
    assert.equal(
      loose.tags.map((t) => [t.name, t.annotated]),
      [
        ["1.0.0+1.2", true],
        ["1.0.1+1.2", false],
      ],
    );
    assert.is(loose.originUrl, "https://git.coopcloud.tech/coop-cloud/x.git");
    git(dir, "pack-refs", "--all");
    git(dir, "gc", "-q");
    assert.equal(
      read().tags.map((t) => [t.name, t.annotated]),
      [
        ["1.0.0+1.2", true],
        ["1.0.1+1.2", false],
      ],
    );
  } finally {
    removeDir(dir);
  }
});

test.run();
