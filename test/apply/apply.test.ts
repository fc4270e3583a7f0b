import { appendFileSync, chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ApplyRefusal, applyPlan } from "../../apply/apply.js";
import { buildPlan } from "../../apply/plan.js";
import type { PlanOptions } from "../../apply/plan.js";
import { GIT_ENV, applyOptions, expectedAfter, git, makeWorkspace, show, snapshot } from "./support.js";
import type { Workspace } from "./support.js";

const planOptions: PlanOptions = { group: "patch", branchPrefix: "redfix/", gitEnv: GIT_ENV };

function allRepos(ws: Workspace): string[] {
  return [
    ws.repo.discourse,
    ws.repo.gitea,
    ws.repo.ccci,
    ws.remote.discourse,
    ws.remote.gitea,
    ws.remote.ccci,
  ];
}

function snapshots(ws: Workspace): string[] {
  return allRepos(ws).map(snapshot);
}

test("one branch and commit per patch, pushed; the checked-out branch, index and files untouched", async () => {
  const ws = makeWorkspace();
  try {
    const before = [ws.repo.discourse, ws.repo.gitea, ws.repo.ccci].map((d) => ({
      head: git(d, "rev-parse", "HEAD"),
      branch: git(d, "symbolic-ref", "--short", "HEAD"),
      status: git(d, "status", "--porcelain"),
      files: snapshot(d),
    }));
    const plan = await buildPlan(ws.run, planOptions);
    const lines: string[] = [];
    const report = await applyPlan(plan, applyOptions(lines, { push: "origin" }));
    assert.ok(report.ok, lines.join("\n"));
    assert.equal(
      report.steps.map((s) => [s.repo, s.branch, s.action, s.push]),
      [
        ["cc-ci", "redfix/rf201-keycloak", "created", "pushed"],
        ["discourse", "redfix/rf101-discourse", "created", "pushed"],
        ["discourse", "redfix/rf102-discourse", "created", "pushed"],
        ["gitea", "redfix/rf130-gitea", "created", "pushed"],
      ],
    );
    for (const s of plan.steps) {
      const tip = git(s.dir, "rev-parse", `refs/heads/${s.branch}`);
      assert.is(
        git(s.dir, "rev-parse", `${tip}^`),
        git(s.dir, "rev-parse", "main"),
        `${s.branch} is one commit on main`,
      );
      assert.is(
        git(s.dir, "log", "-1", "--format=%B", tip),
        s.commitMessage.trimEnd(),
        "the commit message is the plan's",
      );
      assert.is(git(s.dir, "log", "-1", "--format=%an <%ae>", tip), "redfix test <test@redfix.invalid>");
      const remote =
        s.repo.name === "cc-ci"
          ? ws.remote.ccci
          : s.repo.name === "gitea"
            ? ws.remote.gitea
            : ws.remote.discourse;
      assert.is(git(remote, "rev-parse", `refs/heads/${s.branch}`), tip, "the remote has the same commit");
    }
    const rf102 = plan.steps.find((s) => s.branch === "redfix/rf102-discourse")!;
    assert.is(
      show(ws.repo.discourse, "redfix/rf102-discourse", "compose.yml"),
      expectedAfter(ws.repo.discourse, "main", [rf102.patches[0]!.absPath], "compose.yml"),
      "the branch carries exactly its own patch",
    );
    assert.match(show(ws.repo.discourse, "redfix/rf101-discourse", "compose.yml"), "    restart: always\n");
    assert.is(show(ws.repo.gitea, "redfix/rf130-gitea", "abra.sh"), "export APP_INI_VERSION=v4\n");
    [ws.repo.discourse, ws.repo.gitea, ws.repo.ccci].forEach((d, i) => {
      assert.is(git(d, "rev-parse", "HEAD"), before[i]!.head);
      assert.is(git(d, "symbolic-ref", "--short", "HEAD"), before[i]!.branch);
      assert.is(git(d, "status", "--porcelain"), before[i]!.status);
      const now = JSON.parse(snapshot(d));
      const then = JSON.parse(before[i]!.files);
      assert.equal([now.index, now.files], [then.index, then.files], "index and files are as they were");
    });
    assert.match(
      lines[1]!,
      /^discourse: branch redfix\/rf101-discourse from main, commit [0-9a-f]{12}; pushed to origin$/,
    );
  } finally {
    ws.cleanup();
  }
});

