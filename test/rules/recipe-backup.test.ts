import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import { parse } from "yaml";
import * as assert from "uvu/assert";
import { analyze } from "../../pipeline/analyze.js";
import { renderInline, renderScript } from "../../codemods/support/backup-hooks.js";
import type { HookParams } from "../../codemods/support/backup-hooks.js";
import { compareExpectations, readExpectations } from "../support/annotations.js";
import { runCodemodFixture } from "../support/codemod-fixture.js";
import { FIXTURES, removeDir } from "../support/workspace.js";
import { needs } from "../support/tools.js";

for (const rule of ["RF110", "RF111"]) {
  test(`${rule}: findings exactly where the fixtures' annotations say`, async () => {
    const root = join(FIXTURES, "rules", rule, "workspace");
    const { findings } = await analyze({ recipes: root, rules: [rule] });
    assert.equal(compareExpectations(readExpectations(root), findings, rule), {
      missing: [],
      unexpected: [],
    });
  });
}

test("RF110: the message names every defect; the legacy path label is the finding's line", async () => {
  const root = join(FIXTURES, "rules", "RF110", "workspace");
  const { findings } = await analyze({ recipes: root, rules: ["RF110"] });
  const legacy = findings.find((f) => f.recipe === "legacy");
  assert.ok(legacy);
  assert.match(legacy.message, /live data directory \/var\/lib\/postgresql\/data/);
  assert.match(legacy.message, /post-hook deletes the dump/);
  assert.match(legacy.message, /no restore post-hook/);
  assert.ok(legacy.evidence.some((e) => /volume `postgres`/.test(e.note)));
});

test("RF111: a single mounted candidate gets a fix, several do not", async () => {
  const root = join(FIXTURES, "rules", "RF111", "workspace");
  const { findings } = await analyze({ recipes: root, rules: ["RF111"] });
  const app = findings.find((f) => f.message.includes("jellyfin_config"));
  assert.ok(app);
  assert.is(app.fix, null, "app mounts config and cache: two candidates");
  const sidecar = findings.find((f) => f.message.includes("sidecar"));
  assert.ok(sidecar);
  assert.ok(sidecar.fix, "sidecar mounts only `extra` (with compose.extra.yml)");
});

for (const [rule, name] of [
  ["RF110", "mattermost-lts"],
  ["RF110", "mariadb-inline-list"],
  ["RF110", "raw-copy-only"],
  ["RF111", "misnamed-volume"],
] as const) {
  test(`${rule} codemod ${name}: patches apply, output matches byte for byte, fixpoint, idempotent`, async () => {
    const out = await runCodemodFixture(join(FIXTURES, "codemods", rule, name), rule);
    try {
      assert.ok(out.patches > 0, "at least one patch");
      assert.equal(out.differences, []);
      assert.is(out.remaining, 0, "fixpoint: no finding of the rule after the patches");
      assert.is(out.secondRunPatches, 0, "idempotence: a second run gives no patch");
    } finally {
      removeDir(out.dir);
    }
  });
}

const withShellcheck = needs("shellcheck");

/** Every variable combination the renderer can produce, for both kinds. */
const PARAMS: [kind: "postgres" | "mysql", HookParams][] = [
  [
    "postgres",
    {
      service: "db",
      dumpPath: "/var/lib/postgresql/data/backup.sql.gz",
      userVar: "POSTGRES_USER",
      dbVar: "POSTGRES_DB",
    },
  ],
  [
    "postgres",
    {
      service: "db",
      dumpPath: "/data/backup.sql.gz",
      userVar: "POSTGRES_USER",
      dbVar: "POSTGRES_DB",
      passwordFileVar: "POSTGRES_PASSWORD_FILE",
      passwordVar: "POSTGRES_PASSWORD",
    },
  ],
  [
    "mysql",
    {
      service: "db",
      dumpPath: "/var/lib/mysql/backup.sql.gz",
      userVar: "MYSQL_USER",
      dbVar: "MYSQL_DATABASE",
    },
  ],
  [
    "mysql",
    {
      service: "db",
      dumpPath: "/var/lib/mysql/backup.sql.gz",
      userVar: "MARIADB_USER",
      dbVar: "MARIADB_DATABASE",
      passwordFileVar: "MARIADB_PASSWORD_FILE",
      passwordVar: "MARIADB_PASSWORD",
      rootPasswordFileVar: "MARIADB_ROOT_PASSWORD_FILE",
      rootPasswordVar: "MARIADB_ROOT_PASSWORD",
    },
  ],
];

