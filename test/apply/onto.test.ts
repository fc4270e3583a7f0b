/**
 * `redfix apply --onto`: real bare remotes and the fake Gitea API (gitea-server.ts). An open pull
 * request is a branch pushed to the remote by another clone, listed by the API with its files.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { applyPlan } from "../../apply/apply.js";
import type { ApplyOptions } from "../../apply/apply.js";
import { parseOnto, OntoUsageError } from "../../apply/onto.js";
import { buildPlan } from "../../apply/plan.js";
import type { PlanOptions } from "../../apply/plan.js";
import { startGitea } from "./gitea-server.js";
import type { FakeGitea } from "./gitea-server.js";
import { GIT_ENV, applyOptions, git, makeWorkspace, show, snapshot } from "./support.js";
import type { Workspace } from "./support.js";

const TOKEN = "onto-token";
const PATCH = "patches/gitea/0001-RF130-gitea.patch";
const planOptions: PlanOptions = { group: "patch", branchPrefix: "redfix/", gitEnv: GIT_ENV };

/** Another contributor's branch on the remote: `edit` changes compose.yml in a clone, then it is pushed. */
function openPullBranch(remote: string, branch: string, edit: (text: string) => string): string {
  const clone = mkdtempSync(join(tmpdir(), "redfix-onto-pr-"));
  try {
    git(clone, "clone", "-q", remote, ".");
    git(clone, "checkout", "-q", "-b", branch);
    const file = join(clone, "compose.yml");
    writeFileSync(file, edit(readFileSync(file, "utf8")));
    git(clone, "commit", "-q", "-am", `upgrade: ${branch}`);
    git(clone, "push", "-q", "origin", branch);
    return git(clone, "rev-parse", "HEAD");
  } finally {
    rmSync(clone, { recursive: true, force: true });
  }
}

const UPGRADE = (t: string) => t.replace("gitea/gitea:1.21.4-rootless", "gitea/gitea:1.22.0-rootless");

function addPull(gitea: FakeGitea, head: string, over: Partial<FakeGitea["pulls"][number]> = {}) {
  gitea.pulls.push({
    number: gitea.pulls.length + 1,
    owner: "coop-cloud",
    repo: "gitea",
    head,
    base: "main",
    title: `Upgrade via ${head}`,
    body: "",
    state: "open",
    ...over,
  });
}

async function withForge(
  body: (
    ws: Workspace,
    gitea: FakeGitea,
    opts: (lines: string[], over?: Partial<ApplyOptions>) => ApplyOptions,
  ) => Promise<void>,
) {
  const ws = makeWorkspace();
  const gitea = await startGitea(TOKEN, {
    "coop-cloud/discourse": ws.remote.discourse,
    "coop-cloud/gitea": ws.remote.gitea,
    "coop-cloud/cc-ci": ws.remote.ccci,
  });
  try {
    await body(ws, gitea, (lines, over = {}) =>
      applyOptions(lines, {
        push: "origin",
        pr: "api",
        forgeUrl: gitea.url,
        forgeOwner: "coop-cloud",
        env: { REDFIX_GITEA_TOKEN: TOKEN },
        onto: new Map([["gitea", { kind: "auto" }]]),
        ...over,
      }),
    );
  } finally {
    await gitea.close();
    ws.cleanup();
  }
}

const REPORT = "https://ci.example.org/runs/42/report.html";
const giteaPlan = (ws: Workspace) =>
  buildPlan(ws.run, { ...planOptions, reportUrl: REPORT, only: { patches: [PATCH] } });

