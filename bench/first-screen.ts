/**
 * How long a report takes to show its first screen in headless Chromium (Debian's, through
 * playwright-core), from file://: `node dist/bench/first-screen.js <report.html>` prints JSON with the
 * first contentful paint and the load event, in ms from navigation start, best of three fresh pages.
 */
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";
import { chromiumMissing, launchChromium } from "../reports/html/browser.js";

export interface FirstScreen {
  /** First contentful paint. */
  fcpMs: number;
  /** The end of the load event: the page parsed, laid out and its script run. */
  loadMs: number;
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
      // A string, not a function: the report's CSP forbids eval, and a string runs through CDP.
      const timing = (await page.evaluate(
        `(() => {
          const nav = performance.getEntriesByType("navigation")[0];
          const fcp = performance.getEntriesByName("first-contentful-paint")[0];
          return { fcpMs: fcp ? fcp.startTime : -1, loadMs: nav.loadEventEnd };
        })()`,
      )) as FirstScreen;
      results.push({ fcpMs: Math.round(timing.fcpMs), loadMs: Math.round(timing.loadMs) });
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
