import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { analyze } from "../../pipeline/analyze.js";
import { isWellFormedRemote } from "../../analyzers/R013-recipe-repo.js";
import { FIXTURES, git, removeDir, repoFrom, tempDir } from "../support/workspace.js";
import { cpSync } from "node:fs";

const FIXTURE = join(FIXTURES, "rules", "R006-R014", "workspace");
const GIT_RULES = ["R006", "R013", "R014"];

/**
 * `released`: an annotated and a lightweight tag, packed, then one of each loose, with an https origin; `unreleased`: no tag and
 * an origin that is a local path; `plain`: copied without `.git`.
 */
function workspace(): string {
  const dir = repoFrom(FIXTURE);
  const released = join(dir, "released");
  git(released, "tag", "-a", "1.0.0+1.27.2", "-m", "first release");
  git(released, "tag", "1.1.0+1.27.3");
  git(released, "pack-refs", "--all");
  git(released, "tag", "-a", "1.2.0+1.27.3", "-m", "loose annotated tag");
  git(released, "tag", "1.2.1+1.27.3");
  git(released, "remote", "add", "origin", "https://git.coopcloud.tech/coop-cloud/released.git");
  git(join(dir, "unreleased"), "remote", "add", "origin", "/srv/git/unreleased");
  removeDir(join(dir, "plain"));
  cpSync(join(FIXTURE, "plain"), join(dir, "plain"), { recursive: true });
  return dir;
}

test("R006, R013, R014 judge the recipe's git repo: tags, annotated or not (loose and packed), and origin", async () => {
  const dir = workspace();
  try {
    const { findings } = await analyze({ recipes: dir, rules: GIT_RULES });
    assert.equal(
      findings.map((f) => `${f.rule} ${f.severity} ${f.file}:${f.line} ${f.message.split(":")[0]}`).sort(),
      [
        "R006 warning unreleased/compose.yml:8 the recipe has no release tag, so no published version",
        "R013 warning unreleased/compose.yml:8 the `origin` remote `/srv/git/unreleased` is not a clonable URL",
        "R014 error released/compose.yml:8 tag `1.1.0+1.27.3` is lightweight",
        "R014 error released/compose.yml:8 tag `1.2.1+1.27.3` is lightweight",
        "R014 info plain/compose.yml:8 plain is not a git repository",
      ],
    );
    const tag = findings.find((f) => f.message.includes("1.1.0+1.27.3"))!;
    assert.match(tag.message, /git tag -a -f 1\.1\.0\+1\.27\.3 1\.1\.0\+1\.27\.3\^\{\} -m/);
    const r006 = findings.find((f) => f.rule === "R006")!;
    assert.match(r006.message, /git tag -a 1\.1\.0\+1\.27\.3 -m/, "the version the label states");
  } finally {
    removeDir(dir);
  }
});

test("R013: a repo with no origin at all is reported; a recipe outside git is skipped, not passed", async () => {
  const dir = repoFrom(join(FIXTURE, "released"));
  const plain = tempDir();
  cpSync(join(FIXTURE, "plain"), plain, { recursive: true });
  try {
    const { findings } = await analyze({ recipes: dir, rules: ["R013"] });
    assert.is(findings.length, 1);
    assert.match(findings[0]!.message, /has no `origin` remote/);
    const outside = await analyze({ recipes: plain, rules: GIT_RULES });
    assert.equal(
      outside.findings.map((f) => [f.rule, f.severity]),
      [["R014", "info"]],
    );
  } finally {
    removeDir(dir);
    removeDir(plain);
  }
});

test("R014 reads tag types when git has packed the objects too (after gc)", async () => {
  const dir = repoFrom(join(FIXTURE, "released"));
  try {
    git(dir, "tag", "-a", "1.0.0+1.27.2", "-m", "first release");
    git(dir, "tag", "1.1.0+1.27.3");
    git(dir, "gc", "-q", "--prune=now");
    git(dir, "tag", "1.1.1+1.27.3");
    const { findings } = await analyze({ recipes: dir, rules: ["R014"] });
    assert.equal(findings.map((f) => f.message.split(":")[0]).sort(), [
      "tag `1.1.0+1.27.3` is lightweight",
      "tag `1.1.1+1.27.3` is lightweight",
    ]);
  } finally {
    removeDir(dir);
  }
});

test("R013: remote URL forms", () => {
  for (const u of [
    "https://git.coopcloud.tech/coop-cloud/gitea.git",
    "ssh://git@git.coopcloud.tech:2222/coop-cloud/gitea.git",
    "git@git.coopcloud.tech:coop-cloud/gitea.git",
    "gitea-host:coop-cloud/gitea",
  ]) {
    assert.ok(isWellFormedRemote(u), u);
  }
  for (const u of ["/srv/git/gitea", "../gitea", "file:///srv/git/gitea", "https://", "https:/host/x"]) {
    assert.not.ok(isWellFormedRemote(u), u);
  }
});

test.run();
