/**
 * The example report in a real browser: Debian's Chromium through playwright-core, from file://,
 * offline, with a fresh profile. Skipped (with the reason) only when Chromium is not installed.
 */
import { readFileSync } from "node:fs";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Page } from "playwright-core";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { launchChromium, type Browser } from "../../reports/html/browser.js";
import { needs } from "../support/tools.js";
import { writeReport } from "../../reports/html/render.js";
import { screenshotReport } from "../../reports/html/screenshot.js";
import { exampleRun, type ExampleRun } from "./fixture.js";

const it = needs("chromium");

let run: ExampleRun;
let url: string;
let browser: Browser;
let page: Page;
const requests: string[] = [];
const consoleErrors: string[] = [];
const dialogs: string[] = [];
const pageErrors: string[] = [];

/** A page on the report that records every request, console message, page error and dialog. */
async function openReport(): Promise<Page> {
  const p = await browser.context.newPage();
  p.on("request", (r) => requests.push(r.url()));
  p.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") consoleErrors.push(m.text());
  });
  p.on("pageerror", (e) => pageErrors.push(e.message));
  p.on("dialog", (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await p.goto(url, { waitUntil: "load" });
  return p;
}

test.before(async () => {
  if (it.missing) return;
  run = exampleRun();
  url = pathToFileURL(await writeReport(run.dir)).href;
  browser = await launchChromium();
  page = await openReport();
});

test.after(async () => {
  if (it.missing) return;
  await browser.close();
  run.cleanup();
});

async function visibleRecipes(): Promise<string[]> {
  const rows = page.locator("#board tbody tr");
  const out: string[] = [];
  for (let i = 0; i < (await rows.count()); i++)
    if (await rows.nth(i).isVisible()) out.push((await rows.nth(i).getAttribute("data-recipe"))!);
  return out;
}

async function visibleFindings(): Promise<string[]> {
  const all = page.locator("article.finding");
  const out: string[] = [];
  for (let i = 0; i < (await all.count()); i++)
    if (await all.nth(i).isVisible()) out.push((await all.nth(i).getAttribute("data-rule"))!);
  return out;
}

it("shows the board's six recipe rows; a finding opens to a diff drawn from its patch", async () => {
  assert.equal(await visibleRecipes(), [
    "bluesky-pds",
    "discourse",
    "gitea",
    "keycloak",
    "mattermost-lts",
    "mumble",
  ]);
  // Findings start collapsed: the patch is not drawn until its finding opens.
  const finding = page.locator("#finding-9c1e0d2b7a4f3e61");
  assert.not.ok(await finding.locator("pre.patch").isVisible());
  assert.is(await page.locator("pre.diff-view").count(), 0);
  await finding.locator("> details > summary").click();
  const diff = finding.locator("pre.patch.diff-view").first();
  await diff.waitFor();
  await diff.scrollIntoViewIfNeeded();
  const box = await diff.boundingBox();
  assert.ok(box && box.height > 100, "the diff has a real height");
  const added = finding.locator("pre.diff-view .d-add");
  assert.ok((await added.count()) > 0, "added lines are marked");
  const first = (await added.first().textContent())!;
  assert.match(first, /^\d*\+/, first);
  // The drawn diff holds the patch's own lines: the same text, one row per line.
  const rows = await finding.locator("pre.diff-view > span").count();
  const patchLines = readFileSync(
    join(run.dir, "patches/mattermost-lts/0001-RF110-mattermost-lts.patch"),
    "utf8",
  )
    .trimEnd()
    .split("\n").length;
  assert.is(rows, patchLines);
  // The inline script ran (CSP allowed its hash): it reveals the filters.
  assert.ok(await page.locator("#filters").isVisible());
});

it("filters hide the rows and findings that do not match, and reset shows them again", async () => {
  await page.selectOption('select[name="rule"]', "RF110");
  assert.equal(await visibleRecipes(), ["mattermost-lts"]);
  assert.equal(await visibleFindings(), ["RF110"]);
  assert.is(await page.locator("#shown").textContent(), "Showing 1 of 8 findings in 1 of 6 recipes");

  await page.selectOption('select[name="rule"]', "");
  await page.selectOption('select[name="target"]', "harness");
  assert.equal(await visibleRecipes(), ["discourse", "keycloak", "mumble"]);
  // In discourse's row only the harness finding (RF204) stays listed.
  const row = page.locator('#board tr[data-recipe="discourse"]');
  assert.ok(await row.locator("li", { hasText: "RF204" }).first().isVisible());
  assert.not.ok(await row.locator("li", { hasText: "RF101" }).first().isVisible());

  await page.selectOption('select[name="severity"]', "error");
  await page.selectOption('select[name="classification"]', "load-flake");
  assert.equal(await visibleRecipes(), []);
  assert.ok(await page.locator("#none-shown").isVisible());

  await page.click('#filters button[type="reset"]');
  // Selector waits, not waitForFunction: a string predicate is eval'd in the page, and the CSP forbids eval.
  await page.waitForSelector(".filtered-out", { state: "detached" });
  assert.is((await visibleRecipes()).length, 6);
  assert.is((await visibleFindings()).length, 8);
});

it("is usable from the keyboard: the skip link first, filters reachable, focus visible", async () => {
  const fresh = await openReport();
  await fresh.keyboard.press("Tab");
  assert.is(await fresh.evaluate("document.activeElement.textContent"), "Skip to the findings");
  await fresh.keyboard.press("Tab");
  assert.is(await fresh.evaluate("document.activeElement.name"), "rule", "the first filter comes next");
  assert.is.not(await fresh.evaluate("getComputedStyle(document.activeElement).outlineStyle"), "none");
  // Arrow keys on the focused filter choose the first rule; the board follows.
  await fresh.keyboard.press("ArrowDown");
  assert.is(await fresh.evaluate("document.activeElement.value"), "RF002");
  assert.is(await fresh.locator("#shown").textContent(), "Showing 1 of 8 findings in 1 of 6 recipes");
  await fresh.keyboard.press("Tab");
  assert.is(await fresh.evaluate("document.activeElement.name"), "severity");
  await fresh.close();
});

it("copies the git apply command", async () => {
  await page.locator("#finding-c48f1a6e2d907b3c > details > summary").click();
  const button = page.locator("#finding-c48f1a6e2d907b3c button.copy");
  assert.ok(await button.isVisible());
  await button.click();
  await page.locator("#finding-c48f1a6e2d907b3c .copy-status").filter({ hasText: /\S/ }).waitFor();
  const status = await page.locator("#finding-c48f1a6e2d907b3c .copy-status").textContent();
  assert.ok(status === "Copied." || status!.startsWith("Selected"), status!);
});

it("prints without filters and with every log expanded", async () => {
  await page.selectOption('select[name="rule"]', "RF110");
  await page.emulateMedia({ media: "print" });
  await page.evaluate('window.dispatchEvent(new Event("beforeprint"))');
  assert.not.ok(await page.locator("#filters").isVisible());
  assert.is((await visibleRecipes()).length, 6, "a filtered board still prints whole");
  assert.is(await page.locator("details:not([open])").count(), 0);
  await page.evaluate('window.dispatchEvent(new Event("afterprint"))');
  await page.emulateMedia({ media: "screen" });
  assert.ok((await page.locator("details:not([open])").count()) > 10);
  await page.click('#filters button[type="reset"]');
});

it("filters are kept in the URL hash, and a filtered link opens filtered", async () => {
  await page.selectOption('select[name="rule"]', "RF110");
  await page.selectOption('select[name="severity"]', "error");
  const hash = (await page.evaluate("location.hash")) as string;
  assert.is(hash, "#filter:rule=RF110&severity=error");
  const other = await browser.context.newPage();
  const otherErrors: string[] = [];
  other.on("pageerror", (e) => otherErrors.push(e.message));
  await other.goto(url + hash);
  assert.is(await other.locator('select[name="rule"]').inputValue(), "RF110");
  assert.is(await other.locator("#shown").textContent(), "Showing 1 of 8 findings in 1 of 6 recipes");
  // A hash naming no option (or markup) selects nothing and breaks nothing.
  for (const bad of [
    "#filter:rule=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E",
    "#%E0%A4%A",
    '#"><img src=x>',
  ]) {
    await other.goto(url + bad);
    assert.is(await other.locator('select[name="rule"]').inputValue(), "");
    assert.is(await other.locator("article.finding:visible").count(), 8);
  }
  assert.equal(otherErrors, []);
  await other.close();
  await page.click('#filters button[type="reset"]');
  await page.waitForSelector(".filtered-out", { state: "detached" });
  assert.is(await page.evaluate("location.hash"), "");
});

it("a link to a finding opens it; the sticky bar stays on screen and leads back to the summary", async () => {
  await page.click('#board a[href="#finding-5b2e7f10c4d9a832"]');
  // Its summary line is on screen below the sticky bar, not under it.
  const opened = await page.locator("#finding-5b2e7f10c4d9a832").boundingBox();
  assert.ok(opened && opened.y >= 30 && opened.y < 200, `the finding starts below the bar (y ${opened?.y})`);
  assert.ok(await page.evaluate('document.querySelector("#finding-5b2e7f10c4d9a832 > details").open'));
  const bar = page.locator("nav.bar");
  const box = await bar.boundingBox();
  assert.ok(box && box.y >= 0 && box.y < 5, `the bar is at the top of the viewport (y ${box?.y})`);
  await bar.locator('a[href="#summary"]').click();
  const top = await page.locator("#summary").boundingBox();
  assert.ok(top && top.y >= 0 && top.y < 80, `back at the summary (y ${top?.y})`);
});

it("reads on a narrow screen: board rows become cards, nothing widens the page", async () => {
  await page.setViewportSize({ width: 400, height: 800 });
  // Every finding open, its diff drawn: still no horizontal scrolling.
  await page.evaluate('for (const d of document.querySelectorAll("details")) d.open = true');
  await page.waitForSelector("pre.patch:not(.diff-view)", { state: "detached" });
  const display = await page.evaluate(
    `getComputedStyle(document.querySelector('#board tr[data-recipe="gitea"]')).display`,
  );
  assert.is(display, "block");
  const [scroll, client] = (await page.evaluate(
    "[document.documentElement.scrollWidth, document.documentElement.clientWidth]",
  )) as [number, number];
  assert.ok(scroll <= client, `page is ${scroll}px wide in a ${client}px viewport`);
  await page.setViewportSize({ width: 1280, height: 900 });
});

it("a packed report unpacks its findings: all there, filters and links work, nothing blocked", async () => {
  {
    const r = exampleRun();
    try {
      const packedUrl = pathToFileURL(await writeReport(r.dir, { packAbove: 0 })).href;
      const p = await browser.context.newPage();
      const errors: string[] = [];
      p.on("console", (m) => {
        if (m.type() === "error" || m.type() === "warning") errors.push(m.text());
      });
      p.on("pageerror", (e) => errors.push(e.message));
      await p.goto(`${packedUrl}#finding-5b2e7f10c4d9a832`);
      await p.waitForSelector("html[data-ready-ms]", { state: "attached" });
      assert.is(await p.locator("article.finding").count(), 8);
      assert.is(await p.locator("#findings-packed").count(), 0);
      // review.js (the patch decisions) started after the unpacking: its bar is there.
      assert.is(await p.locator(".review-bar").count(), 1);
      // The hash named a finding that was still packed when the page loaded: it is open now.
      assert.ok(await p.evaluate('document.querySelector("#finding-5b2e7f10c4d9a832 > details").open'));
      await p.selectOption('select[name="rule"]', "RF110");
      assert.is(await p.locator("#shown").textContent(), "Showing 1 of 8 findings in 1 of 6 recipes");
      await p.locator("#finding-9c1e0d2b7a4f3e61 > details > summary").click();
      await p.locator("#finding-9c1e0d2b7a4f3e61 pre.diff-view").waitFor();
      const text = await p.locator("#finding-e01d4c7b9a3f2e18 .message").textContent();
      assert.match(text!, `<script>alert(1)</script>" onmouseover="alert(1)`);
      assert.is(await p.evaluate("window.__xss"), undefined);
      assert.equal(errors, []);
      await p.close();
    } finally {
      r.cleanup();
    }
  }
});

it("sends no request but the report itself, runs no injected content, breaks no CSP rule", async () => {
  assert.ok(requests.length >= 1);
  for (const r of requests) assert.is(r, url);
  assert.is(await page.evaluate("window.__xss"), undefined);
  assert.equal(dialogs, []);
  assert.equal(pageErrors, []);
  assert.equal(consoleErrors, []);
  // The injected strings are on the page, as text.
  const text = await page.locator("#finding-e01d4c7b9a3f2e18 .message").textContent();
  assert.match(text!, `<script>alert(1)</script>" onmouseover="alert(1)`);
});

it("a script the CSP does not allow is blocked and reported", async () => {
  // The control for the test above: the same page with a foreign inline script must not run it.
  const html = readFileSync(new URL(url), "utf8").replace(
    "</body>",
    "<script>window.__xss = 1</script></body>",
  );
  const p = await browser.context.newPage();
  const errors: string[] = [];
  p.on("console", (m) => errors.push(m.text()));
  await p.setContent(html);
  assert.is(await p.evaluate("window.__xss"), undefined);
  assert.ok(
    errors.some((e) => e.includes("Content Security Policy")),
    errors.join("\n"),
  );
  await p.close();
});

it("the screenshot script photographs the report", async () => {
  const dir = mkdtempSync(join(tmpdir(), "redfix-shot-"));
  try {
    const out = join(dir, "report.png");
    await screenshotReport(run.dir, out, 900, 700);
    const png = readFileSync(out);
    assert.equal([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.is(png.readUInt32BE(16), 900);
    assert.is(png.readUInt32BE(20), 700);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