test("--onto auto: a commit pushed onto the open PR that touches the same file, one comment; a re-run pushes and posts nothing", () =>
  withForge(async (ws, gitea, opts) => {
    const head = openPullBranch(ws.remote.gitea, "upgrade-1.22", UPGRADE);
    addPull(gitea, "upgrade-1.22");
    const lines: string[] = [];
    const report = await applyPlan(await giteaPlan(ws), opts(lines));
    assert.ok(report.ok, lines.join("\n"));
    const tip = git(ws.remote.gitea, "rev-parse", "refs/heads/upgrade-1.22");
    assert.is(git(ws.remote.gitea, "rev-parse", `${tip}^`), head, "a child of the PR head: a fast-forward");
    const compose = show(ws.remote.gitea, tip, "compose.yml");
    assert.match(compose, "gitea/gitea:1.22.0-rootless");
    assert.match(compose, "target: /etc/gitea/app.ini.tmpl");
    assert.match(
      lines[0]!,
      /^gitea: 0001-RF130-gitea\.patch: committed [0-9a-f]{12} onto #1 \(upgrade-1\.22\), pushed to origin \(#1 touches compose\.yml\); comment posted on #1$/,
    );
    assert.is(gitea.comments.length, 1);
    assert.match(gitea.comments[0]!.body, "RF130 `2e3f4a5b6c7d8e9f`");
    assert.match(gitea.comments[0]!.body, `<!-- redfix:direct ${PATCH} -->`);
    assert.match(gitea.comments[0]!.body, `[Evidence report](${REPORT})`);
    const message = git(ws.remote.gitea, "log", "-1", "--format=%B", tip);
    assert.match(message, "2e3f4a5b6c7d8e9f");
    assert.match(message, REPORT);
    assert.is(gitea.pulls.length, 1, "no new pull request");
    assert.is(git(ws.remote.gitea, "for-each-ref", "refs/heads/redfix"), "", "no redfix branch");
    assert.is(
      git(ws.repo.gitea, "for-each-ref", "refs/heads/redfix", "refs/redfix"),
      "",
      "no local ref either",
    );

    const remoteBefore = snapshot(ws.remote.gitea);
    const again: string[] = [];
    const second = await applyPlan(await giteaPlan(ws), opts(again));
    assert.ok(second.ok, again.join("\n"));
    assert.is(second.steps[0]!.onto!.action, "already-on-head");
    assert.match(
      again[0]!,
      "nothing to do: the head of #1 (upgrade-1.22) already carries the patch; comment already on #1",
    );
    assert.is(snapshot(ws.remote.gitea), remoteBefore, "nothing pushed twice");
    assert.is(gitea.comments.length, 1, "the comment is not duplicated");
  }));

test("--onto auto with no push permission: a stacked PR whose base is the PR's head branch, linked by a comment; a re-run changes nothing", () =>
  withForge(async (ws, gitea, opts) => {
    const head = openPullBranch(ws.remote.gitea, "upgrade-1.22", UPGRADE);
    addPull(gitea, "upgrade-1.22");
    gitea.canPush = false;
    const lines: string[] = [];
    const report = await applyPlan(await giteaPlan(ws), opts(lines));
    assert.ok(report.ok, lines.join("\n"));
    assert.is(
      git(ws.remote.gitea, "rev-parse", "refs/heads/upgrade-1.22"),
      head,
      "the PR head is not touched",
    );
    const stacked = git(ws.remote.gitea, "rev-parse", "refs/heads/redfix/rf130-gitea-on-1");
    assert.is(git(ws.remote.gitea, "rev-parse", `${stacked}^`), head);
    assert.is(gitea.pulls.length, 2);
    const pr = gitea.pulls[1]!;
    assert.equal([pr.head, pr.base], ["redfix/rf130-gitea-on-1", "upgrade-1.22"]);
    assert.match(pr.body, "Stacked on #1");
    assert.is(gitea.comments.length, 1);
    assert.match(gitea.comments[0]!.body, "redfix opened #2 on top of this pull request (base upgrade-1.22)");
    assert.match(lines[0]!, "stacked on #1 (upgrade-1.22): redfix/rf130-gitea-on-1");

    const remoteBefore = snapshot(ws.remote.gitea);
    const again: string[] = [];
    const second = await applyPlan(await giteaPlan(ws), opts(again));
    assert.ok(second.ok, again.join("\n"));
    assert.is(snapshot(ws.remote.gitea), remoteBefore);
    assert.is(gitea.pulls.length, 2);
    assert.is(gitea.comments.length, 1);
  }));

test("a head that moves between read and push: refused as not a fast-forward, read again, re-applied on the new head", () =>
  withForge(async (ws, gitea, opts) => {
    openPullBranch(ws.remote.gitea, "upgrade-1.22", UPGRADE);
    addPull(gitea, "upgrade-1.22");
    let moved = "";
    gitea.onFiles = () => {
      if (moved) return;
      // A maintainer's fixup lands on the PR branch right after redfix read the PR.
      const old = git(ws.remote.gitea, "rev-parse", "refs/heads/upgrade-1.22");
      moved = git(ws.remote.gitea, "commit-tree", `${old}^{tree}`, "-p", old, "-m", "maintainer fixup");
      git(ws.remote.gitea, "update-ref", "refs/heads/upgrade-1.22", moved, old);
    };
    const lines: string[] = [];
    const report = await applyPlan(await giteaPlan(ws), opts(lines));
    assert.ok(report.ok, lines.join("\n"));
    assert.ok(moved);
    const tip = git(ws.remote.gitea, "rev-parse", "refs/heads/upgrade-1.22");
    assert.is(git(ws.remote.gitea, "rev-parse", `${tip}^`), moved, "on top of the fixup, which is kept");
    assert.match(
      lines.join("\n"),
      /the head of #1 \(upgrade-1\.22\) moved \((fetch first|non-fast-forward)\); re-applying on the new head/,
    );
    assert.is(gitea.comments.length, 1);
  }));

