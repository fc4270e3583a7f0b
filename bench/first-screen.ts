/**
 * How long a report takes to show its first screen in headless Chromium (Debian's, through
 * playwright-core), from file://: `node dist/bench/first-screen.js <report.html>` prints JSON with the
 * first and the largest contentful paint, the load event and the script's end (findings unpacked
 * and on the page), in ms from navigation start, best of three fresh pages.
 */
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";
import { chromiumMissing, launchChromium } from "../reports/html/browser.js";

export interface FirstScreen {
  /** First contentful paint. */
  fcpMs: number;
  /** Largest contentful paint: the first screen's main content (the totals, the board) drawn. */
  lcpMs: number;
  /** The end of the load event: the page parsed, laid out and its script run. */
  loadMs: number;
  /** The script done: the findings unpacked (a packed report) and on the page, filters ready. */
  readyMs: number;
  /** Findings on the page then. */
  findings: number;
}

export async function firstScreen(report: string, runs = 3): Promise<FirstScreen | { skipped: string }> {
  const missing = chromiumMissing();
  if (missing) return { skipped: missing };
  const browser = await launchChromium({ width: 1280, height: 900 });
  try {
    const results: FirstScreen[] = [];
    for (let i = 0; i < runs; i++) {
      const page = await browser.context.newPage();
      // A catalogue-sized report may take longer than playwright's default 30 s to load.
      await page.goto(pathToFileURL(resolve(report)).href, { waitUntil: "load", timeout: 600_000 });
      await page.waitForSelector("html[data-ready-ms]", { state: "attached", timeout: 600_000 });
      // A string, not a function: the report's CSP forbids eval, and a string runs through CDP.
      const timing = (await page.evaluate(
        `(() => {
          const nav = performance.getEntriesByType("navigation")[0];
          const fcp = performance.getEntriesByName("first-contentful-paint")[0];
          return new Promise((done) => {
            // The largest paint comes from an observer; buffered, it reports what was already painted.
            new PerformanceObserver((list) => {
              const all = list.getEntries();
              done({
                fcpMs: fcp ? fcp.startTime : -1,
                lcpMs: all.length ? all[all.length - 1].startTime : -1,
                loadMs: nav.loadEventEnd,
                readyMs: Number(document.documentElement.dataset.readyMs),
                findings: document.querySelectorAll("article.finding").length,
              });
            }).observe({ type: "largest-contentful-paint", buffered: true });
          });
        })()`,
      )) as FirstScreen;
      results.push({
        fcpMs: Math.round(timing.fcpMs),
        lcpMs: Math.round(timing.lcpMs),
        loadMs: Math.round(timing.loadMs),
        readyMs: timing.readyMs,
        findings: timing.findings,
      });
      await page.close();
    }
    return results.reduce((a, b) => (a.loadMs <= b.loadMs ? a : b));
  } finally {
    await browser.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.stdout.write(JSON.stringify(await firstScreen(process.argv[2]!)));
}
