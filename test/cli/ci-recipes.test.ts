/**
 * docs/ci.md and .pre-commit-hooks.yaml as a maintainer copies them: every command of every YAML
 * block runs (through a `redfix` on PATH that is this checkout) in a copy of a recipe with a defect.
 * A command may find the defect (exit 1) but never be a usage error (exit 2), and the files the
 * recipe hands on (SARIF to upload, JUnit, Code Quality) exist and are what their readers expect.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { parse } from "yaml";
import { PACKAGE_ROOT } from "../../core/package.js";
import { removeDir, tempDir } from "../support/workspace.js";

const root = tempDir("redfix-ci-");
const bin = join(root, "bin");
mkdirSync(bin);
writeFileSync(
  join(bin, "redfix"),
  `#!/bin/sh\nexec "${process.execPath}" "${join(PACKAGE_ROOT, "dist", "cli", "main.js")}" "$@"\n`,
);
chmodSync(join(bin, "redfix"), 0o755);
test.after(() => removeDir(root));

/** A fresh copy of the gitea example (one RF130 error) as a recipe repository's root. */
function recipe(name: string): string {
  const dir = join(root, name);
  cpSync(join(PACKAGE_ROOT, "examples", "recipes", "gitea"), dir, { recursive: true });
  return dir;
}

function sh(command: string, cwd: string) {
  const r = spawnSync("/bin/sh", ["-c", command], {
    cwd,
    encoding: "utf8",
    timeout: 120_000,
    env: { PATH: `${bin}:${process.env.PATH ?? "/usr/bin:/bin"}`, NO_COLOR: "1", CI: "true" },
  });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

const DOC = readFileSync(join(PACKAGE_ROOT, "docs", "ci.md"), "utf8");
const blocks = [...DOC.matchAll(/^## (.+)\n[\s\S]*?```yaml\n([\s\S]*?)```/gm)].map((m) => ({
  title: m[1]!,
  yaml: parse(m[2]!) as Record<string, unknown>,
}));

type Steps = { run?: string; uses?: string; with?: Record<string, string> }[];

/** The shell commands of a CI file, whichever of the four syntaxes it is in. */
function commands(doc: Record<string, unknown>): string[] {
  const out: string[] = [];
  const steps = doc.steps;
  if (Array.isArray(steps))
    for (const s of steps as { commands?: string[] }[]) out.push(...(s.commands ?? []));
  else if (steps && typeof steps === "object")
    for (const s of Object.values(steps as Record<string, { commands?: string[] }>))
      out.push(...(s.commands ?? []));
  for (const job of Object.values((doc.jobs ?? {}) as Record<string, { steps?: Steps }>))
    for (const s of job.steps ?? []) if (s.run) out.push(s.run);
  for (const [key, job] of Object.entries(doc))
    if (!["steps", "jobs"].includes(key) && job && typeof job === "object" && "script" in job)
      out.push(...((job as { script: string[] }).script ?? []));
  return out;
}

test("docs/ci.md has a recipe for Woodpecker, Drone, Forgejo/Gitea Actions, GitHub Actions and GitLab", () => {
  assert.equal(
    blocks.map((b) => b.title),
    [
      "Woodpecker (Co-op Cloud's CI)",
      "Drone",
      "Forgejo and Gitea Actions",
      "GitHub Actions, with code scanning",
      "GitLab CI",
    ],
  );
  for (const b of blocks)
    assert.ok(
      commands(b.yaml).some((c) => c.startsWith("redfix analyze")),
      b.title,
    );
});

for (const [i, title] of ["Woodpecker", "Drone", "Forgejo", "GitHub", "GitLab"].entries()) {
  test(`${title}: its commands run on a recipe with a defect: found (exit 1), never a usage error`, () => {
    const block = blocks[i]!;
    const dir = recipe(`recipe-${i}`);
    const run = commands(block.yaml).filter((c) => !/^npm install --global redfix$/.test(c));
    assert.ok(run.length > 0);
    for (const c of run) {
      const r = sh(c, dir);
      assert.is(r.status, 1, `${c}\n${r.output}`);
    }
    assert.ok(existsSync(join(dir, ".redfix", "run", "findings.json")), "the run directory is written");
    const outputFile = /-o (\S+)/.exec(run.join("\n"))?.[1];
    if (outputFile) {
      const text = readFileSync(join(dir, outputFile), "utf8");
      if (outputFile.endsWith(".sarif"))
        assert.is((JSON.parse(text) as { version: string }).version, "2.1.0");
      else if (outputFile.endsWith(".xml"))
        assert.match(text, /<testsuites name="redfix" tests="\d+" failures="1"/);
      else assert.ok((JSON.parse(text) as { fingerprint: string }[]).every((x) => x.fingerprint));
    }
    // The file a later step uploads is the one the analyze step wrote.
    const jobs = Object.values((block.yaml.jobs ?? {}) as Record<string, { steps?: Steps }>);
    for (const s of jobs.flatMap((j) => j.steps ?? []))
      if (s.uses?.startsWith("github/codeql-action/upload-sarif")) assert.is(s.with?.sarif_file, outputFile);
    const gitlab = (block.yaml.redfix as { artifacts?: { reports?: { codequality?: string } } } | undefined)
      ?.artifacts;
    if (gitlab) assert.is(gitlab.reports?.codequality, outputFile);
  });
}

test(".pre-commit-hooks.yaml: the hook's command runs as pre-commit runs it; its files pattern picks recipe files", () => {
  const [hook] = parse(readFileSync(join(PACKAGE_ROOT, ".pre-commit-hooks.yaml"), "utf8")) as {
    id: string;
    entry: string;
    args: string[];
    language: string;
    pass_filenames: boolean;
    files: string;
  }[];
  assert.is(hook!.id, "redfix");
  assert.is(hook!.language, "node");
  assert.is(hook!.pass_filenames, false);
  const dir = recipe("pre-commit");
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const r = sh([hook!.entry, ...hook!.args.map(quote)].join(" "), dir);
  assert.is(r.status, 1, r.output);
  assert.match(r.output, "RF130");
  const files = new RegExp(hook!.files);
  for (const f of [
    "compose.yml",
    "compose.smtp.yml",
    ".env.sample",
    "abra.sh",
    "app.ini.tmpl",
    "sub/Caddyfile",
    "redfix.config.yaml",
  ])
    assert.ok(files.test(f), f);
  for (const f of ["README.md", "release/1.0.0", "composer.json"]) assert.not.ok(files.test(f), f);
});

test.run();
