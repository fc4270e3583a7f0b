/**
 * Real validators on the files a patch touched, run on the patched copy. A validator that is not
 * installed gives a `skipped` check with the reason — never `passed`.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { CheckResult } from "../core/finding.js";
import { caddyAdaptTemplate } from "../load/configs/index.js";
import type { Recipe } from "../load/workspace.js";
import { runProcess, safeEnvName, which } from "../core/process.js";

/** Files a patch touches, from its `diff --git` headers (new paths; deleted files left out). */
export function patchedFiles(patch: string): string[] {
  const out: string[] = [];
  for (const block of patch.split(/^diff --git /m).slice(1)) {
    const plus = /^\+\+\+ (?:b\/)?(.+)$/m.exec(block);
    if (plus && plus[1] !== "/dev/null") out.push(plus[1]!);
  }
  return out;
}

/** Environment that interpolates a recipe the way abra would on a test server. */
export function recipeEnv(recipe: Recipe): Record<string, string> {
  const env: Record<string, string> = { STACK_NAME: `${recipe.name.replace(/[^a-z0-9]/gi, "_")}_example` };
  for (const v of recipe.envSample?.variables ?? []) if (!v.commented) env[v.name] = v.value;
  for (const e of recipe.abraSh?.exports ?? []) env[e.name] = e.value;
  env.DOMAIN ??= `${recipe.name}.example.com`;
  return env;
}

/** `docker stack config` (or `docker-compose config`) on every combination that holds a touched file. */
export async function composeChecks(
  recipe: Recipe,
  touched: string[],
  timeoutMs: number,
): Promise<CheckResult[]> {
  const combos = recipe.combinations.filter((c) => c.files.some((f) => touched.includes(f.name)));
  if (combos.length === 0) return [];
  const docker = which("docker");
  const compose = docker ? null : which("docker-compose");
  // Debian's docker.io client (20.10) has no `docker stack config` (Docker 23 added it).
  const noStackConfig =
    docker && !(await hasStackConfig(docker, timeoutMs))
      ? `${docker} has no \`docker stack config\` (a Docker 23+ client has)`
      : null;
  const out: CheckResult[] = [];
  for (const c of combos) {
    const name = `${docker ? "docker stack config" : "docker-compose config"} ${c.id}`;
    if (!docker && !compose) {
      out.push({ name, status: "skipped", reason: "neither docker nor docker-compose is installed" });
      continue;
    }
    if (noStackConfig) {
      out.push({ name, status: "skipped", reason: noStackConfig });
      continue;
    }
    const args = docker
      ? ["stack", "config", ...c.files.flatMap((f) => ["-c", f.name])]
      : [...c.files.flatMap((f) => ["-f", f.name]), "config", "-q"];
    // Recipe values interpolate the compose files, but never under a name a loader, shell or runtime
    // reads (LD_PRELOAD, PATH, DOCKER_HOST, …).
    const env = Object.fromEntries(Object.entries(recipeEnv(recipe)).filter(([k]) => safeEnvName(k)));
    const r = await runProcess(docker ?? compose!, args, { cwd: recipe.dir, env, timeoutMs });
    out.push(
      r.timedOut
        ? { name, status: "failed", reason: `timed out after ${timeoutMs} ms`, timedOut: true }
        : r.exitCode === 0
          ? { name, status: "passed" }
          : { name, status: "failed", reason: firstLine(r.output) || `exit ${r.exitCode ?? "killed"}` },
    );
  }
  return out;
}

async function hasStackConfig(docker: string, timeoutMs: number): Promise<boolean> {
  const r = await runProcess(docker, ["stack", "config", "--help"], { timeoutMs });
  return /Usage:\s+docker stack config/.test(r.output);
}

export async function fileChecks(
  repoDir: string,
  touched: string[],
  env: Record<string, string>,
  timeoutMs: number,
) {
  const out: CheckResult[] = [];
  for (const rel of touched) {
    const abs = join(repoDir, rel);
    if (/caddyfile/i.test(rel)) {
      const text = readFileSync(abs, "utf8");
      const r = await caddyAdaptTemplate(text, { env }, { timeoutMs, env });
      out.push({
        name: `caddy adapt ${rel}`,
        status: r.status,
        ...(r.reason ? { reason: r.line ? `line ${r.line}: ${r.reason}` : r.reason } : {}),
        // caddy-adapt's own words for a caddy killed at the timeout.
        ...(r.status === "failed" && /^caddy adapt timed out after \d+ ms$/.test(r.reason ?? "")
          ? { timedOut: true }
          : {}),
      });
    } else if (rel.endsWith(".py")) {
      out.push(
        await tool("python3", ["-m", "py_compile", rel], `python3 -m py_compile ${rel}`, repoDir, timeoutMs),
      );
    } else if (
      rel.endsWith(".sh") ||
      /^#!.*\b(ba|da)?sh\b/.test(readFileSync(abs, "utf8").split("\n")[0] ?? "")
    ) {
      out.push(await tool("shellcheck", ["-S", "warning", rel], `shellcheck ${rel}`, repoDir, timeoutMs));
    }
  }
  return out;
}

async function tool(
  program: string,
  args: string[],
  name: string,
  cwd: string,
  timeoutMs: number,
): Promise<CheckResult> {
  if (!which(program)) return { name, status: "skipped", reason: `${program} is not installed` };
  const r = await runProcess(program, args, { cwd, timeoutMs });
  if (r.timedOut)
    return { name, status: "failed", reason: `timed out after ${timeoutMs} ms`, timedOut: true };
  return r.exitCode === 0
    ? { name, status: "passed" }
    : { name, status: "failed", reason: firstLine(r.output) };
}

function firstLine(s: string): string {
  return (
    s
      .split("\n")
      .map((l) => l.trim())
      .find(Boolean) ?? ""
  );
}
