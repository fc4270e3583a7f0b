/**
 * Applications known to write their own configuration file at run time, with the evidence for each:
 * which keys they write, the log line that shows the failure on a read-only file, and where that is
 * documented. RF130 flags a read-only mount at one of these paths; `redfix rules RF130` prints this table.
 */
import type { MergedService } from "../../load/merge.js";

export interface ContentVerdict {
  /** Why the write happens at start, judged from the mounted content; null when the content does not show it. */
  reason: string | null;
  /** Offset in the content the reason points at. */
  offset: number;
  /** The content switches the writes off (Nextcloud's `config_is_read_only`). */
  safe?: boolean;
}

export interface KnownWriter {
  id: string;
  app: string;
  /** Matches the image's repository (without registry and tag). */
  image: RegExp;
  /** The files the application writes, for this service (env overrides included). */
  paths(svc: MergedService): string[];
  /** The application keeps its config elsewhere for this service (e.g. in the database). */
  exempt?(svc: MergedService): string | null;
  writes: string;
  failure: string;
  /** The path `failure` quotes: the message puts the path really mounted in its place. */
  failurePath?: string;
  sources: string[];
  /** Reads the mounted file's content (and the service) for the write that is certain to happen. */
  judge?(content: string, svc: MergedService): ContentVerdict;
}

function env(svc: MergedService, name: string): string | undefined {
  return svc.environment.get(name)?.value.value ?? undefined;
}

function imageTag(svc: MergedService): string {
  const img = svc.image?.value.value ?? "";
  const last = img.split("/").pop() ?? "";
  return last.includes(":") ? last.slice(last.indexOf(":") + 1) : "";
}

export function isRootlessGitea(svc: MergedService): boolean {
  return /rootless/.test(imageTag(svc)) || env(svc, "GITEA_APP_INI") === "/etc/gitea/app.ini";
}

/** `[section]` → key → offset of the key, from an INI text (app.ini). */
export function iniKeys(text: string): Map<string, Map<string, { value: string; offset: number }>> {
  const out = new Map<string, Map<string, { value: string; offset: number }>>();
  let section = "";
  let offset = 0;
  for (const line of text.split("\n")) {
    const s = /^\s*\[([^\]]+)\]/.exec(line);
    if (s) section = s[1]!.trim().toLowerCase();
    const kv = /^\s*([A-Za-z0-9_.-]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (kv && !s) {
      const keys = out.get(section) ?? new Map<string, { value: string; offset: number }>();
      keys.set(kv[1]!.toUpperCase(), { value: kv[2]!, offset });
      out.set(section, keys);
    }
    offset += line.length + 1;
  }
  return out;
}

/**
 * Gitea generates these when they are missing (and no `*_URI` points at a file) and saves them into
 * app.ini before it serves anything (setting/oauth2.go, setting/security.go, setting/lfs.go).
 */
const GITEA_GENERATED: [section: string, key: string, uri: string | null][] = [
  ["oauth2", "JWT_SECRET", "JWT_SECRET_URI"],
  ["security", "INTERNAL_TOKEN", "INTERNAL_TOKEN_URI"],
  ["server", "LFS_JWT_SECRET", null],
];

function judgeGiteaIni(text: string, svc: MergedService): ContentVerdict {
  const ini = iniKeys(text);
  const lock = ini.get("security")?.get("INSTALL_LOCK");
  if (!lock || !/^true$/i.test(lock.value)) {
    return {
      reason: "INSTALL_LOCK is not true: the web installer writes the whole app.ini",
      offset: lock?.offset ?? 0,
    };
  }
  const missing = GITEA_GENERATED.filter(([section, key, uri]) => {
    const keys = ini.get(section);
    if (section === "server" && !/^true$/i.test(keys?.get("LFS_START_SERVER")?.value ?? "")) return false;
    return !keys?.get(key)?.value && !(uri && keys?.get(uri)?.value);
  }).map(([section, key]) => `[${section}] ${key}`);
  if (missing.length === 0) {
    // The rootless image's entrypoint runs environment-to-ini, which saves `GITEA__*` variables into app.ini.
    const vars = [...svc.environment.keys()].filter((k) => k.startsWith("GITEA__")).sort();
    if (vars.length > 0 && isRootlessGitea(svc)) {
      return {
        reason: `every secret Gitea generates is set, but the rootless image's environment-to-ini saves ${vars.slice(0, 3).join(", ")}${vars.length > 3 ? ", …" : ""} into app.ini at every start`,
        offset: lock.offset,
      };
    }
    return { reason: null, offset: lock.offset, safe: true };
  }
  return {
    reason: `INSTALL_LOCK = true without ${missing.join(", ")}: Gitea generates ${missing.length > 1 ? "them" : "it"} and saves app.ini at start`,
    offset: lock.offset,
  };
}

