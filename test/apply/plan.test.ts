import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { buildPlan } from "../../apply/plan.js";
import type { PlanOptions } from "../../apply/plan.js";
import { RunDirError } from "../../apply/run-dir.js";
import { GIT_ENV, git, makeWorkspace } from "./support.js";

const base: PlanOptions = { group: "patch", branchPrefix: "redfix/", gitEnv: GIT_ENV };

test("one step per patch: repo, branch redfix/<rule>-<recipe>, base = the current branch, series order", async () => {
  const ws = makeWorkspace();
  try {
    git(ws.repo.gitea, "switch", "-q", "-c", "develop");
    const plan = await buildPlan(ws.run, base);
    assert.equal(
      plan.steps.map((s) => [s.repo.name, s.branch, s.base, s.patches.map((p) => p.name).join(",")]),
      [
        ["cc-ci", "redfix/rf201-keycloak", "main", "0001-RF201-keycloak.patch"],
        ["discourse", "redfix/rf101-discourse", "main", "0001-RF101-discourse.patch"],
        ["discourse", "redfix/rf102-discourse", "main", "0002-RF102-discourse.patch"],
        ["gitea", "redfix/rf130-gitea", "develop", "0001-RF130-gitea.patch"],
      ],
    );
    assert.is(plan.steps[1]!.dir, ws.repo.discourse);
    assert.is(plan.steps[0]!.dir, ws.harness);
  } finally {
    ws.cleanup();
  }
});

test("the commit message has the title, the why, the evidence and the verification verdict", async () => {
  const ws = makeWorkspace();
  try {
    const plan = await buildPlan(ws.run, base);
    const gitea = plan.steps.find((s) => s.repo.name === "gitea")!;
    const msg = gitea.commitMessage;
    assert.is(msg.split("\n")[0], "gitea: render app.ini into the writable volume at start");
    assert.is(msg.split("\n")[1], "", "a blank line after the subject");
    assert.match(msg, "RF130 (error, recipe-defect) at gitea/compose.yml:12:");
    assert.match(
      msg,
      "app.ini is a read-only config mount, but Gitea writes generated secrets into it at start",
    );
    assert.match(msg, "- gitea/compose.yml:12: target: /etc/gitea/app.ini");
    assert.match(msg, "- gitea/app.ini.tmpl:1-5: no JWT_SECRET or INTERNAL_TOKEN");
    assert.match(msg, "Verification: confirmed-fix (before: 0 passed, 5 failed; after: 5 passed, 0 failed)");
    assert.match(msg, "- shellcheck: skipped (shellcheck not installed)");
    assert.match(msg, "Finding: 2e3f4a5b6c7d8e9f");
    assert.not.match(msg, /\n\n\n/, "no runs of blank lines");
    assert.not.match(msg, "&#x27;", "nothing HTML-escaped");
    const discourse = plan.steps.find((s) => s.branch === "redfix/rf101-discourse")!;
    assert.not.match(discourse.commitMessage, "Verification", "no verdict when verify has not run");
  } finally {
    ws.cleanup();
  }
});

test("the PR body has the evidence, the verdict, related branches and the report link", async () => {
  const ws = makeWorkspace();
  try {
    const plan = await buildPlan(ws.run, {
      ...base,
      reportUrl: "https://ci.example.org/runs/42/report.html",
    });
    const gitea = plan.steps.find((s) => s.repo.name === "gitea")!;
    assert.is(gitea.pr.title, "gitea: render app.ini into the writable volume at start");
    assert.match(
      gitea.pr.body,
      "**Verification:** confirmed-fix (before: 0 passed, 5 failed; after: 5 passed, 0 failed)",
    );
    assert.match(gitea.pr.body, "| shellcheck | skipped | shellcheck not installed |");
    assert.match(gitea.pr.body, "- `gitea/compose.yml:12`: target: /etc/gitea/app.ini");
    assert.match(gitea.pr.body, "[Evidence report](https://ci.example.org/runs/42/report.html)");
    const harness = plan.steps.find((s) => s.repo.name === "cc-ci")!;
    assert.match(harness.pr.body, "## Lands together with\n\n- gitea: branch `redfix/rf130-gitea`");
    assert.match(harness.pr.body, "**Verification:** not run yet");
    const noLink = await buildPlan(ws.run, base);
    assert.not.match(noLink.steps[0]!.pr.body, "Evidence report");
  } finally {
    ws.cleanup();
  }
});

