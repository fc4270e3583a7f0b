import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ApplyRefusal, applyPlan } from "../../apply/apply.js";
import type { ApplyOptions } from "../../apply/apply.js";
import { forgeRepoFromRemote } from "../../apply/forge.js";
import { buildPlan } from "../../apply/plan.js";
import type { PlanOptions } from "../../apply/plan.js";
import { startGitea } from "./gitea-server.js";
import type { FakeGitea } from "./gitea-server.js";
import { GIT_ENV, applyOptions, git, makeWorkspace, snapshot } from "./support.js";
import type { Workspace } from "./support.js";

const TOKEN = "s3cret-token";
const planOptions: PlanOptions = { group: "patch", branchPrefix: "redfix/", gitEnv: GIT_ENV };

test("forge and repo from remote URLs: https (with a sub-path), ssh, scp-like; overrides", () => {
  assert.equal(forgeRepoFromRemote("https://git.coopcloud.tech/coop-cloud/discourse.git"), {
    baseUrl: "https://git.coopcloud.tech",
    owner: "coop-cloud",
    repo: "discourse",
  });
  assert.equal(forgeRepoFromRemote("https://user:pw@example.org:3000/gitea/coop-cloud/gitea"), {
    baseUrl: "https://example.org:3000/gitea",
    owner: "coop-cloud",
    repo: "gitea",
  });
  assert.equal(forgeRepoFromRemote("ssh://git@git.coopcloud.tech:2222/coop-cloud/cc-ci.git"), {
    baseUrl: "https://git.coopcloud.tech",
    owner: "coop-cloud",
    repo: "cc-ci",
  });
  assert.equal(forgeRepoFromRemote("git@git.coopcloud.tech:coop-cloud/keycloak.git"), {
    baseUrl: "https://git.coopcloud.tech",
    owner: "coop-cloud",
    repo: "keycloak",
  });
  assert.is(forgeRepoFromRemote("/srv/git/discourse.git"), null, "a path names no forge");
  assert.equal(
    forgeRepoFromRemote("/srv/git/discourse.git", { forgeUrl: "http://127.0.0.1:3000/", owner: "me" }),
    {
      baseUrl: "http://127.0.0.1:3000",
      owner: "me",
      repo: "discourse",
    },
  );
  assert.equal(
    forgeRepoFromRemote("https://git.coopcloud.tech/coop-cloud/discourse.git", { owner: "fork" }),
    {
      baseUrl: "https://git.coopcloud.tech",
      owner: "fork",
      repo: "discourse",
    },
  );
  assert.equal(
    forgeRepoFromRemote("/srv/git/x.git", { forgeUrl: "https://forge.example/api/v1/", owner: "o" }),
    {
      baseUrl: "https://forge.example",
      owner: "o",
      repo: "x",
    },
  );
});

