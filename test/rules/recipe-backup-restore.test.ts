/**
 * RF110's generated pg_backup.sh run for real against a PostgreSQL server: dump, change the data while
 * a client holds a connection, restore, and find the dumped state back. Skipped (with the reason) when
 * PostgreSQL's server binaries are not installed.
 */
import { execFileSync, spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { renderScript } from "../../codemods/support/backup-hooks.js";
import { needs, postgresBin } from "../support/tools.js";
import { tempDir } from "../support/workspace.js";

needs("postgres")(
  "RF110: pg_backup.sh dumps, and its restore ends connections, recreates the database and loads the dump",
  async () => {
    const bin = postgresBin()!;
    // initdb refuses to run as root: run the server and the hooks as `postgres`, as in the container.
    const asRoot = process.getuid?.() === 0;
    const dir = tempDir("redfix-pg-");
    chmodSync(dir, 0o777);
    const env = {
      PATH: `${bin}:${process.env.PATH ?? ""}`,
      PGHOST: dir,
      POSTGRES_USER: "notes",
      POSTGRES_DB: "notes",
      POSTGRES_PASSWORD_FILE: join(dir, "db_password"),
    };
    const run = (cmd: string, args: string[]) =>
      execFileSync(asRoot ? "runuser" : cmd, asRoot ? ["-u", "postgres", "--", cmd, ...args] : args, {
        env,
        encoding: "utf8",
        cwd: dir,
        stdio: ["ignore", "pipe", "pipe"],
        timeout: 60_000,
      });
    const psql = (sql: string, db = "notes") =>
      run("psql", [
        "--username=notes",
        `--dbname=${db}`,
        "-X",
        "-At",
        "-v",
        "ON_ERROR_STOP=1",
        "-c",
        sql,
      ]).trim();
    const data = join(dir, "data");
    let started = false;
    let holder: ReturnType<typeof spawn> | null = null;
    try {
      writeFileSync(env.POSTGRES_PASSWORD_FILE, "not-used-with-trust\n");
      chmodSync(env.POSTGRES_PASSWORD_FILE, 0o644);
      run("initdb", ["-D", data, "--username=notes", "--auth=trust", "-E", "UTF8"]);
      run("pg_ctl", [
        "-D",
        data,
        "-w",
        "-l",
        join(dir, "log"),
        "-o",
        `-k ${dir} -c listen_addresses=`,
        "start",
      ]);
      started = true;
      run("createdb", ["--username=notes", "notes"]);
      psql(
        "CREATE TABLE note (id int PRIMARY KEY, body text); INSERT INTO note VALUES (1, 'first'), (2, 'second');",
      );

      const volume = join(dir, "volume");
      mkdirSync(volume);
      chmodSync(volume, 0o777);
      const script = join(dir, "pg_backup.sh");
      writeFileSync(
        script,
        renderScript("postgres", {
          service: "db",
          dumpPath: join(volume, "backup.sql.gz"),
          userVar: "POSTGRES_USER",
          dbVar: "POSTGRES_DB",
          passwordFileVar: "POSTGRES_PASSWORD_FILE",
        }),
      );
      chmodSync(script, 0o755);
      run("sh", [script, "backup"]);
      assert.ok(existsSync(join(volume, "backup.sql.gz")), "the dump is written");
      assert.not.ok(existsSync(join(volume, "backup.sql.part")), "no temporary file is left");
      execFileSync("gzip", ["-t", join(volume, "backup.sql.gz")]);

      psql(
        "DELETE FROM note WHERE id = 1; INSERT INTO note VALUES (3, 'after the backup'); CREATE TABLE extra (x int);",
      );
      // A client connected to the database, as the app would be: the restore must end its session.
      const holderCmd = ["psql", "--username=notes", "--dbname=notes", "-X", "-c", "SELECT pg_sleep(60)"];
      holder = spawn(
        asRoot ? "runuser" : holderCmd[0]!,
        asRoot ? ["-u", "postgres", "--", ...holderCmd] : holderCmd.slice(1),
        {
          env,
          stdio: "ignore",
        },
      );
      for (
        let i = 0;
        i < 50 &&
        psql(
          "SELECT count(*) FROM pg_stat_activity WHERE datname = 'notes' AND query LIKE '%pg_sleep%'",
          "postgres",
        ) === "0";
        i++
      ) {
        await new Promise((r) => setTimeout(r, 100));
      }
      run("sh", [script, "restore"]);
      assert.is(psql("SELECT string_agg(id || ':' || body, ',' ORDER BY id) FROM note"), "1:first,2:second");
      assert.is(
        psql("SELECT count(*) FROM pg_tables WHERE tablename = 'extra'"),
        "0",
        "the database was recreated",
      );
    } finally {
      holder?.kill("SIGKILL");
      if (started) {
        try {
          run("pg_ctl", ["-D", data, "-m", "immediate", "stop"]);
        } catch {
          // the server is already gone
        }
      }
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test.run();
