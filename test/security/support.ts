/** Shared pieces of the security regression tests: hostile recipes on disk and the real CLI. */
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

export const BIN = join(process.cwd(), "dist", "cli", "main.js");
/** A secret in redfix's environment: no child process and no output may ever show it. */
export const TOKEN = "redfix-test-forge-token-5f1c9a";

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** The real CLI, with a forge token in its environment, as CI would run it. */
export function redfix(args: string[], opts: { cwd?: string; timeoutMs?: number } = {}): Run {
  const env: NodeJS.ProcessEnv = { ...process.env, FORGE_TOKEN: TOKEN, GITEA_TOKEN: TOKEN };
  delete env.NO_COLOR;
  delete env.FORCE_COLOR;
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: "utf8",
    env,
    cwd: opts.cwd ?? process.cwd(),
    timeout: opts.timeoutMs ?? 120_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "", ms: Date.now() - t0 };
}

/** Writes files (relative path → text) under `dir`. */
export function writeTree(dir: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    const p = join(dir, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, text);
  }
}

/** A recipe whose `web` service reaches `app` by bare name on the external `proxy` network through a Caddyfile config: analyze runs `caddy adapt` on it. */
export function caddyRecipe(
  caddyfile: string,
  envSample = "DOMAIN=app.example.org\n",
): Record<string, string> {
  return {
    "compose.yml": [
      'version: "3.8"',
      "services:",
      "  app:",
      "    image: nginx:1.25",
      "    networks: [proxy]",
      "  web:",
      "    image: caddy:2.7",
      "    networks: [proxy]",
      "    configs:",
      "      - source: caddyfile",
      "        target: /etc/caddy/Caddyfile",
      "networks:",
      "  proxy:",
      "    external: true",
      "configs:",
      "  caddyfile:",
      "    file: Caddyfile",
      "",
    ].join("\n"),
    Caddyfile: caddyfile,
    ".env.sample": envSample,
  };
}