test("a comment the forge refuses fails the step, and says the pushed commit is kept", () =>
  withForge(async (ws, gitea, opts) => {
    openPullBranch(ws.remote.gitea, "upgrade-1.22", UPGRADE);
    addPull(gitea, "upgrade-1.22");
    gitea.forbidComments = true;
    const lines: string[] = [];
    const r = await applyPlan(await giteaPlan(ws), opts(lines));
    assert.not.ok(r.ok);
    const tip = git(ws.remote.gitea, "rev-parse", "refs/heads/upgrade-1.22");
    assert.match(lines[0]!, "failed onto #1 (upgrade-1.22): cannot comment on #1 in coop-cloud/gitea");
    assert.match(lines[0]!, "HTTP 403: user should have permission to write issue");
    assert.match(lines[0]!, `; ${tip.slice(0, 12)} was pushed and is kept`);
  }));

test("a head that moves on every push is reported after three tries; nothing of redfix's lands", () =>
  withForge(async (ws, gitea, opts) => {
    openPullBranch(ws.remote.gitea, "upgrade-1.22", UPGRADE);
    addPull(gitea, "upgrade-1.22");
    // Another pusher wins every race: the hook moves the branch just before git updates it.
    const hook = join(ws.remote.gitea, "hooks", "pre-receive");
    writeFileSync(
      hook,
      [
        "#!/bin/sh",
        "unset GIT_QUARANTINE_PATH GIT_OBJECT_DIRECTORY GIT_ALTERNATE_OBJECT_DIRECTORIES",
        "while read old new ref; do",
        '  [ "$ref" = refs/heads/upgrade-1.22 ] || continue',
        '  c=$(git commit-tree "$old^{tree}" -p "$old" -m "racing push $(date +%s%N)")',
        '  git update-ref "$ref" "$c" "$old"',
        "done",
        "",
      ].join("\n"),
    );
    chmodSync(hook, 0o755);
    const lines: string[] = [];
    const r = await applyPlan(await giteaPlan(ws), opts(lines));
    assert.not.ok(r.ok);
    assert.is(r.steps[0]!.onto!.action, "failed");
    assert.match(
      lines.join("\n"),
      /failed onto #1 \(upgrade-1\.22\): the head of #1 \(upgrade-1\.22\) keeps moving/,
    );
    assert.is(lines.filter((l) => l.includes("re-applying on the new head")).length, 2);
    const log = git(ws.remote.gitea, "log", "--format=%s", "refs/heads/upgrade-1.22");
    assert.not.match(log, "render app.ini", "no commit of redfix's on the branch");
    assert.is(gitea.comments.length, 0);
  }));

test("a PR that changed the patch's context merges 3-way; one that changed the same line is a conflict: files and hunks, nothing pushed", () =>
  withForge(async (ws, gitea, opts) => {
    openPullBranch(ws.remote.gitea, "context", (t) =>
      t.replace("- data:/var/lib/gitea\n", "- data:/var/lib/gitea:rw\n"),
    );
    addPull(gitea, "context");
    const lines: string[] = [];
    const merged = await applyPlan(await giteaPlan(ws), opts(lines));
    assert.ok(merged.ok, lines.join("\n"));
    const compose = show(ws.remote.gitea, "refs/heads/context", "compose.yml");
    assert.match(compose, "target: /etc/gitea/app.ini.tmpl\n    volumes:\n      - data:/var/lib/gitea:rw\n");

    gitea.pulls[0]!.state = "closed";
    const head = openPullBranch(ws.remote.gitea, "clash", (t) =>
      t.replace("target: /etc/gitea/app.ini\n", "target: /etc/gitea/conf/app.ini\n"),
    );
    addPull(gitea, "clash");
    const before = snapshot(ws.remote.gitea);
    const out: string[] = [];
    const r = await applyPlan(
      await giteaPlan(ws),
      opts(out, { onto: new Map([["gitea", { kind: "pull", number: 2 }]]) }),
    );
    assert.not.ok(r.ok);
    assert.is(r.steps[0]!.onto!.action, "conflict");
    assert.match(
      out[0]!,
      `gitea: 0001-RF130-gitea.patch: conflict on #2 (clash), nothing pushed: 0001-RF130-gitea.patch conflicts with the head ${head.slice(0, 12)}`,
    );
    assert.equal(r.steps[0]!.onto!.conflicts, ["compose.yml @@ -7,9 +7,10 @@"]);
    assert.is(out[1], "  conflict: compose.yml @@ -7,9 +7,10 @@");
    assert.is(snapshot(ws.remote.gitea), before);
    assert.is(gitea.comments.filter((c) => c.issue === 2).length, 0);
  }));

