import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { renderGoTemplate, sourceLine, type TemplateSamples } from "./go-template.js";

export interface CaddyAdaptOptions {
  timeoutMs?: number;
  /** The caddy binary; found on PATH when not given. */
  caddyPath?: string;
  /** Environment for `{$VAR}` placeholders; nothing else of this process's environment is passed. */
  env?: Record<string, string>;
}

export interface CaddyAdaptResult {
  status: "passed" | "failed" | "skipped";
  reason?: string;
  /** The adapted JSON config when it passed. */
  output?: string;
  /** The Caddyfile line caddy's error names (`Caddyfile:LINE`), when it names one. */
  line?: number;
}

export const DEFAULT_ADAPT_TIMEOUT_MS = 20_000;

/** Caddy's error line, with the temporary path shortened to `Caddyfile` so the reason is reproducible. */
function errorReason(stderr: string, dir: string): string {
  const lines = stderr
    .split("\n")
    .map((l) =>
      l
        .split(dir + "/")
        .join("")
        .trim(),
    )
    .filter((l) => l !== "");
  return lines.find((l) => l.startsWith("Error:")) ?? lines.at(-1) ?? "caddy adapt failed without a message";
}

/**
 * Runs `caddy adapt` on a Caddyfile text (no shell; on timeout the whole process group is killed).
 * `skipped` when caddy is not installed: a check that could not run never passes.
 */
export async function caddyAdapt(text: string, opts: CaddyAdaptOptions = {}): Promise<CaddyAdaptResult> {
  // The process runner pulls in execa (a hundred modules): analyze loads this file but rarely adapts.
  const { runProcess, which } = await import("../../core/process.js");
  const caddy = opts.caddyPath ?? which("caddy");
  if (!caddy) return { status: "skipped", reason: "caddy is not installed (not found on PATH)" };
  const dir = await mkdtemp(join(tmpdir(), "redfix-caddy-"));
  const file = join(dir, "Caddyfile");
  const timeoutMs = opts.timeoutMs ?? DEFAULT_ADAPT_TIMEOUT_MS;
  try {
    await writeFile(file, text, "utf8");
    const result = await runProcess(caddy, ["adapt", "--config", file, "--adapter", "caddyfile"], {
      cwd: dir,
      inheritEnv: false,
      env: { PATH: process.env.PATH ?? "", HOME: dir, XDG_CONFIG_HOME: dir, XDG_DATA_HOME: dir, ...opts.env },
      timeoutMs,
    });
    if (result.timedOut) return { status: "failed", reason: `caddy adapt timed out after ${timeoutMs} ms` };
    if (result.missing || result.exitCode === null) {
      return { status: "skipped", reason: `caddy could not be started: ${result.missing ?? "no exit code"}` };
    }
    if (result.exitCode === 0) return { status: "passed", output: result.stdout };
    const failed: CaddyAdaptResult = { status: "failed", reason: errorReason(result.stderr, dir) };
    const m = /Caddyfile:(\d+)\b/.exec(result.stderr);
    if (m) failed.line = Number(m[1]);
    return failed;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface CaddyTemplateCheck extends CaddyAdaptResult {
  /** The rendered Caddyfile that caddy read. */
  rendered?: string;
}

/**
 * Renders a Go-templated Caddyfile with sample values, then runs `caddy adapt`; a template error is a
 * failure at its own line, and caddy's line is mapped back through the rendering to the template's line.
 */
export async function caddyAdaptTemplate(
  template: string,
  samples: TemplateSamples = {},
  opts: CaddyAdaptOptions = {},
): Promise<CaddyTemplateCheck> {
  const renderedWith = renderGoTemplate(template, samples);
  const first = renderedWith.errors.find((e) => e.kind === "error") ?? renderedWith.errors[0];
  if (first) {
    const line = template.slice(0, first.start).split("\n").length;
    // A template this renderer cannot evaluate may still be valid: the check could not run.
    const status = first.kind === "error" ? "failed" : "skipped";
    return { status, reason: `template: ${first.message}`, line };
  }
  const result = await caddyAdapt(renderedWith.output, opts);
  const out: CaddyTemplateCheck = { ...result, rendered: renderedWith.output };
  if (result.line !== undefined) out.line = sourceLine(template, renderedWith, result.line);
  return out;
}