test("a forge URL that redirects is reported, not followed (a redirected POST would become a GET)", async () => {
  const ws = makeWorkspace();
  const server = createServer((_req, res) => {
    res.writeHead(301, { Location: "https://forge.example/api/v1/repos/coop-cloud/cc-ci/pulls" });
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const plan = await buildPlan(ws.run, planOptions);
    plan.steps = plan.steps.slice(0, 1);
    const report = await applyPlan(
      plan,
      applyOptions([], {
        push: "origin",
        pr: "api",
        forgeUrl: url,
        forgeOwner: "coop-cloud",
        env: { REDFIX_GITEA_TOKEN: TOKEN },
      }),
    );
    assert.match(
      report.steps[0]!.error!,
      "is redirected to https://forge.example/api/v1/repos/coop-cloud/cc-ci/pulls",
    );
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    ws.cleanup();
  }
});

async function withForge(
  body: (ws: Workspace, gitea: FakeGitea, opts: (lines: string[]) => ApplyOptions) => Promise<void>,
) {
  const ws = makeWorkspace();
  const gitea = await startGitea(TOKEN, {
    "coop-cloud/discourse": ws.remote.discourse,
    "coop-cloud/gitea": ws.remote.gitea,
    "coop-cloud/cc-ci": ws.remote.ccci,
  });
  try {
    await body(ws, gitea, (lines) =>
      applyOptions(lines, {
        push: "origin",
        pr: "api",
        forgeUrl: gitea.url,
        forgeOwner: "coop-cloud",
        env: { REDFIX_GITEA_TOKEN: TOKEN },
      }),
    );
  } finally {
    await gitea.close();
    ws.cleanup();
  }
}

test("--pr api opens one PR per branch (201), with the token, after the push; a re-run opens none", () =>
  withForge(async (ws, gitea, opts) => {
    const plan = await buildPlan(ws.run, {
      ...planOptions,
      reportUrl: "https://ci.example.org/r/1/report.html",
    });
    const lines: string[] = [];
    const report = await applyPlan(plan, opts(lines));
    assert.ok(report.ok, lines.join("\n"));
    assert.equal(
      gitea.pulls.map((p) => [p.repo, p.number, p.head, p.base]),
      [
        ["cc-ci", 1, "redfix/rf201-keycloak", "main"],
        ["discourse", 2, "redfix/rf101-discourse", "main"],
        ["discourse", 3, "redfix/rf102-discourse", "main"],
        ["gitea", 4, "redfix/rf130-gitea", "main"],
      ],
    );
    const posts = gitea.requests.filter((r) => r.method === "POST");
    assert.is(posts.length, 4);
    assert.ok(gitea.requests.every((r) => r.authorization === `token ${TOKEN}`));
    const giteaStep = plan.steps.find((s) => s.repo.name === "gitea")!;
    assert.equal(posts[3]!.body, {
      head: "redfix/rf130-gitea",
      base: "main",
      title: giteaStep.pr.title,
      body: giteaStep.pr.body,
    });
    assert.is(posts[3]!.path, "/api/v1/repos/coop-cloud/gitea/pulls");
    assert.match(gitea.pulls[3]!.body, "[Evidence report](https://ci.example.org/r/1/report.html)");
    assert.equal(
      report.steps.map((s) => s.pr && "number" in s.pr && [s.pr.action, s.pr.number]),
      [
        ["opened", 1],
        ["opened", 2],
        ["opened", 3],
        ["opened", 4],
      ],
    );
    assert.match(lines[3]!, `PR #4 opened ${gitea.url}/coop-cloud/gitea/pulls/4`);

    const count = gitea.requests.length;
    const again = await applyPlan(
      await buildPlan(ws.run, { ...planOptions, reportUrl: "https://ci.example.org/r/1/report.html" }),
      opts([]),
    );
    assert.ok(again.ok);
    assert.equal(
      again.steps.map((s) => s.pr && "number" in s.pr && s.pr.action),
      ["unchanged", "unchanged", "unchanged", "unchanged"],
    );
    const later = gitea.requests.slice(count);
    assert.ok(
      later.every((r) => r.method === "GET"),
      "a re-run only lists",
    );
    assert.ok(
      later.some((r) => /[?&]page=2\b/.test(r.path)),
      "the list is paged (the server's cap is below the asked limit)",
    );
    assert.is(gitea.pulls.length, 4, "no duplicate");

    // A new report link changes the body: the open PR is updated in place (PATCH, 201).
    const moved = await applyPlan(
      await buildPlan(ws.run, { ...planOptions, reportUrl: "https://ci.example.org/r/2/report.html" }),
      opts([]),
    );
    assert.equal(
      moved.steps.map((s) => s.pr && "number" in s.pr && s.pr.action),
      ["updated", "updated", "updated", "updated"],
    );
    assert.is(gitea.pulls.length, 4);
    assert.match(gitea.pulls[0]!.body, "https://ci.example.org/r/2/report.html");
    assert.is(gitea.requests.filter((r) => r.method === "PATCH").length, 4);
  }));

test("a 409 (a PR for this head and base exists but was not listed) updates that PR instead of a duplicate", () =>
  withForge(async (ws, gitea, opts) => {
    // A branch and PR made before, by hand, with another title; it does not show up in the list.
    git(ws.repo.gitea, "branch", "redfix/rf130-gitea", "main");
    git(ws.repo.gitea, "push", "-q", "origin", "redfix/rf130-gitea");
    gitea.pulls.push({
      number: 1,
      owner: "coop-cloud",
      repo: "gitea",
      head: "redfix/rf130-gitea",
      base: "main",
      title: "WIP",
      body: "",
      state: "open",
    });
    gitea.unlisted.add(1);
    const plan = await buildPlan(ws.run, planOptions);
    const report = await applyPlan(plan, opts([]));
    const step = report.steps.find((s) => s.repo === "gitea")!;
    assert.ok(step.pr && "number" in step.pr);
    assert.equal([step.pr.action, step.pr.number], ["updated", 1]);
    const giteaCalls = gitea.requests.filter((r) => r.path.includes("/coop-cloud/gitea/"));
    assert.equal(
      giteaCalls.map((r) => `${r.method} ${r.path.replace(/\?.*/, "")}`),
      [
        "GET /api/v1/repos/coop-cloud/gitea/pulls",
        "POST /api/v1/repos/coop-cloud/gitea/pulls",
        "GET /api/v1/repos/coop-cloud/gitea/pulls/1",
        "PATCH /api/v1/repos/coop-cloud/gitea/pulls/1",
      ],
    );
    assert.is(gitea.pulls.filter((p) => p.repo === "gitea").length, 1, "no duplicate");
    assert.is(gitea.pulls[0]!.title, plan.steps.find((s) => s.repo.name === "gitea")!.pr.title);
  }));

test("a 422 is a clear error on that step; the pushed branch is kept, the run fails", () =>
  withForge(async (ws, gitea, opts) => {
    gitea.reject422 = "Invalid PullRequest: base and head must be branches";
    const lines: string[] = [];
    const report = await applyPlan(await buildPlan(ws.run, planOptions), opts(lines));
    assert.not.ok(report.ok);
    const step = report.steps.find((s) => s.repo === "gitea")!;
    assert.is(step.action, "failed");
    assert.is(
      step.error,
      `cannot open the pull request in coop-cloud/gitea on ${gitea.url}: HTTP 422: ` +
        "Invalid PullRequest: base and head must be branches (the forge found the request invalid); " +
        "redfix/rf130-gitea was pushed and is kept",
    );
    assert.is(
      git(ws.remote.gitea, "rev-parse", "refs/heads/redfix/rf130-gitea"),
      git(ws.repo.gitea, "rev-parse", "refs/heads/redfix/rf130-gitea"),
    );
    assert.is(gitea.pulls.length, 0);
  }));

test("a wrong token: HTTP 401 reported with a hint", () =>
  withForge(async (ws, _gitea, opts) => {
    const report = await applyPlan(await buildPlan(ws.run, planOptions), {
      ...opts([]),
      env: { REDFIX_GITEA_TOKEN: "wrong" },
    });
    assert.match(
      report.steps[0]!.error!,
      "cannot list pull requests in coop-cloud/cc-ci on http://127.0.0.1:",
    );
    assert.match(
      report.steps[0]!.error!,
      "HTTP 401: token is required (is the token valid, with write access",
    );
  }));

test("no token, or no --push, refuses the run before anything is touched; --token-env names the variable", () =>
  withForge(async (ws, gitea, opts) => {
    const before = [ws.repo.gitea, ws.remote.gitea].map(snapshot);
    const plan = await buildPlan(ws.run, planOptions);
    for (const [over, reason] of [
      [{ env: {} }, "--pr api needs a token in the environment variable REDFIX_GITEA_TOKEN"],
      [
        { env: { REDFIX_GITEA_TOKEN: TOKEN }, tokenEnv: "FORGEJO_TOKEN" },
        "--pr api needs a token in the environment variable FORGEJO_TOKEN",
      ],
      [{ push: undefined }, "--pr api needs --push <remote>"],
    ] as const) {
      try {
        await applyPlan(plan, { ...opts([]), ...over });
        assert.unreachable();
      } catch (e) {
        assert.instance(e, ApplyRefusal);
        assert.ok((e as ApplyRefusal).reasons.includes(reason), (e as ApplyRefusal).reasons.join("\n"));
      }
    }
    assert.equal([ws.repo.gitea, ws.remote.gitea].map(snapshot), before);
    assert.is(gitea.requests.length, 0);
    const named = await applyPlan(plan, {
      ...opts([]),
      tokenEnv: "FORGEJO_TOKEN",
      env: { FORGEJO_TOKEN: TOKEN },
    });
    assert.ok(named.ok);
  }));

test("a remote URL that names no forge, without --forge-url, is refused", () =>
  withForge(async (ws, _gitea, opts) => {
    const o = opts([]);
    delete o.forgeUrl;
    try {
      await applyPlan(await buildPlan(ws.run, planOptions), o);
      assert.unreachable();
    } catch (e) {
      assert.instance(e, ApplyRefusal);
      assert.match(
        (e as ApplyRefusal).reasons[0]!,
        `cc-ci: cannot tell the forge and owner from ${ws.remote.ccci} (give --forge-url and --forge-owner)`,
      );
    }
  }));

test("a remote URL with credentials is never printed", () =>
  withForge(async (ws, _gitea, opts) => {
    git(ws.repo.ccci, "remote", "set-url", "origin", "https://bot:tok3n@example.org/");
    const o = opts([]);
    delete o.forgeUrl;
    try {
      await applyPlan(await buildPlan(ws.run, planOptions), o);
      assert.unreachable();
    } catch (e) {
      assert.instance(e, ApplyRefusal);
      const text = (e as ApplyRefusal).reasons.join("\n");
      assert.match(text, "cannot tell the forge and owner from https://***@example.org/");
      assert.not.match(text, "tok3n");
    }
  }));

test.run();