test("--dry-run --onto auto: per patch where it would go and why; nothing pushed, no comment, no POST", () =>
  withForge(async (ws, gitea, opts) => {
    openPullBranch(ws.remote.gitea, "upgrade-1.22", UPGRADE);
    addPull(gitea, "upgrade-1.22");
    const before = [ws.repo.gitea, ws.remote.gitea, ws.repo.discourse].map(snapshot);
    const lines: string[] = [];
    const plan = await buildPlan(ws.run, { ...planOptions, only: { recipes: ["gitea", "discourse"] } });
    const onto = parseOnto(
      ["auto"],
      plan.steps.map((s) => s.repo.name),
    );
    const r = await applyPlan(plan, opts(lines, { dryRun: true, onto }));
    assert.ok(r.ok, lines.join("\n"));
    const text = lines.join("\n");
    assert.match(
      text,
      "discourse: 0001-RF101-discourse.patch: a new pull request from main: no open pull request touches compose.yml",
    );
    assert.match(
      text,
      "gitea: 0001-RF130-gitea.patch: would push a commit onto #1 (upgrade-1.22) (#1 touches compose.yml)",
    );
    assert.match(text, "dry run: 3 steps, nothing changed");
    assert.equal([ws.repo.gitea, ws.remote.gitea, ws.repo.discourse].map(snapshot), before);
    assert.equal(
      gitea.requests.filter((q) => q.method !== "GET"),
      [],
    );

    gitea.canPush = false;
    const stacked: string[] = [];
    await applyPlan(plan, opts(stacked, { dryRun: true, onto }));
    assert.match(
      stacked.join("\n"),
      "would open a stacked PR on #1 (upgrade-1.22) (#1 touches compose.yml; the token may not push to its head)",
    );
  }));

test("--onto auto passes over a PR whose head is in a fork (it says why) and opens a new PR from the base", () =>
  withForge(async (ws, gitea, opts) => {
    // The fork's branch content stands in the same bare repo; the API says its head repo is another.
    openPullBranch(ws.remote.gitea, "fork-upgrade", UPGRADE);
    addPull(gitea, "fork-upgrade", { headRepo: "someone/gitea" });
    const lines: string[] = [];
    const r = await applyPlan(await giteaPlan(ws), opts(lines));
    assert.ok(r.ok, lines.join("\n"));
    assert.is(
      lines[0],
      "gitea: 0001-RF130-gitea.patch: a new pull request from main: no open pull request touches abra.sh, compose.yml " +
        "and has a head redfix can use (#1 touches compose.yml but its head branch is in a fork)",
    );
    assert.match(
      lines[1]!,
      /^gitea: branch redfix\/rf130-gitea from main, commit [0-9a-f]{12}; pushed to origin; PR #2 opened/,
    );
    assert.is(gitea.comments.length, 0);
  }));

test("--onto <n> and <repo>=<branch>; an unknown PR fails the step; bad values are usage errors", () =>
  withForge(async (ws, gitea, opts) => {
    openPullBranch(ws.remote.gitea, "upgrade-1.22", UPGRADE);
    addPull(gitea, "upgrade-1.22");
    const missing: string[] = [];
    const r = await applyPlan(await giteaPlan(ws), opts(missing, { onto: parseOnto(["7"], ["gitea"]) }));
    assert.not.ok(r.ok);
    assert.is(
      missing[0],
      "gitea: 0001-RF130-gitea.patch: failed: no open pull request #7 in gitea; nothing pushed",
    );
    const lines: string[] = [];
    const ok = await applyPlan(
      await giteaPlan(ws),
      opts(lines, { onto: parseOnto(["gitea=upgrade-1.22"], ["gitea"]) }),
    );
    assert.ok(ok.ok, lines.join("\n"));
    assert.match(lines[0]!, "onto #1 (upgrade-1.22), pushed to origin (--onto upgrade-1.22, the head of #1)");

    assert.throws(
      () => parseOnto(["12"], ["gitea", "discourse"]),
      (e: unknown) => e instanceof OntoUsageError,
    );
    assert.throws(
      () => parseOnto(["nope=12"], ["gitea"]),
      (e: unknown) => e instanceof OntoUsageError,
    );
    assert.throws(
      () => parseOnto(["--force"], ["gitea"]),
      (e: unknown) => e instanceof OntoUsageError,
    );
    assert.equal(
      [...parseOnto(["auto", "gitea=#3"], ["gitea", "discourse"])],
      [
        ["gitea", { kind: "pull", number: 3 }],
        ["discourse", { kind: "auto" }],
      ],
    );
  }));

test.run();
