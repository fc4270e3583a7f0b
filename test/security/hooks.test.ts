/** Case 9: generated shell quotes every recipe value — shellcheck and sh itself say so, on hostile values. */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { renderInline, renderScript, type HookParams } from "../../codemods/support/backup-hooks.js";
import { removeDir, tempDir } from "../support/workspace.js";
import { needs } from "../support/tools.js";

/** Strings a stranger would try: quotes, substitutions, newlines, globs, comments. */
const hostile = fc.oneof(
  fc.constantFrom(
    '"$(touch MARKER)"',
    "'$(touch MARKER)'",
    "`touch MARKER`",
    "$(touch MARKER)",
    "a\ntouch MARKER\n#",
    "x'; touch MARKER; echo '",
    '\\"; touch MARKER; #',
    "* ? [a] ~ {a,b} $HOME ${IFS}",
  ),
  fc.string({
    unit: fc.constantFrom(
      "a",
      "/",
      " ",
      "'",
      '"',
      "`",
      "$",
      "(",
      ")",
      ";",
      "\n",
      "\\",
      "#",
      "*",
      "&",
      "|",
      "MARKER",
    ),
  }),
);

const postgres = (dumpPath: string, service: string): HookParams => ({
  service,
  dumpPath,
  userVar: "POSTGRES_USER",
  dbVar: "POSTGRES_DB",
  passwordFileVar: "POSTGRES_PASSWORD_FILE",
});

needs("shellcheck")(
  "hostile dump paths and service names: shellcheck is clean and running the hooks runs nothing of them",
  () => {
    const dir = tempDir();
    try {
      const marker = join(dir, "MARKER");
      fc.assert(
        fc.property(hostile, hostile, (a, b) => {
          const dump = a.split("MARKER").join(marker);
          const service = b.split("MARKER").join(marker);
          for (const kind of ["postgres", "mysql"] as const) {
            const params =
              kind === "postgres"
                ? postgres(dump, service)
                : {
                    service,
                    dumpPath: dump,
                    userVar: "MYSQL_USER",
                    dbVar: "MYSQL_DATABASE",
                    passwordVar: "MYSQL_PASSWORD",
                  };
            const script = join(dir, `${kind}.sh`);
            writeFileSync(script, renderScript(kind, params));
            const sc = spawnSync("shellcheck", ["--shell=sh", "--severity=warning", script], {
              encoding: "utf8",
            });
            assert.is(sc.status, 0, sc.stdout);
            // No argument: the usage path, after every assignment ran.
            spawnSync("sh", [script], { cwd: dir, env: { PATH: "/usr/bin:/bin" }, encoding: "utf8" });
            const inline = renderInline(kind, params);
            for (const cmd of [inline.backup, inline.restore]) {
              // The dump tools are not on this PATH: the line stops at them, after F= was assigned.
              spawnSync("sh", ["-c", cmd], { cwd: dir, env: { PATH: "/nonexistent" }, encoding: "utf8" });
            }
            assert.not.ok(existsSync(marker), `a value ran: ${JSON.stringify([dump, service])}`);
          }
        }),
        { numRuns: 60, seed: 13 },
      );
    } finally {
      removeDir(dir);
    }
  },
);

test("the generated script's comment cannot be ended by a newline in the service name", () => {
  const text = renderScript("postgres", postgres("/backup/x.sql.gz", "svc\nrm -rf /"));
  assert.not.match(text, /^rm -rf/m);
  execFileSync("true");
});

test.run();
