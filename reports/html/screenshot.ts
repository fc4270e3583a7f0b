/**
 * Renders a run directory's report and photographs it for the README (docs/report.png):
 * `node dist/reports/html/screenshot.js <run-dir> <out.png> [width]`.
 */
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";
import { launchChromium } from "./browser.js";
import { writeReport } from "./render.js";

/** The top of the report (the board and the first findings): what a reader sees first. */
export async function screenshotReport(
  runDir: string,
  out: string,
  width = 1280,
  height = 1400,
): Promise<void> {
  const report = await writeReport(runDir);
  const browser = await launchChromium({ width, height });
  try {
    const page = await browser.context.newPage();
    await page.goto(pathToFileURL(report).href);
    await page.screenshot({ path: out, fullPage: false });
  } finally {
    await browser.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const [runDir, out, width] = process.argv.slice(2);
  if (!runDir || !out) {
    process.stderr.write("usage: node dist/reports/html/screenshot.js <run-dir> <out.png> [width]\n");
    process.exit(2);
  }
  await screenshotReport(runDir, resolve(out), width ? Number(width) : undefined);
  process.stdout.write(`${resolve(out)}\n`);
}
