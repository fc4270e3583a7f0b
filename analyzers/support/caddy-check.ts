/**
 * `caddy adapt` on a Caddyfile RF120 would touch, before and after its fix. The rule pipeline is
 * synchronous, so this runs caddy with `execFileSync` (bounded by a timeout, no shell, a scratch
 * directory as HOME); each distinct text is adapted once per process. Go template actions are rendered
 * with sample values first, as swarm would render them, and `{$VAR}` placeholders get the recipe's
 * sample values.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { existsSync } from "node:fs";
import { renderGoTemplate } from "../../load/configs/index.js";

export interface AdaptCheck {
  status: "passed" | "failed" | "skipped";
  reason?: string;
  /** The line caddy's error names (`Caddyfile:LINE`), in the text caddy read. */
  line?: number;
}

const TIMEOUT_MS = 20_000;
const cache = new Map<string, AdaptCheck>();

function caddyBinary(): string | null {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir && existsSync(join(dir, "caddy"))) return join(dir, "caddy");
  }
  return null;
}

/** Values for `{$NAME}` placeholders: the recipe's sample, else a value that parses as a host. */
function placeholderEnv(text: string, samples: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const m of text.matchAll(/\{\$([A-Za-z_][A-Za-z0-9_]*)(?::[^}]*)?\}/g)) {
    const name = m[1]!;
    env[name] = samples[name] || "sample.example.org";
  }
  return env;
}

export function adaptCaddyfile(
  text: string,
  templated: boolean,
  samples: Record<string, string>,
): AdaptCheck {
  let input = text;
  if (templated) {
    const rendered = renderGoTemplate(text, { env: { STACK_NAME: "stack_sample", ...samples } });
    const err = rendered.errors[0];
    if (err) {
      return err.kind === "error"
        ? { status: "failed", reason: `template: ${err.message}` }
        : { status: "skipped", reason: `template cannot be rendered here: ${err.message}` };
    }
    input = rendered.output;
  }
  const env = placeholderEnv(input, samples);
  const key = `${JSON.stringify(env)}\0${input}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const caddy = caddyBinary();
  if (!caddy) return { status: "skipped", reason: "caddy is not installed (not found on PATH)" };
  const dir = mkdtempSync(join(tmpdir(), "redfix-rf120-"));
  let result: AdaptCheck;
  try {
    const file = join(dir, "Caddyfile");
    writeFileSync(file, input);
    execFileSync(caddy, ["adapt", "--config", file, "--adapter", "caddyfile"], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? "", HOME: dir, XDG_CONFIG_HOME: dir, XDG_DATA_HOME: dir, ...env },
      stdio: ["ignore", "pipe", "pipe"],
      timeout: TIMEOUT_MS,
      killSignal: "SIGKILL",
    });
    result = { status: "passed" };
  } catch (e) {
    const err = e as { stderr?: Buffer; code?: string; signal?: string };
    if (err.code === "ENOENT") result = { status: "skipped", reason: "caddy could not be started" };
    else if (err.signal)
      result = { status: "failed", reason: `caddy adapt timed out after ${TIMEOUT_MS} ms` };
    else {
      const lines = (err.stderr?.toString() ?? "")
        .split("\n")
        .map((l) => l.split(`${dir}/`).join("").trim())
        .filter(Boolean);
      const reason = lines.find((l) => l.startsWith("Error:")) ?? lines.at(-1) ?? "caddy adapt failed";
      const line = /Caddyfile:(\d+)\b/.exec(reason);
      result = { status: "failed", reason, ...(line ? { line: Number(line[1]) } : {}) };
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  cache.set(key, result);
  return result;
}