withShellcheck("RF110: generated hook scripts and inline hooks pass shellcheck (POSIX sh)", () => {
  const dir = mkdtempSync(join(tmpdir(), "redfix-hooks-"));
  try {
    PARAMS.forEach(([kind, p], i) => {
      const files: [string, string][] = [[`script-${i}.sh`, renderScript(kind, p)]];
      const inline = renderInline(kind, p);
      for (const [k, body] of Object.entries(inline)) {
        assert.not.match(body, /["']$/, "backupbot strips a trailing quote from a hook");
        assert.not.match(body, /\n/, "an inline hook is one line");
        files.push([`inline-${i}-${k}.sh`, `#!/bin/sh\n${body}\n`]);
      }
      for (const [name, text] of files) {
        assert.not.match(text, /\{\{|\}\}/, `${name}: every template action rendered`);
        writeFileSync(join(dir, name), text);
        try {
          execFileSync("shellcheck", ["--shell=sh", "--severity=style", join(dir, name)], {
            encoding: "utf8",
          });
        } catch (e) {
          assert.unreachable(`${name} fails shellcheck:\n${(e as { stdout?: string }).stdout ?? String(e)}`);
        }
      }
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

withShellcheck(
  "RF110: inline hooks in the patched compose file, as compose hands them to the container, pass shellcheck",
  () => {
    const file = join(
      FIXTURES,
      "codemods",
      "RF110",
      "mariadb-inline-list",
      "output",
      "wordpress",
      "compose.yml",
    );
    const compose = parse(readFileSync(file, "utf8")) as {
      services: { db: { deploy: { labels: string[] } } };
    };
    const hooks = compose.services.db.deploy.labels.filter((l) =>
      /^backupbot\.(backup\.pre|restore\.post)-hook=/.test(l),
    );
    assert.is(hooks.length, 2);
    const dir = mkdtempSync(join(tmpdir(), "redfix-inline-"));
    try {
      for (const [i, label] of hooks.entries()) {
        // Compose interpolation turns `$$` into `$`; a lone `$` would have been interpolated away.
        const body = label.slice(label.indexOf("=") + 1);
        assert.not.match(body.replace(/\$\$/g, ""), /\$/, "every `$` is escaped for compose");
        const script = join(dir, `hook-${i}.sh`);
        writeFileSync(script, `#!/bin/sh\n${body.replace(/\$\$/g, "$")}\n`);
        try {
          execFileSync("shellcheck", ["--shell=sh", script], { encoding: "utf8" });
        } catch (e) {
          assert.unreachable(
            `${label.split("=")[0]} fails shellcheck:\n${(e as { stdout?: string }).stdout ?? String(e)}`,
          );
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test("RF110: the hooks hold no credential, only the names of the service's variables", () => {
  const [kind, p] = PARAMS[3]!;
  const text = renderScript(kind, p) + Object.values(renderInline(kind, p)).join("\n");
  assert.match(text, /\$MARIADB_ROOT_PASSWORD_FILE/);
  assert.not.match(
    text,
    /MYSQL_(USER|DATABASE|PASSWORD|ROOT)/,
    "a MARIADB_* recipe is read with MARIADB_* names",
  );
  const fixture = readFileSync(
    join(FIXTURES, "codemods", "RF110", "mattermost-lts", "output", "pg_backup.sh"),
    "utf8",
  );
  assert.match(fixture, /cat "\$POSTGRES_PASSWORD_FILE"/);
});

test.run();
