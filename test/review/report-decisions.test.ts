/**
 * The report's review decisions in a real browser (Chromium, offline, from file://): the decision
 * review.json holds is shown and checked; choosing, noting and saving makes a review.json that
 * `redfix apply` reads. Skipped (with the reason) only when Chromium is not installed.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { launchChromium } from "../../reports/html/browser.js";
import { needs } from "../support/tools.js";
import { renderReport, writeReport } from "../../reports/html/render.js";
import { patchDigest, readReview, validateReview } from "../../reports/review.js";
import { exampleRun } from "../report/fixture.js";

const it = needs("chromium");

const GITEA = "patches/gitea/0001-RF130-gitea.patch";
const DISCOURSE = "patches/discourse/0001-RF101-discourse.patch";

test("each patch shows its review.json decision; a decision made on other patch bytes is not shown", async () => {
  const run = exampleRun();
  try {
    const sha = patchDigest(join(run.dir, GITEA));
    writeFileSync(
      join(run.dir, "review.json"),
      JSON.stringify({
        decisions: {
          [GITEA]: { decision: "accept", by: "alice <a&b>", note: "ok", sha256: sha },
          [DISCOURSE]: { decision: "reject", by: "bob", note: "", sha256: "0".repeat(64) },
        },
      }),
    );
    const html = await renderReport(run.dir);
    assert.match(
      html,
      `<fieldset class="decision" data-patch="${GITEA}" data-sha256="${sha}" data-by="alice &lt;a&amp;b&gt;">`,
    );
    assert.match(html, `<code>${GITEA}</code>: <strong>accept</strong> by alice &lt;a&amp;b&gt;</legend>`);
    assert.match(html, `<code>${DISCOURSE}</code>: undecided</legend>`);
    assert.is(html, await renderReport(run.dir), "byte-identical");
  } finally {
    run.cleanup();
  }
});

it("choose, note and save in the page: the download is a review.json apply reads", async () => {
  const run = exampleRun();
  const browser = await launchChromium();
  try {
    writeFileSync(
      join(run.dir, "review.json"),
      JSON.stringify({ decisions: { [GITEA]: { decision: "defer", by: "alice", note: "later" } } }),
    );
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    await page.goto(pathToFileURL(await writeReport(run.dir)).href, { waitUntil: "load" });
    // Findings start collapsed: open the two whose patches are decided here.
    for (const patch of [GITEA, DISCOURSE])
      await page
        .locator(`article.finding:has(fieldset.decision[data-patch="${patch}"]) > details > summary`)
        .first()
        .click();
    const gitea = page.locator(`fieldset.decision[data-patch="${GITEA}"]`).first();
    assert.ok(await gitea.locator('input[value="defer"]').isChecked());
    await gitea.locator('input[value="accept"]').check();
    await gitea.locator(".decision-note input").fill("fixes the upgrade");
    const discourse = page.locator(`fieldset.decision[data-patch="${DISCOURSE}"]`).first();
    await discourse.locator('input[value="reject"]').check();
    await page.locator(".review-bar input").fill("carol");
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.locator(".review-bar button").click(),
    ]);
    assert.is(download.suggestedFilename(), "review.json");
    const text = readFileSync((await download.path())!, "utf8");
    const json = JSON.parse(text);
    assert.equal(validateReview(json), []);
    assert.equal(json, {
      decisions: {
        [DISCOURSE]: {
          decision: "reject",
          by: "carol",
          note: "",
          sha256: patchDigest(join(run.dir, DISCOURSE)),
        },
        [GITEA]: {
          decision: "accept",
          by: "carol",
          note: "fixes the upgrade",
          sha256: patchDigest(join(run.dir, GITEA)),
        },
      },
    });
    writeFileSync(join(run.dir, "review.json"), text);
    assert.is(readReview(run.dir)!.decisions[GITEA]!.decision, "accept");
    assert.match((await page.locator(".review-bar [role=status]").textContent()) ?? "", "2 decisions");
    assert.equal(errors, []);
  } finally {
    await browser.close();
    run.cleanup();
  }
});

test.run();
