import { join } from "node:path";
import { writeFileSync } from "node:fs";
import { execa } from "execa";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { PACKAGE_ROOT } from "../../core/package.js";
import { buildPlan } from "../../apply/plan.js";
import { SelectionError } from "../../apply/select.js";
import { patchDigest } from "../../reports/review.js";
import { GIT_ENV, git, makeWorkspace, snapshot } from "./support.js";

const BIN = join(PACKAGE_ROOT, "dist", "cli", "main.js");

async function redfix(args: string[]) {
  const r = await execa("node", [BIN, ...args], {
    reject: false,
    timeout: 120_000,
    stripFinalNewline: false,
    env: { ...GIT_ENV, REDFIX_GITEA_TOKEN: "" },
  });
  return { code: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
}

const base = { group: "patch" as const, branchPrefix: "redfix/", gitEnv: GIT_ENV };
const names = async (run: string, only: Parameters<typeof buildPlan>[1]["only"]) =>
  (await buildPlan(run, { ...base, only })).steps.map((s) => s.patches.map((p) => p.relPath).join(","));

test("selections: by finding prefix, patch, recipe, rule; kinds narrow, values of one kind add", async () => {
  const ws = makeWorkspace();
  try {
    assert.equal(await names(ws.run, { findings: ["2e3f"] }), ["patches/gitea/0001-RF130-gitea.patch"]);
    assert.equal(await names(ws.run, { patches: ["discourse/0002-RF102-discourse.patch"] }), [
      "patches/discourse/0002-RF102-discourse.patch",
    ]);
    assert.equal(await names(ws.run, { patches: ["patches/gitea/0001-RF130-gitea.patch"] }), [
      "patches/gitea/0001-RF130-gitea.patch",
    ]);
    assert.equal(await names(ws.run, { recipes: ["discourse"] }), [
      "patches/discourse/0001-RF101-discourse.patch",
      "patches/discourse/0002-RF102-discourse.patch",
    ]);
    assert.equal(await names(ws.run, { recipes: ["discourse"], rules: ["RF102"] }), [
      "patches/discourse/0002-RF102-discourse.patch",
    ]);
    assert.equal(await names(ws.run, { rules: ["RF102", "RF130"] }), [
      "patches/discourse/0002-RF102-discourse.patch",
      "patches/gitea/0001-RF130-gitea.patch",
    ]);
    // One value that matches nothing refuses the whole selection; so do kinds that exclude each other.
    for (const only of [{ rules: ["RF130", "RF999"] }, { recipes: ["gitea"], rules: ["RF101"] }]) {
      const e = await names(ws.run, only).catch((x: unknown) => x);
      assert.instance(e, SelectionError, JSON.stringify(only));
    }
  } finally {
    ws.cleanup();
  }
});

test("redfix apply --rule RF999: exit 2, one line, nothing touched", async () => {
  const ws = makeWorkspace();
  try {
    const before = snapshot(ws.repo.gitea);
    const r = await redfix(["apply", ws.run, "--rule", "RF999", "--patch", "gitea/nope.patch"]);
    assert.is(r.code, 2);
    assert.is(
      r.stderr,
      'redfix apply: no patch of the run matches --patch "gitea/nope.patch", --rule "RF999"\n',
    );
    assert.is(snapshot(ws.repo.gitea), before);
  } finally {
    ws.cleanup();
  }
});

test("redfix apply with review.json: only accepted patches, and it says so; a changed patch is undecided", async () => {
  const ws = makeWorkspace();
  try {
    const decide = (decision: string, sha256?: string) => ({
      decision,
      by: "alice",
      note: "",
      ...(sha256 ? { sha256 } : {}),
    });
    writeFileSync(
      join(ws.run, "review.json"),
      JSON.stringify({
        decisions: {
          "patches/discourse/0001-RF101-discourse.patch": decide("accept"),
          "patches/discourse/0002-RF102-discourse.patch": decide("reject"),
          "patches/cc-ci/0001-RF201-keycloak.patch": decide("accept", "0".repeat(64)),
          "patches/gitea/0001-RF130-gitea.patch": decide(
            "defer",
            patchDigest(join(ws.run, "patches/gitea/0001-RF130-gitea.patch")),
          ),
        },
      }),
    );
    const r = await redfix(["apply", ws.run]);
    assert.is(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split("\n");
    assert.is(
      lines[0],
      `${ws.run}/review.json: 1 accepted, 1 rejected, 1 deferred, 1 undecided; applying only the 1 accepted`,
    );
    assert.is(
      lines[1],
      "  patches/cc-ci/0001-RF201-keycloak.patch changed since it was reviewed: counted as undecided",
    );
    assert.match(lines[2]!, /^discourse: branch redfix\/rf101-discourse from main, commit [0-9a-f]{12}$/);
    assert.is(lines.length, 3);
    assert.is(
      git(ws.repo.discourse, "branch", "--list", "--format=%(refname:short)", "redfix/*"),
      "redfix/rf101-discourse",
    );
    assert.is(git(ws.repo.gitea, "branch", "--list", "redfix/*"), "");
    assert.is(git(ws.repo.ccci, "branch", "--list", "redfix/*"), "");

    // Nothing accepted among the selection: nothing to apply, exit 0.
    const none = await redfix(["apply", ws.run, "--recipe", "gitea"]);
    assert.is(none.code, 0, none.stderr);
    assert.match(none.stdout, "0 accepted, 0 rejected, 1 deferred, 0 undecided");
    assert.match(none.stdout, "no accepted patch: nothing to apply");
  } finally {
    ws.cleanup();
  }
});

test.run();