test("a re-run is idempotent: nothing to do, no new commit, the push is up to date", async () => {
  const ws = makeWorkspace();
  try {
    const plan = await buildPlan(ws.run, planOptions);
    await applyPlan(plan, applyOptions([], { push: "origin" }));
    const first = snapshots(ws);
    const lines: string[] = [];
    const again = await applyPlan(
      await buildPlan(ws.run, planOptions),
      applyOptions(lines, { push: "origin" }),
    );
    assert.ok(again.ok);
    assert.equal(
      again.steps.map((s) => [s.action, s.push]),
      plan.steps.map(() => ["unchanged", "up-to-date"]),
    );
    assert.equal(snapshots(ws), first, "no ref, file or remote changed");
    assert.match(lines[0]!, "nothing to do (the branch already carries the patch");
  } finally {
    ws.cleanup();
  }
});

test("a re-run from a fresh clone adopts the remote branch instead of forking it", async () => {
  const ws = makeWorkspace();
  try {
    await applyPlan(await buildPlan(ws.run, planOptions), applyOptions([], { push: "origin" }));
    const pushed = git(ws.remote.gitea, "rev-parse", "refs/heads/redfix/rf130-gitea");
    git(ws.repo.gitea, "branch", "-D", "redfix/rf130-gitea");
    const report = await applyPlan(
      await buildPlan(ws.run, planOptions),
      applyOptions([], { push: "origin" }),
    );
    const gitea = report.steps.find((s) => s.repo === "gitea")!;
    assert.equal([gitea.action, gitea.push, gitea.commit], ["unchanged", "up-to-date", pushed]);
    assert.is(git(ws.repo.gitea, "rev-parse", "refs/heads/redfix/rf130-gitea"), pushed);
  } finally {
    ws.cleanup();
  }
});

test("a fix already in the base: nothing to do, no branch", async () => {
  const ws = makeWorkspace();
  try {
    git(ws.repo.gitea, "apply", "--index", join(ws.run, "patches", "gitea", "0001-RF130-gitea.patch"));
    git(ws.repo.gitea, "commit", "-q", "-m", "merged upstream");
    const lines: string[] = [];
    const report = await applyPlan(await buildPlan(ws.run, planOptions), applyOptions(lines));
    assert.is(report.steps.find((s) => s.repo === "gitea")!.action, "in-base");
    assert.is(git(ws.repo.gitea, "branch", "--list", "redfix/*"), "");
    assert.ok(lines.includes("gitea: redfix/rf130-gitea: nothing to do (main already carries the patch)"));
  } finally {
    ws.cleanup();
  }
});

test("--group recipe: one commit carrying the recipe's patches in series order", async () => {
  const ws = makeWorkspace();
  try {
    const plan = await buildPlan(ws.run, { ...planOptions, group: "recipe" });
    const report = await applyPlan(plan, applyOptions([]));
    assert.ok(report.ok);
    const d = plan.steps.find((s) => s.repo.name === "discourse")!;
    assert.is(d.branch, "redfix/discourse");
    assert.is(
      show(ws.repo.discourse, "redfix/discourse", "compose.yml"),
      expectedAfter(
        ws.repo.discourse,
        "main",
        d.patches.map((p) => p.absPath),
        "compose.yml",
      ),
    );
    assert.is(git(ws.repo.discourse, "rev-list", "--count", "main..redfix/discourse"), "1");
  } finally {
    ws.cleanup();
  }
});

