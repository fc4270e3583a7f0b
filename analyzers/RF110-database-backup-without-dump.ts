import type { Declared, MergedService } from "../load/merge.js";
import type { KeyValueEntry, Mount } from "../load/compose.js";
import type { SourceFile } from "../core/source.js";
import type { Recipe } from "../load/workspace.js";
import type { ProblemEvidence, Rule } from "./rule.js";
import { SWARM_KINDS } from "./rule.js";

export type DatabaseKind = "postgres" | "mysql";

/** A database service and the volume that holds its data directory. */
export interface DatabaseService {
  kind: DatabaseKind;
  service: MergedService;
  /** The directory the server keeps its files in (`PGDATA`, or the image default). */
  dataDir: string;
  /** The volume mount at (or above) the data directory; null when the data is not on a named volume. */
  dataMount: Declared<Mount> | null;
}

export const DUMP_FILE = "backup.sql.gz";

const DEFAULT_DATA_DIR: Record<DatabaseKind, string> = {
  postgres: "/var/lib/postgresql/data",
  mysql: "/var/lib/mysql",
};

/** The image's repository name, without registry, namespace, tag or digest. */
function imageName(image: string): string {
  const noDigest = image.split("@")[0] ?? "";
  const last = noDigest.split("/").pop() ?? "";
  return (last.split(":")[0] ?? "").toLowerCase();
}

export function databaseKind(svc: MergedService): DatabaseKind | null {
  const name = svc.image ? imageName(svc.image.value.value) : "";
  if (/^(postgres|postgis)/.test(name) || name.endsWith("postgres")) return "postgres";
  if (/^(mariadb|mysql)/.test(name)) return "mysql";
  for (const m of svc.volumes.values()) {
    if (m.value.target === DEFAULT_DATA_DIR.postgres) return "postgres";
    if (m.value.target === DEFAULT_DATA_DIR.mysql) return "mysql";
  }
  return null;
}

function isAtOrBelow(path: string, dir: string): boolean {
  const p = path.replace(/\/+$/, "");
  const d = dir.replace(/\/+$/, "");
  return p === d || p.startsWith(`${d}/`);
}

export function databaseService(svc: MergedService): DatabaseService | null {
  const kind = databaseKind(svc);
  if (!kind) return null;
  const pgdata = kind === "postgres" ? svc.environment.get("PGDATA")?.value.value : null;
  const dataDir = pgdata && pgdata.startsWith("/") ? pgdata : DEFAULT_DATA_DIR[kind];
  let dataMount: Declared<Mount> | null = null;
  for (const m of svc.volumes.values()) {
    const t = m.value.target;
    if (m.value.type !== "volume" || !m.value.source || !t || !isAtOrBelow(dataDir, t)) continue;
    // The deepest mount wins: that is the volume the data files are written to.
    if (!dataMount || t.length > (dataMount.value.target ?? "").length) dataMount = m;
  }
  return { kind, service: svc, dataDir, dataMount };
}

const DUMP_COMMAND =
  /\b(pg_dump|pg_dumpall|pg_basebackup|mysqldump|mariadb-dump|mariadb-backup|mariabackup)\b/;
