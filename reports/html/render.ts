/**
 * The HTML evidence report (issue 6): one self-contained file per run directory, from the Handlebars
 * templates in templates/report/. Inline CSS and JS only, allowed by their sha256 in a
 * Content-Security-Policy meta tag; nothing is fetched. The same run directory gives the same bytes.
 */
import { createHash } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { rename, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import Handlebars from "handlebars";
import { readRunInputs, type RuleDocs } from "./inputs.js";
import { PACKAGE_ROOT } from "../../core/package.js";
import { buildView, type ReportView } from "./view.js";

export type { RuleDocs } from "./inputs.js";

export interface ReportOptions {
  /** Rule docs by id; they override what redfix.sarif in the run directory says. */
  rules?: Record<string, RuleDocs>;
  /** A date for the run details, only when asked for (`redfix report --date`): it changes the bytes. */
  date?: string;
}

export const REPORT_FILE = "report.html";

export async function renderReport(runDir: string, options: ReportOptions = {}): Promise<string> {
  const view = await buildView(await readRunInputs(runDir, options.rules));
  if (options.date) view.run.date = options.date;
  const t = templates();
  return t.page({ ...view, summary: summary(view), csp: t.csp, style: t.style, script: t.script });
}

/** Writes `<runDir>/report.html` and returns its path. */
export async function writeReport(runDir: string, options: ReportOptions = {}): Promise<string> {
  const html = await renderReport(runDir, options);
  const path = join(resolve(runDir), REPORT_FILE);
  // Through a rename, so a browser reloading the report never reads half of it.
  await writeFile(`${path}.tmp`, html);
  await rename(`${path}.tmp`, path);
  return path;
}

function summary(view: ReportView): string {
  const n = (label: string): number => view.totals.find((t) => t.label === label)?.value ?? 0;
  const plural = (k: number, one: string, many: string): string => `${k} ${k === 1 ? one : many}`;
  return `${plural(n("findings"), "finding", "findings")} in ${plural(n("recipes"), "recipe", "recipes")}`;
}

interface Templates {
  page: Handlebars.TemplateDelegate;
  style: string;
  script: string;
  csp: string;
}

let cached: Templates | null = null;

function templates(): Templates {
  if (cached) return cached;
  const dir = join(PACKAGE_ROOT, "templates", "report");
  const hbs = Handlebars.create();
  for (const f of readdirSync(dir).sort())
    if (f.endsWith(".hbs") && f !== "report.hbs")
      hbs.registerPartial(f.slice(0, -4), readFileSync(join(dir, f), "utf8"));
  const asset = (f: string) => readFileSync(join(dir, f), "utf8");
  // Diffs are drawn by report.js from the patch text, so no diff library's stylesheet is inlined.
  // review.css/review.js: the per-patch decisions (decision.hbs), kept apart from the report's own.
  const style = `${asset("report.css")}
${asset("review.css")}`;
  const script = `${asset("report.js")}
${asset("review.js")}`;
  // The assets are written raw into <style> and <script>: they must not be able to close them.
  if (/<\/style/i.test(style) || /<\/script/i.test(script) || /<!--/.test(script))
    throw new Error("templates/report: an inline asset contains a closing tag");
  const csp = [
    "default-src 'none'",
    `style-src ${sha256(style)}`,
    `script-src ${sha256(script)}`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join("; ");
  // strict: a field the view lacks is a template error, not an empty cell.
  const page = hbs.compile(readFileSync(join(dir, "report.hbs"), "utf8"), { strict: true });
  cached = { page, style, script, csp };
  return cached;
}

function sha256(text: string): string {
  return `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;
}