test("--dry-run prints the plan and changes no ref, index, file or remote", async () => {
  const ws = makeWorkspace();
  try {
    const before = snapshots(ws);
    const lines: string[] = [];
    const report = await applyPlan(
      await buildPlan(ws.run, planOptions),
      applyOptions(lines, { dryRun: true, push: "origin" }),
    );
    assert.equal(snapshots(ws), before);
    assert.equal(
      report.steps.map((s) => s.action),
      ["would-create", "would-create", "would-create", "would-create"],
    );
    const text = lines.join("\n");
    assert.match(text, `discourse (${ws.repo.discourse}): redfix/rf101-discourse from main`);
    assert.match(text, "  patch 0001-RF101-discourse.patch (RF101 0b1f6c2a9d3e4f51)");
    assert.match(text, "  commit: discourse: delete depends_on discourse from sidekiq");
    assert.match(text, "  would commit on main");
    assert.match(text, "  push: origin redfix/rf101-discourse");
    assert.match(text, "dry run: 4 steps, nothing changed");
    // After a real run, the dry run sees that there is nothing left to do.
    await applyPlan(await buildPlan(ws.run, planOptions), applyOptions([]));
    const after = snapshots(ws);
    const again: string[] = [];
    const r2 = await applyPlan(await buildPlan(ws.run, planOptions), applyOptions(again, { dryRun: true }));
    assert.equal(snapshots(ws), after);
    assert.ok(r2.steps.every((s) => s.action === "would-skip"));
    assert.match(again.join("\n"), "nothing to do: redfix/rf130-gitea already carries the patch");
  } finally {
    ws.cleanup();
  }
});

test("a dirty tree (tracked change or untracked file) refuses the whole run, nothing touched", async () => {
  const ws = makeWorkspace();
  try {
    appendFileSync(join(ws.repo.discourse, "compose.yml"), "# local edit\n");
    writeFileSync(join(ws.repo.gitea, "notes.txt"), "work in progress\n");
    const before = snapshots(ws);
    const plan = await buildPlan(ws.run, planOptions);
    for (const dryRun of [false, true]) {
      try {
        await applyPlan(plan, applyOptions([], { push: "origin", dryRun }));
        assert.unreachable("a dirty tree is refused");
      } catch (e) {
        assert.instance(e, ApplyRefusal);
        const reasons = (e as ApplyRefusal).reasons;
        assert.equal(reasons, [
          `discourse (${ws.repo.discourse}): uncommitted changes (1 path, e.g. compose.yml); commit or stash them first`,
          `gitea (${ws.repo.gitea}): uncommitted changes (1 path, e.g. notes.txt); commit or stash them first`,
        ]);
      }
      assert.equal(snapshots(ws), before, "no repo touched, the clean harness included");
    }
  } finally {
    ws.cleanup();
  }
});

test("an unexpected branch is refused: not the --base, a redfix branch, a detached HEAD", async () => {
  const ws = makeWorkspace();
  try {
    git(ws.repo.discourse, "switch", "-q", "-c", "feature");
    git(ws.repo.gitea, "switch", "-q", "-c", "redfix/old");
    git(ws.repo.ccci, "switch", "-q", "--detach");
    const before = snapshots(ws);
    const reasons = async (o: PlanOptions) => {
      try {
        await applyPlan(await buildPlan(ws.run, o), applyOptions([]));
      } catch (e) {
        assert.instance(e, ApplyRefusal);
        return (e as ApplyRefusal).reasons;
      }
      throw new Error("not refused");
    };
    assert.equal(await reasons({ ...planOptions, base: "main" }), [
      `cc-ci (${ws.harness}): HEAD is detached; check out the base branch first`,
      `discourse (${ws.repo.discourse}): on branch feature, expected the base branch main`,
      `gitea (${ws.repo.gitea}): on branch redfix/old, expected the base branch main`,
    ]);
    const noBase = await reasons(planOptions);
    assert.is(
      noBase[1],
      `gitea (${ws.repo.gitea}): on redfix/old, a branch redfix makes; check out the base branch first`,
    );
    assert.is(noBase.length, 2, "discourse on feature is fine without --base: feature is the base");
    assert.equal(snapshots(ws), before);
  } finally {
    ws.cleanup();
  }
});