const LOAD_COMMAND = /\b(psql|pg_restore|mysql|mariadb)\b/;
const REMOVES = /(^|[;&|(\s'"])rm(\s|$)/;

/**
 * The text a hook runs: the command itself, plus the content of a recipe config mounted at the path
 * the command starts with (`/pg_backup.sh backup` runs the script the recipe ships).
 */
function hookText(recipe: Recipe, svc: MergedService, command: string): string {
  const words = command.trim().split(/\s+/);
  const scripts = words
    .map((w) => w.replace(/^['"]|['";]$/g, ""))
    .filter((w) => w.startsWith("/"))
    .map((w) => svc.configs.get(w)?.value.source)
    .filter((s): s is string => Boolean(s));
  let text = command;
  for (const name of scripts) {
    const ref = recipe.fileRefs.find((r) => r.kind === "config" && r.entry.name === name && r.source);
    if (ref?.source) text += `\n${ref.source.text}`;
  }
  return text;
}

export type BackupDefect = "legacy-path" | "raw-copy" | "no-dump" | "deleting-post-hook" | "no-restore";

export interface Rf110Data {
  service: string;
  kind: DatabaseKind;
  /** The compose file holding the service's `backupbot.*` labels. */
  labelsFile: string;
  dataVolume: string;
  /** Where the volume is mounted in the container. */
  mountTarget: string;
  defects: BackupDefect[];
  /** Where the working pre-hook already writes its dump (relative to the volume): a raw copy alone needs only the path label. */
  existingDump: string | null;
}

export const LABEL = {
  backup: "backupbot.backup",
  legacyPath: "backupbot.backup.path",
  preHook: "backupbot.backup.pre-hook",
  postHook: "backupbot.backup.post-hook",
  restorePost: "backupbot.restore.post-hook",
  volumePrefix: "backupbot.backup.volumes.",
} as const;

function truthy(v: string | null | undefined): boolean {
  return v !== null && v !== undefined && /^(true|yes|on|1)$/i.test(v.trim());
}

interface Judgement {
  defects: { defect: BackupDefect; entry: Declared<KeyValueEntry> | null; note: string }[];
  anchor: Declared<KeyValueEntry>;
  /** The dump the existing pre-hook writes, relative to the data volume, when it writes one there. */
  existingDump: string | null;
}

/** The one file under the volume's mount point that a dumping hook names (`…/data/backup.sql`). */
function dumpUnder(text: string, mountTarget: string | null | undefined): string | null {
  if (!mountTarget) return null;
  const root = mountTarget.replace(/\/+$/, "");
  const escaped = root.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const found = new Set(
    [...text.matchAll(new RegExp(`${escaped}/([A-Za-z0-9._-]+(?:/[A-Za-z0-9._-]+)*)`, "g"))].map(
      (m) => m[1]!,
    ),
  );
  return found.size === 1 ? [...found][0]! : null;
}

/** What is wrong with a database service's backup; null when it is not backed up or is healthy. */
export function judgeBackup(recipe: Recipe, db: DatabaseService): Judgement | null {
  const labels = db.service.deployLabels;
  const backup = labels.get(LABEL.backup);
  const legacy = labels.get(LABEL.legacyPath);
  if (!(backup && truthy(backup.value.value)) && !legacy) return null;
  const out: Judgement["defects"] = [];
  const pre = labels.get(LABEL.preHook);
  const preText = pre ? hookText(recipe, db.service, pre.value.value ?? "") : "";
  const legacyPaths = (legacy?.value.value ?? "").split(",").map((p) => p.trim());
  // The data directory or a folder above it is the live database; a file in it that the pre-hook
  // writes (the dump) is not.
  const live = (p: string) =>
    isAtOrBelow(db.dataDir, p) ||
    (isAtOrBelow(p, db.dataDir) && !(DUMP_COMMAND.test(preText) && preText.includes(p)));
  if (legacy && legacyPaths.some((p) => p && live(p))) {
    out.push({
      defect: "legacy-path",
      entry: legacy,
      note: `copies the live data directory ${db.dataDir} as is: an inconsistent backup, and a restore under a running server`,
    });
  }
  const dumps = DUMP_COMMAND.test(preText);
  if (!dumps) {
    out.push({
      defect: "no-dump",
      entry: pre ?? null,
      note: pre ? "the pre-hook does not dump the database" : "no pre-hook dumps the database",
    });
  }
  const volume = db.dataMount?.value.source;
  if (!legacy && volume) {
    const pathLabel = labels.get(`${LABEL.volumePrefix}${volume}.path`);
    const excluded = labels.get(`${LABEL.volumePrefix}${volume}`);
    if (!pathLabel && !(excluded && excluded.value.value?.trim() === "false")) {
      out.push({
        defect: "raw-copy",
        entry: null,
        note: `all of volume \`${volume}\` (the live data directory) is copied raw: no \`${LABEL.volumePrefix}${volume}.path\` selects the dump`,
      });
    }
  }
  const post = labels.get(LABEL.postHook);
  if (post && REMOVES.test(post.value.value ?? "")) {
    out.push({
      defect: "deleting-post-hook",
      entry: post,
      note: "the post-hook deletes the dump before it is restored from",
    });
  }
  const restore = labels.get(LABEL.restorePost);
  if (dumps && !(restore && LOAD_COMMAND.test(hookText(recipe, db.service, restore.value.value ?? "")))) {
    out.push({
      defect: "no-restore",
      entry: restore ?? null,
      note: restore ? "the restore post-hook does not load the dump" : "no restore post-hook loads the dump",
    });
  }
  if (out.length === 0) return null;
  return {
    defects: out,
    anchor: out.find((d) => d.entry)?.entry ?? backup ?? legacy!,
    existingDump: dumps ? dumpUnder(preText, db.dataMount?.value.target) : null,
  };
}

export const rf110: Rule = {
  replayTopics: /restore|backup/i,
  options: [{ key: "backupHooks", values: ["script", "inline"], default: "script" }],
  meta: {
    id: "RF110",
    name: "database-backup-without-dump",
    description:
      "a database backed up by copying its live data directory, a post-hook deleting the dump, or a dump with no restore hook",
    severity: "error",
    target: "recipe",
    classification: "recipe-defect",
    fixable: true,
    kinds: SWARM_KINDS,
    scope: "recipe",
    docs: `backup-bot-two copies a service's volumes as files. For a running PostgreSQL or MariaDB/MySQL
server that copy is inconsistent (pages written mid-copy), and restoring it writes files under a server
that keeps its own state in memory, so the restored state does not come back. This is the mattermost-lts
case: \`backupbot.backup.path=/var/lib/postgresql/data\` and a post-hook that deleted the dump.

What it checks, on every database service (postgres/postgis/mariadb/mysql images, or a service mounting
\`/var/lib/postgresql/data\` or \`/var/lib/mysql\`) that is backed up:
- legacy \`backupbot.backup.path\` on the data directory;
- \`backupbot.backup=true\` with no pre-hook that dumps (\`pg_dump\`, \`mysqldump\`, \`mariadb-dump\`, directly or
  in the script the hook runs), or with no \`backupbot.backup.volumes.<volume>.path\` keeping the raw data
  directory out of the backup;
- a \`backupbot.backup.post-hook\` that runs \`rm\` (the dump is gone before anyone restores from it);
- a dump with no \`backupbot.restore.post-hook\` that loads it.

Fix: a pre-hook that dumps with gzip to a temporary name and renames it (a backup never picks up half a
dump); \`backupbot.backup.volumes.<volume>.path=${DUMP_FILE}\` with the volume key the service actually
mounts; a restore post-hook that ends the database's connections, drops and recreates it and loads the
dump. Credentials come from the service's own environment (\`POSTGRES_USER\`, \`POSTGRES_DB\`,
\`*_PASSWORD_FILE\` secrets) at run time, never from the patch. The legacy path label and the deleting
post-hook go.

Two styles (\`--backup-hooks\`, or \`backupHooks\` in redfix.config.yaml):
- \`script\` (default): the hooks live in \`pg_backup.sh\` / \`mysql_backup.sh\`, mounted as a swarm config,
  versioned in \`abra.sh\`; the labels read \`/pg_backup.sh backup\` and \`/pg_backup.sh restore\`. The default,
  because a script is what reviewers can read and \`shellcheck\` can check (redfix's own tests run it on
  every generated script), it is the pattern the recipes that restore correctly use (immich, and the
  backlog's mattermost-lts fix), and labels stay one short command.
- \`inline\`: the same commands in the labels. Mounting a new config races with backupbot exec-ing into
  the old container during the upgrade that introduces it (the first backup after the upgrade can fail);
  maintainers who cannot accept that one failed run inline the hooks. \`$\` is written \`$$\` so compose
  leaves the container's variables alone.

Sources: docs.coopcloud.tech/specs/backup (backup-bot-two labels), PostgreSQL "SQL Dump" and "File System
Level Backup" chapters, MariaDB "Backup and Restore Overview", domain.md ("backupbot labels").`,
  },
  check(ctx) {
    for (const recipe of ctx.workspace.recipes) {
      const seen = new Set<string>();
      for (const combo of recipe.combinations) {
        for (const svc of combo.services.values()) {
          const db = databaseService(svc);
          if (!db) continue;
          const j = judgeBackup(recipe, db);
          if (!j) continue;
          const file = j.anchor.file;
          const key = `${file.name}:${svc.name}`;
          if (seen.has(key)) continue;
          seen.add(key);
          const evidence: ProblemEvidence[] = j.defects.map((d) => ({
            source: (d.entry?.file ?? file).source as SourceFile,
            range: d.entry?.value.range ?? j.anchor.value.range,
            note: d.note,
          }));
          if (db.dataMount) {
            evidence.push({
              source: db.dataMount.file.source,
              range: db.dataMount.value.range,
              note: `the data directory lives on volume \`${db.dataMount.value.source}\``,
            });
          }
          ctx.report<Rf110Data>({
            recipe: recipe.name,
            file: file.source,
            range: j.anchor.value.range,
            message: `the backup of database service \`${svc.name}\` does not restore: ${j.defects.map((d) => d.note).join("; ")}`,
            key,
            evidence,
            data: {
              service: svc.name,
              kind: db.kind,
              labelsFile: file.name,
              dataVolume: db.dataMount?.value.source ?? "",
              mountTarget: db.dataMount?.value.target ?? "",
              defects: j.defects.map((d) => d.defect),
              existingDump: j.existingDump,
            },
          });
        }
      }
    }
  },
};