export const KNOWN_WRITERS: KnownWriter[] = [
  {
    id: "gitea",
    app: "Gitea",
    image: /^(gitea|forgejo)$/,
    paths: (svc) => {
      const set = env(svc, "GITEA_APP_INI");
      if (set) return [set];
      return [isRootlessGitea(svc) ? "/etc/gitea/app.ini" : "/data/gitea/conf/app.ini"];
    },
    writes:
      "generated secrets when missing: `[oauth2] JWT_SECRET`, `[security] INTERNAL_TOKEN`, `[server] LFS_JWT_SECRET`; the rootless image's `environment-to-ini` writes `GITEA__*` variables at every start; the web installer writes the whole file",
    failure:
      'save oauth2.JWT_SECRET failed: failed to save "/etc/gitea/app.ini": open /etc/gitea/app.ini: read-only file system',
    failurePath: "/etc/gitea/app.ini",
    sources: [
      "https://github.com/go-gitea/gitea/issues/31169",
      "https://github.com/go-gitea/gitea/issues/7263",
      "https://github.com/go-gitea/gitea/issues/25377",
    ],
    judge: judgeGiteaIni,
  },
  {
    id: "nextcloud",
    app: "Nextcloud",
    image: /^nextcloud$/,
    paths: () => ["/var/www/html/config/config.php"],
    writes:
      "`instanceid`, `passwordsalt`, `secret` at install, `version` and app settings at every upgrade and `occ config:system:set`",
    failure: 'Cannot write into "config" directory! (unless config.php sets config_is_read_only)',
    sources: [
      "https://github.com/nextcloud/docker/issues/1158",
      "https://github.com/nextcloud/docker/issues/2183",
    ],
    judge: (text) => {
      const m = /['"]config_is_read_only['"]\s*=>\s*true/.exec(text);
      return m
        ? { reason: null, offset: m.index, safe: true }
        : { reason: "config.php does not set config_is_read_only: upgrades save it", offset: 0 };
    },
  },
  {
    id: "mattermost",
    app: "Mattermost",
    image: /^mattermost(-team-edition|-enterprise-edition)?$/,
    paths: (svc) => [env(svc, "MM_CONFIG")?.replace(/^file:\/\//, "") ?? "/mattermost/config/config.json"],
    exempt: (svc) =>
      /^(postgres|mysql):\/\//.test(env(svc, "MM_CONFIG") ?? "")
        ? "MM_CONFIG keeps the config in the database"
        : null,
    writes:
      "the whole config.json: defaults and migrations at start (since 5.30), every System Console change",
    failure:
      "failed to load configuration: unable to load on store creation: failed to persist: failed to write file: open /mattermost/config/config.json: read-only file system",
    failurePath: "/mattermost/config/config.json",
    sources: [
      "https://github.com/mattermost/mattermost/issues/16725",
      "https://github.com/mattermost/mattermost-helm/issues/203",
    ],
  },
  {
    id: "droppy",
    app: "droppy",
    image: /^droppy$/,
    paths: () => ["/config/config.json"],
    writes: "config.json with defaults merged in, at every start",
    failure: "[ERROR] EROFS: read-only file system, open '/config/config.json'",
    failurePath: "/config/config.json",
    sources: ["https://github.com/silverwind/droppy/issues/392"],
  },
];

export function imageRepository(image: string): string {
  const noDigest = image.split("@")[0] ?? "";
  return ((noDigest.split("/").pop() ?? "").split(":")[0] ?? "").toLowerCase();
}

export function writerFor(svc: MergedService): KnownWriter | null {
  const repo = svc.image ? imageRepository(svc.image.value.value) : "";
  return KNOWN_WRITERS.find((w) => w.image.test(repo)) ?? null;
}