test("a bisect (or merge, rebase, cherry-pick) in progress is refused", async () => {
  const ws = makeWorkspace();
  try {
    git(ws.repo.discourse, "bisect", "start");
    const before = snapshots(ws);
    try {
      await applyPlan(await buildPlan(ws.run, planOptions), applyOptions([]));
      assert.unreachable("refused");
    } catch (e) {
      assert.instance(e, ApplyRefusal);
      assert.equal((e as ApplyRefusal).reasons, [
        `discourse (${ws.repo.discourse}): a bisect is in progress`,
      ]);
    }
    assert.equal(snapshots(ws), before);
  } finally {
    ws.cleanup();
  }
});

test("a patch that does not apply fails its step only; the repo stays on its branch with its files, no half-made branch", async () => {
  const ws = makeWorkspace();
  try {
    // Upstream moved on: the line patch 0002 rewrites is gone from main.
    const compose = join(ws.repo.discourse, "compose.yml");
    writeFileSync(
      compose,
      readFileSync(compose, "utf8").replace("    restart: always\n", "    restart: unless-stopped\n"),
    );
    git(ws.repo.discourse, "commit", "-q", "-am", "upstream change");
    const before = snapshot(ws.repo.discourse);
    const remoteBefore = snapshot(ws.remote.discourse);
    const lines: string[] = [];
    const report = await applyPlan(await buildPlan(ws.run, planOptions), applyOptions(lines));
    assert.not.ok(report.ok);
    const [rf101, rf102] = report.steps.filter((s) => s.repo === "discourse");
    assert.is(rf101!.action, "created");
    assert.is(rf102!.action, "failed");
    assert.match(rf102!.error!, "0002-RF102-discourse.patch does not apply");
    assert.not.match(rf102!.error!, "--group recipe", "the base moved: grouping would not help");
    assert.match(lines.join("\n"), /discourse: redfix\/rf102-discourse: failed: .*; discourse is as it was/);
    assert.is(git(ws.repo.discourse, "branch", "--list", "redfix/rf102-discourse"), "");
    const now = JSON.parse(snapshot(ws.repo.discourse));
    const then = JSON.parse(before);
    assert.equal(
      [now.head, now.index, now.files, now.status],
      [then.head, then.index, then.files, then.status],
    );
    assert.equal(snapshot(ws.remote.discourse), remoteBefore);
    assert.is(report.steps.find((s) => s.repo === "gitea")!.action, "created", "later steps still run");
  } finally {
    ws.cleanup();
  }
});

/** Rewrites the discourse series: patch 2 computed on top of patch 1, its context overlapping patch 1's change. */
function dependentSeries(ws: Workspace): void {
  const scratch = join(ws.root, "series-scratch");
  git(ws.root, "clone", "-q", ws.repo.discourse, scratch);
  const compose = join(scratch, "compose.yml");
  const patchDir = join(ws.run, "patches", "discourse");
  const step = (from: string, to: string, name: string) => {
    writeFileSync(compose, readFileSync(compose, "utf8").replace(from, to));
    const diff = git(scratch, "diff")
      .split("\n")
      .filter((l) => !l.startsWith("index "))
      .join("\n");
    writeFileSync(join(patchDir, name), `${diff}\n`);
    git(scratch, "commit", "-q", "-am", name);
  };
  step(
    "    image: bitnamilegacy/discourse:3.2.1\n    command:",
    "    image: bitnamilegacy/discourse:3.2.2\n    command:",
    "0001-RF101-discourse.patch",
  );
  step(
    "    # upstream names the main service",
    "    # upstream calls the main service",
    "0002-RF102-discourse.patch",
  );
}

