/**
 * The backup hooks RF110's fix installs, rendered from the Handlebars templates in
 * `templates/backup/`. The templates never hold credentials: they name the environment variables the
 * service itself sets, and the hooks read them inside the container at run time.
 */
import Handlebars from "handlebars";
import { templateLoader } from "../../core/templates.js";
import type { Template } from "../../core/templates.js";
import type { DatabaseKind } from "../../analyzers/RF110-database-backup-without-dump.js";
import { DUMP_FILE } from "../../analyzers/RF110-database-backup-without-dump.js";
import type { MergedService } from "../../load/merge.js";

export interface HookParams {
  service: string;
  dumpPath: string;
  userVar: string;
  dbVar: string;
  passwordFileVar?: string;
  passwordVar?: string;
  rootPasswordFileVar?: string;
  rootPasswordVar?: string;
}

/** The config the script is mounted from, its file in the recipe, and where it is mounted. */
export const SCRIPT: Record<DatabaseKind, { config: string; file: string; target: string }> = {
  postgres: { config: "pg_backup", file: "pg_backup.sh", target: "/pg_backup.sh" },
  mysql: { config: "mysql_backup", file: "mysql_backup.sh", target: "/mysql_backup.sh" },
};

/**
 * Picks the variable names the service's environment uses. MariaDB images read `MARIADB_*` and
 * `MYSQL_*` alike; a recipe uses one family, and the hook must read the same one.
 */
export function hookParams(kind: DatabaseKind, svc: MergedService, mountTarget: string): HookParams {
  const has = (name: string) => svc.environment.has(name);
  const dumpPath = `${mountTarget.replace(/\/+$/, "")}/${DUMP_FILE}`;
  const opt = (name: string) => (has(name) ? name : undefined);
  if (kind === "postgres") {
    return strip({
      service: svc.name,
      dumpPath,
      userVar: "POSTGRES_USER",
      dbVar: "POSTGRES_DB",
      passwordFileVar: opt("POSTGRES_PASSWORD_FILE"),
      passwordVar: opt("POSTGRES_PASSWORD"),
    });
  }
  const family = [...svc.environment.keys()].some((k) => k.startsWith("MARIADB_")) ? "MARIADB" : "MYSQL";
  const pick = (suffix: string) => opt(`MARIADB_${suffix}`) ?? opt(`MYSQL_${suffix}`);
  return strip({
    service: svc.name,
    dumpPath,
    userVar: pick("USER") ?? `${family}_USER`,
    dbVar: pick("DATABASE") ?? `${family}_DATABASE`,
    passwordFileVar: pick("PASSWORD_FILE"),
    passwordVar: pick("PASSWORD"),
    rootPasswordFileVar: pick("ROOT_PASSWORD_FILE"),
    rootPasswordVar: pick("ROOT_PASSWORD"),
  });
}

function strip(p: { [K in keyof HookParams]: HookParams[K] | undefined }): HookParams {
  return Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined)) as unknown as HookParams;
}

/** Characters that mean nothing to sh inside double quotes or in a bare word. */
const PLAIN = /^[A-Za-z0-9_/.,:@%+=-]+$/;

/** POSIX sh single quoting: the value is one word, nothing in it is expanded. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A quoted word: `"plain"` as the templates always wrote it, single-quoted when anything in it is special. */
function quoted(s: string): string {
  return PLAIN.test(s) ? `"${s}"` : shellQuote(s);
}

/** A bare word when it is plain, else single-quoted. */
function word(s: string): string {
  return PLAIN.test(s) ? s : shellQuote(s);
}

/** Text for a `#` comment line: control characters (a newline would end the comment) become `?`. */
export function commentText(s: string): string {
  return [...s].map((c) => (c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f ? "?" : c)).join("");
}

const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The templates write the `*Var` parameters after `$`: only shell variable names may pass. */
function checkVars(p: HookParams): HookParams {
  for (const [k, v] of Object.entries(p)) {
    if (k.endsWith("Var") && (typeof v !== "string" || !VAR_NAME.test(v))) {
      throw new Error(`backup hook: ${k} ${JSON.stringify(v)} is not a shell variable name`);
    }
  }
  return p;
}

const hbs = Handlebars.create();
// Every recipe-derived value goes through one of these: `shq` (a quoted word), `shword` (a word) or
// `comment` (text of a comment line).
hbs.registerHelper("shq", (v: unknown) => quoted(String(v ?? "")));
hbs.registerHelper("shword", (v: unknown) => word(String(v ?? "")));
hbs.registerHelper("comment", (v: unknown) => commentText(String(v ?? "")));
// Shell text: rendered without HTML escaping.
const load = templateLoader(hbs);

function template(name: string): Template {
  return load(`backup/${name}`);
}

export function renderScript(kind: DatabaseKind, p: HookParams): string {
  return template(`${kind}.sh.hbs`)(checkVars(p));
}

/** The two inline commands, as the container's shell will run them (`$` not yet escaped for compose). */
export function renderInline(kind: DatabaseKind, p: HookParams): { backup: string; restore: string } {
  const lines = template(`${kind}.inline.hbs`)(checkVars(p)).split("\n");
  const get = (k: string) => {
    const l = lines.find((x) => x.startsWith(`${k}=`));
    if (!l) throw new Error(`templates/backup/${kind}.inline.hbs has no ${k}= line`);
    return l.slice(k.length + 1);
  };
  return { backup: get("backup"), restore: get("restore") };
}
