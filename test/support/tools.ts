/**
 * The one way a test says it needs an external tool (caddy, murmurd, Chromium, shellcheck, dockerd,
 * bwrap, pytest, PostgreSQL). When the tool is missing the test is skipped with the reason — never
 * passed — and `scripts/test.mjs` lists what to install. Under `REDFIX_REQUIRE_TOOLS=1` (CI, where
 * everything is installed) a missing tool fails the test instead.
 *
 * `REDFIX_TEST_HIDE_TOOLS=caddy,chromium` (or `all`) makes this helper treat those tools as missing,
 * to see a fresh machine's run on a machine that has them.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import { pidNamespacesWork, which } from "../../core/process.js";
import { cannotStart } from "../../swarm/daemon.js";

export type Tool =
  | "caddy"
  | "murmurd"
  | "chromium"
  | "shellcheck"
  | "dockerd"
  | "bwrap"
  | "python3"
  | "pytest"
  | "postgres"
  | "git"
  | "busybox"
  | "gcc"
  /** Builds `redfix swarm image`'s root file system (unless its tarball is cached already). */
  | "debootstrap"
  /** Processes can get their own PID namespace (`unshare --pid`), so a replay's whole tree can be killed. */
  | "pid-namespaces"
  /** A throwaway dockerd can start here (`redfix swarm up`: root, dockerd, cgroups). */
  | "swarm";

interface ToolInfo {
  /** Debian packages that provide it. */
  install: string;
  /** null when present, else why not. */
  probe(): string | null;
}

const onPath = (program: string) => (): string | null =>
  which(program) ? null : `${program} is not on PATH`;
const atPath = (file: string) => (): string | null => (existsSync(file) ? null : `${file} does not exist`);

/** The newest PostgreSQL server binaries folder (Debian layout), or null. */
export function postgresBin(): string | null {
  const base = "/usr/lib/postgresql";
  if (!existsSync(base)) return null;
  const versions = readdirSync(base).sort((a, b) => Number(b) - Number(a));
  for (const v of versions) if (existsSync(join(base, v, "bin", "initdb"))) return join(base, v, "bin");
  return null;
}

const TOOLS: Record<Tool, ToolInfo> = {
  caddy: { install: "caddy", probe: onPath("caddy") },
  murmurd: { install: "mumble-server", probe: atPath("/usr/sbin/murmurd") },
  chromium: { install: "chromium", probe: atPath("/usr/bin/chromium") },
  shellcheck: { install: "shellcheck", probe: onPath("shellcheck") },
  dockerd: { install: "docker.io", probe: onPath("dockerd") },
  bwrap: { install: "bubblewrap", probe: onPath("bwrap") },
  python3: { install: "python3", probe: onPath("python3") },
  pytest: {
    install: "python3-pytest python3-yaml",
    probe: () => {
      const python = which("python3");
      if (!python) return "python3 is not on PATH";
      try {
        execFileSync(python, ["-c", "import pytest, yaml"], { timeout: 30_000, stdio: "ignore" });
        return null;
      } catch {
        return "python3 lacks pytest or PyYAML";
      }
    },
  },
  git: { install: "git", probe: onPath("git") },
  busybox: { install: "busybox-static", probe: onPath("busybox") },
  gcc: { install: "gcc", probe: onPath("gcc") },
  debootstrap: { install: "debootstrap", probe: onPath("debootstrap") },
  "pid-namespaces": {
    install: "util-linux",
    probe: () => (pidNamespacesWork() ? null : "PID namespaces are not available here (unshare --pid)"),
  },
  swarm: { install: "docker.io", probe: () => cannotStart() },
  postgres: {
    install: "postgresql",
    probe: () => (postgresBin() ? null : "no PostgreSQL server binaries under /usr/lib/postgresql"),
  },
};

const hidden = new Set((process.env.REDFIX_TEST_HIDE_TOOLS ?? "").split(",").map((s) => s.trim()));
const cache = new Map<Tool, string | null>();

/** Why `tool` cannot be used here, or null when it can (probed once per process). */
export function toolMissing(tool: Tool): string | null {
  if (!cache.has(tool)) {
    const reason =
      hidden.has("all") || hidden.has(tool)
        ? `${tool} hidden by REDFIX_TEST_HIDE_TOOLS`
        : TOOLS[tool].probe();
    cache.set(tool, reason);
  }
  return cache.get(tool)!;
}

/** The missing ones among `tools` with their reasons, or null when all are present. */
export function missingTools(...tools: Tool[]): string | null {
  const reasons = tools.map(toolMissing).filter((r): r is string => r !== null);
  return reasons.length > 0 ? reasons.join("; ") : null;
}

export const requireTools = (): boolean => process.env.REDFIX_REQUIRE_TOOLS === "1";

type Body = () => unknown;
type Register = (name: string, fn: Body) => void;

/**
 * A `test` for tests that need `tools`: the real `test` when all are present; otherwise each test is
 * registered skipped and a `[skip: <tools> | install: <packages>] <name>` line is printed (which
 * `scripts/test.mjs` gathers), or, under REDFIX_REQUIRE_TOOLS=1, registered to fail with the reason.
 */
export function needs(...tools: Tool[]): Register & { missing: string | null } {
  return needsIn(test as unknown as Register & { skip: Register }, ...tools);
}

/** `needs` for a named uvu `suite(...)`. */
export function needsIn(
  suite: Register & { skip: Register },
  ...tools: Tool[]
): Register & { missing: string | null } {
  const absent = tools.filter((t) => toolMissing(t) !== null);
  const missing = missingTools(...tools);
  const register: Register = (name, fn) => {
    if (!missing) return suite(name, fn);
    if (requireTools())
      return suite(name, () => {
        throw new Error(`needs ${absent.join(", ")}: ${missing} (REDFIX_REQUIRE_TOOLS=1 forbids skipping)`);
      });
    const packages = [...new Set(absent.flatMap((t) => TOOLS[t].install.split(" ")))].join(" ");
    console.log(`[skip: ${absent.join(", ")} | install: ${packages}] ${name} (${missing})`);
    suite.skip(name, fn);
  };
  return Object.assign(register, { missing });
}