test("a patch computed on top of an earlier one gets a real 3-way merge onto the base, on its own branch", async () => {
  const ws = makeWorkspace();
  try {
    dependentSeries(ws);
    const second = join(ws.run, "patches", "discourse", "0002-RF102-discourse.patch");
    assert.throws(
      () => git(ws.repo.discourse, "apply", "--check", second),
      "alone, its context does not match",
    );
    const report = await applyPlan(await buildPlan(ws.run, planOptions), applyOptions([]));
    assert.ok(report.ok);
    const compose = show(ws.repo.discourse, "redfix/rf102-discourse", "compose.yml");
    assert.match(compose, "    # upstream calls the main service", "its own change");
    assert.match(
      compose,
      "    image: bitnamilegacy/discourse:3.2.1\n    command:",
      "not the earlier patch's",
    );
    assert.is(git(ws.repo.discourse, "rev-list", "--count", "main..redfix/rf102-discourse"), "1");
    assert.is(git(ws.repo.discourse, "status", "--porcelain"), "");
  } finally {
    ws.cleanup();
  }
});

test("a patch that truly conflicts with an earlier one fails alone and points at --group recipe", async () => {
  const ws = makeWorkspace();
  try {
    const scratch = join(ws.root, "series-scratch");
    git(ws.root, "clone", "-q", ws.repo.discourse, scratch);
    const compose = join(scratch, "compose.yml");
    const patchDir = join(ws.run, "patches", "discourse");
    for (const [from, to, name] of [
      ["discourse:3.2.1\n    command:", "discourse:3.2.2\n    command:", "0001-RF101-discourse.patch"],
      ["discourse:3.2.2\n    command:", "discourse:3.3.0\n    command:", "0002-RF102-discourse.patch"],
    ] as const) {
      writeFileSync(compose, readFileSync(compose, "utf8").replace(from, to));
      writeFileSync(join(patchDir, name), `${git(scratch, "diff")}\n`);
      git(scratch, "commit", "-q", "-am", name);
    }
    const report = await applyPlan(await buildPlan(ws.run, planOptions), applyOptions([]));
    const failed = report.steps.find((s) => s.branch === "redfix/rf102-discourse")!;
    assert.is(failed.action, "failed");
    assert.match(failed.error!, "it conflicts with an earlier patch of the series; try --group recipe");
    assert.is(git(ws.repo.discourse, "branch", "--list", "redfix/rf102-discourse"), "");
    assert.is(git(ws.repo.discourse, "status", "--porcelain"), "");
    const grouped = await applyPlan(
      await buildPlan(ws.run, { ...planOptions, group: "recipe" }),
      applyOptions([]),
    );
    assert.ok(grouped.ok);
    assert.match(show(ws.repo.discourse, "redfix/discourse", "compose.yml"), "discourse:3.3.0\n    command:");
  } finally {
    ws.cleanup();
  }
});

test("a push the remote rejects: reported, never forced, and the branch made by this run is removed", async () => {
  const ws = makeWorkspace();
  try {
    const hook = join(ws.remote.gitea, "hooks", "pre-receive");
    writeFileSync(hook, "#!/bin/sh\necho 'branch creation is restricted' >&2\nexit 1\n");
    chmodSync(hook, 0o755);
    const before = snapshot(ws.repo.gitea);
    const remoteBefore = snapshot(ws.remote.gitea);
    const lines: string[] = [];
    const report = await applyPlan(
      await buildPlan(ws.run, planOptions),
      applyOptions(lines, { push: "origin" }),
    );
    const gitea = report.steps.find((s) => s.repo === "gitea")!;
    assert.is(gitea.action, "failed");
    assert.match(gitea.error!, "push to origin rejected (pre-receive hook declined)");
    assert.equal(snapshot(ws.repo.gitea), before, "the half-made branch is gone");
    assert.equal(snapshot(ws.remote.gitea), remoteBefore);
    assert.not.ok(report.ok);
  } finally {
    ws.cleanup();
  }
});