test("--group recipe: one step per recipe with its patches in series order; --branch-prefix", async () => {
  const ws = makeWorkspace();
  try {
    const plan = await buildPlan(ws.run, { ...base, group: "recipe", branchPrefix: "fix/" });
    assert.equal(
      plan.steps.map((s) => [s.branch, s.patches.map((p) => p.name).join(",")]),
      [
        ["fix/keycloak", "0001-RF201-keycloak.patch"],
        ["fix/discourse", "0001-RF101-discourse.patch,0002-RF102-discourse.patch"],
        ["fix/gitea", "0001-RF130-gitea.patch"],
      ],
    );
    const d = plan.steps[1]!;
    assert.is(d.commitMessage.split("\n")[0], "discourse: fix RF101, RF102");
    assert.match(d.commitMessage, "Findings: 0b1f6c2a9d3e4f51, 1c2d3e4f5a6b7c8d");
    assert.match(d.pr.body, "2 fixes for **discourse**");
  } finally {
    ws.cleanup();
  }
});

test("--recipes and --harness point at clones elsewhere; --base overrides the current branch", async () => {
  const ws = makeWorkspace();
  const elsewhere = mkdtempSync(join(tmpdir(), "redfix-apply-clones-"));
  try {
    cpSync(ws.recipes, join(elsewhere, "recipes"), { recursive: true });
    cpSync(ws.harness, join(elsewhere, "harness"), { recursive: true });
    const plan = await buildPlan(ws.run, {
      ...base,
      recipes: join(elsewhere, "recipes"),
      harness: join(elsewhere, "harness"),
      base: "stable",
    });
    assert.equal(
      plan.steps.map((s) => s.dir),
      [
        join(elsewhere, "harness"),
        join(elsewhere, "recipes", "discourse"),
        join(elsewhere, "recipes", "discourse"),
        join(elsewhere, "recipes", "gitea"),
      ],
    );
    assert.ok(plan.steps.every((s) => s.base === "stable"));
    try {
      await buildPlan(ws.run, { ...base, recipes: join(elsewhere, "nowhere") });
      assert.unreachable("a missing repo folder is an error");
    } catch (e) {
      assert.instance(e, RunDirError);
      assert.match(
        (e as Error).message,
        /discourse: .*nowhere.*does not exist \(point --recipes at a clone\)/,
      );
    }
  } finally {
    ws.cleanup();
    rmSync(elsewhere, { recursive: true, force: true });
  }
});

test("a folder that is not a run directory is a clear error", async () => {
  const dir = mkdtempSync(join(tmpdir(), "redfix-apply-empty-"));
  try {
    await buildPlan(dir, base);
    assert.unreachable();
  } catch (e) {
    assert.instance(e, RunDirError);
    assert.match((e as Error).message, "is not a run directory: ");
    assert.match((e as Error).message, "run.json is missing");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("two patches with the same rule and recipe get distinct branches", async () => {
  const ws = makeWorkspace();
  try {
    const { readFileSync, writeFileSync, renameSync } = await import("node:fs");
    const dir = join(ws.run, "patches", "discourse");
    renameSync(join(dir, "0002-RF102-discourse.patch"), join(dir, "0002-RF101-discourse.patch"));
    writeFileSync(join(dir, "series"), "0001-RF101-discourse.patch\n0002-RF101-discourse.patch\n");
    const doc = JSON.parse(readFileSync(join(ws.run, "findings.json"), "utf8"));
    doc.findings[1].rule = "RF101";
    doc.findings[1].fix.patch = "patches/discourse/0002-RF101-discourse.patch";
    writeFileSync(join(ws.run, "findings.json"), JSON.stringify(doc));
    const plan = await buildPlan(ws.run, base);
    assert.equal(
      plan.steps.filter((s) => s.repo.name === "discourse").map((s) => s.branch),
      ["redfix/rf101-discourse", "redfix/rf101-discourse-2"],
    );
  } finally {
    ws.cleanup();
  }
});

test.run();
