import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { PACKAGE_ROOT } from "../../core/package.js";
import { patchDigest, readReview, validateReview } from "../../reports/review.js";
import { GIT_ENV, makeWorkspace } from "../apply/support.js";

const BIN = join(PACKAGE_ROOT, "dist", "cli", "main.js");

async function redfix(args: string[], input = "") {
  const r = await execa("node", [BIN, ...args], {
    reject: false,
    timeout: 120_000,
    input,
    stripFinalNewline: false,
    env: { ...GIT_ENV, REDFIX_GITEA_TOKEN: "" },
  });
  return { code: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
}

const ALL = [
  "patches/cc-ci/0001-RF201-keycloak.patch",
  "patches/discourse/0001-RF101-discourse.patch",
  "patches/discourse/0002-RF102-discourse.patch",
  "patches/gitea/0001-RF130-gitea.patch",
];

test("redfix review: answers piped on stdin become review.json, notes kept, bytes stable", async () => {
  const ws = makeWorkspace();
  try {
    // Series order: cc-ci, discourse 1, discourse 2, gitea. `x` is not an answer: help, then asked again.
    const r = await redfix(["review", ws.run, "--by", "alice"], "y\nx\nn needs a migration\nd\ns\n");
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stdout, "(1/4) patches/cc-ci/0001-RF201-keycloak.patch");
    assert.match(r.stdout, "evidence gitea/compose.yml:12: target: /etc/gitea/app.ini");
    assert.match(r.stdout, "verification: confirmed-fix (before 0 passed 5 failed; after 5 passed 0 failed)");
    assert.match(r.stdout, "+    entrypoint: /render-app-ini.sh");
    assert.match(r.stdout, "d - defer this patch");
    assert.match(r.stdout, "1 accepted, 1 rejected, 1 deferred; written to");
    const review = readReview(ws.run)!;
    assert.equal(validateReview(review), []);
    assert.equal(Object.keys(review.decisions), ALL.slice(0, 3));
    assert.equal(review.decisions[ALL[0]!], {
      decision: "accept",
      by: "alice",
      note: "",
      sha256: patchDigest(join(ws.run, ALL[0]!)),
    });
    assert.is(review.decisions[ALL[1]!]!.decision, "reject");
    assert.is(review.decisions[ALL[1]!]!.note, "needs a migration");
    assert.is(review.decisions[ALL[2]!]!.decision, "defer");
    const bytes = readFileSync(join(ws.run, "review.json"), "utf8");

    // A second walk asks only about the undecided gitea patch; end of input quits and keeps the file.
    const again = await redfix(["review", ws.run, "--by", "bob"], "");
    assert.is(again.code, 0, again.stderr);
    assert.match(again.stdout, "(1/1) patches/gitea/0001-RF130-gitea.patch");
    assert.match(again.stdout, "(quit); nothing written");
    assert.is(readFileSync(join(ws.run, "review.json"), "utf8"), bytes);

    // --all goes over decided patches again and shows what was decided.
    const all = await redfix(["review", ws.run, "--all", "--by", "bob", "--patch", ALL[1]!], "y\n");
    assert.match(all.stdout, "decided: reject by alice: needs a migration");
    assert.is(readReview(ws.run)!.decisions[ALL[1]!]!.by, "bob");
  } finally {
    ws.cleanup();
  }
});

test("redfix review: recipe text with terminal escapes is shown inert", async () => {
  const ws = makeWorkspace();
  try {
    const f = join(ws.run, "findings.json");
    const doc = JSON.parse(readFileSync(f, "utf8"));
    doc.findings[2].message = "evil \u001b]0;owned\u0007 \u202etext";
    writeFileSync(f, JSON.stringify(doc));
    const r = await redfix(["review", ws.run, "--recipe", "gitea", "--by", "a"], "s\n");
    assert.is(r.code, 0, r.stderr);
    assert.not.match(r.stdout, "\u001b");
    assert.not.match(r.stdout, "\u202e");
    assert.match(r.stdout, "evil \\x1b]0;owned\\x07 \\u{202e}text");
  } finally {
    ws.cleanup();
  }
});

test("redfix review: a selection that matches nothing and a malformed review.json are usage errors", async () => {
  const ws = makeWorkspace();
  try {
    const r = await redfix(["review", ws.run, "--rule", "RF999"], "");
    assert.is(r.code, 2);
    assert.match(r.stderr, 'no patch of the run matches --rule "RF999"');
    writeFileSync(
      join(ws.run, "review.json"),
      '{"decisions":{"patches/gitea/x.patch":{"decision":"maybe"}}}',
    );
    const bad = await redfix(["review", ws.run], "");
    assert.is(bad.code, 2);
    assert.match(bad.stderr, "decision must be one of accept, reject, defer");
  } finally {
    ws.cleanup();
  }
});

test.run();