test("a diverged remote branch rejects the push: redfix never forces, their commit survives", async () => {
  const ws = makeWorkspace();
  try {
    const plan = await buildPlan(ws.run, planOptions);
    await applyPlan(plan, applyOptions([]));
    // Someone else pushed a different commit to the same branch name.
    const other = join(ws.root, "other");
    git(ws.root, "clone", "-q", ws.remote.gitea, other);
    git(other, "switch", "-q", "-c", "redfix/rf130-gitea");
    writeFileSync(join(other, "README.md"), "theirs\n");
    git(other, "add", "README.md");
    git(other, "commit", "-q", "-m", "their commit");
    git(other, "push", "-q", "origin", "redfix/rf130-gitea");
    const theirs = git(ws.remote.gitea, "rev-parse", "refs/heads/redfix/rf130-gitea");
    const ours = git(ws.repo.gitea, "rev-parse", "refs/heads/redfix/rf130-gitea");

    const lines: string[] = [];
    const report = await applyPlan(
      await buildPlan(ws.run, planOptions),
      applyOptions(lines, { push: "origin" }),
    );
    const gitea = report.steps.find((s) => s.repo === "gitea")!;
    assert.is(gitea.action, "failed");
    assert.match(
      gitea.error!,
      /push to origin rejected \((fetch first|non-fast-forward)\): the remote redfix\/rf130-gitea has commits this one lacks; redfix never forces a push/,
    );
    assert.is(
      git(ws.remote.gitea, "rev-parse", "refs/heads/redfix/rf130-gitea"),
      theirs,
      "their commit survives",
    );
    assert.is(
      git(ws.repo.gitea, "rev-parse", "refs/heads/redfix/rf130-gitea"),
      ours,
      "our branch is as it was",
    );
  } finally {
    ws.cleanup();
  }
});

test("a remote branch ahead of ours (fixups pushed on the PR branch) is up to date, not a failure", async () => {
  const ws = makeWorkspace();
  try {
    await applyPlan(await buildPlan(ws.run, planOptions), applyOptions([], { push: "origin" }));
    const other = join(ws.root, "maintainer");
    git(ws.root, "clone", "-q", "-b", "redfix/rf130-gitea", ws.remote.gitea, other);
    writeFileSync(join(other, "README.md"), "fixup\n");
    git(other, "add", "README.md");
    git(other, "commit", "-q", "-m", "fixup");
    git(other, "push", "-q", "origin", "redfix/rf130-gitea");
    const theirs = git(ws.remote.gitea, "rev-parse", "refs/heads/redfix/rf130-gitea");
    git(ws.repo.gitea, "fetch", "-q", "origin");
    const report = await applyPlan(
      await buildPlan(ws.run, planOptions),
      applyOptions([], { push: "origin" }),
    );
    const gitea = report.steps.find((s) => s.repo === "gitea")!;
    assert.equal([gitea.action, gitea.push], ["unchanged", "up-to-date"]);
    assert.is(
      git(ws.remote.gitea, "rev-parse", "refs/heads/redfix/rf130-gitea"),
      theirs,
      "their fixup stays",
    );
  } finally {
    ws.cleanup();
  }
});

test("an existing branch without the patch gets a commit on top, not a rewrite", async () => {
  const ws = makeWorkspace();
  try {
    // A branch of that name with someone's work on it, checked out in no worktree.
    git(ws.repo.gitea, "switch", "-q", "-c", "redfix/rf130-gitea");
    writeFileSync(join(ws.repo.gitea, "NOTES.md"), "maintainer notes\n");
    git(ws.repo.gitea, "add", "NOTES.md");
    git(ws.repo.gitea, "commit", "-q", "-m", "notes");
    git(ws.repo.gitea, "switch", "-q", "main");
    const theirs = git(ws.repo.gitea, "rev-parse", "redfix/rf130-gitea");
    const report = await applyPlan(await buildPlan(ws.run, planOptions), applyOptions([]));
    const gitea = report.steps.find((s) => s.repo === "gitea")!;
    assert.is(gitea.action, "created");
    assert.is(git(ws.repo.gitea, "rev-parse", `${gitea.commit}^`), theirs);
    assert.is(show(ws.repo.gitea, gitea.commit!, "NOTES.md"), "maintainer notes\n");
    assert.is(show(ws.repo.gitea, gitea.commit!, "abra.sh"), "export APP_INI_VERSION=v4\n");
  } finally {
    ws.cleanup();
  }
});

test.run();
