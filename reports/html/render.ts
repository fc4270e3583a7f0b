/**
 * The HTML evidence report (issue 6): one self-contained file per run directory, from the Handlebars
 * templates in templates/report/. Inline CSS and JS only, allowed by their sha256 in a
 * Content-Security-Policy meta tag; nothing is fetched. The same run directory gives the same bytes.
 */
import { createHash, randomUUID } from "node:crypto";
import { constants, readFileSync, readdirSync } from "node:fs";
import { open, rename } from "node:fs/promises";
import { once } from "node:events";
import { createGzip } from "node:zlib";
import { join } from "node:path";
import { RunDirWriter } from "../run-dir.js";
import type HandlebarsApi from "handlebars";
import type { TemplateDelegate } from "handlebars";
import { readRunInputs, type RuleDocs, type WrittenRun } from "./inputs.js";
import { PACKAGE_ROOT } from "../../core/package.js";
import { REPORT_FILE } from "./report-file.js";
import { FindingBodies, buildView, type FindingView, type ReportView } from "./view.js";

export type { RuleDocs, WrittenRun } from "./inputs.js";

export interface ReportOptions {
  /** Rule docs by id; they override what redfix.sarif in the run directory says. */
  rules?: Record<string, RuleDocs>;
  /** A date for the run details, only when asked for (`redfix report --date`): it changes the bytes. */
  date?: string;
  /** Pack the findings when their markup is longer than this (characters); default PACK_ABOVE. */
  packAbove?: number;
  /** What this process just wrote to the run directory, used instead of reading it back. */
  written?: WrittenRun;
  /**
   * false: compile the templates here even when `npm run build` compiled them ahead of time (the
   * two give the same bytes: test/report/precompiled.test.ts).
   */
  compiledAhead?: boolean;
}

export async function renderReport(runDir: string, options: ReportOptions = {}): Promise<string> {
  const parts: string[] = [];
  await streamReport(runDir, options, (s) => {
    parts.push(s);
  });
  return parts.join("");
}

/** Writes `<runDir>/report.html` and returns its path. */
export async function writeReport(runDir: string, options: ReportOptions = {}): Promise<string> {
  const w = new RunDirWriter(runDir, { create: false });
  const path = await writeReportWith(w, options);
  w.save();
  return path;
}

/**
 * `writeReport` through a writer the caller saves: analyze writes the run directory and renders the
 * report with one (reports/run-dir.ts `writeRunDirAlongside`).
 */
export async function writeReportWith(w: RunDirWriter, options: ReportOptions = {}): Promise<string> {
  const path = join(w.dir, REPORT_FILE);
  // Through a rename, so a browser reloading the report never reads half of it. The temporary file is
  // opened without following a link (a link there is refused), and the rename replaces a link at
  // report.html instead of following it.
  const tmp = w.claim(`${REPORT_FILE}.tmp`);
  const file = await open(
    tmp,
    constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW,
    0o644,
  );
  try {
    let buffered: string[] = [];
    let size = 0;
    const flush = async (): Promise<void> => {
      await file.writeFile(buffered.join(""));
      buffered = [];
      size = 0;
    };
    await streamReport(w.dir, options, async (s) => {
      buffered.push(s);
      size += s.length;
      if (size >= WRITE_CHUNK) await flush();
    });
    await flush();
  } finally {
    await file.close();
  }
  await rename(tmp, w.claim(REPORT_FILE));
  w.remove(`${REPORT_FILE}.tmp`);
  return path;
}

const WRITE_CHUNK = 1 << 20;

/**
 * The page in pieces: everything up to the findings, then one finding at a time with its excerpts
 * and patch (built, written and let go), then the rest. The same bytes as one render of the page.
 */
async function streamReport(
  runDir: string,
  options: ReportOptions,
  write: (s: string) => void | Promise<void>,
): Promise<void> {
  const input = await readRunInputs(runDir, options.rules, options.written);
  const view = await buildView(input);
  if (options.date) view.run.date = options.date;
  const t = await templates(options.compiledAhead ?? true);
  // A fresh mark each time: no text of the run can contain it.
  const slot = `<!--findings-${randomUUID()}-->`;
  const page = t.page({
    ...view,
    summary: summary(view),
    csp: t.csp,
    style: t.style,
    script: t.script,
    findingsSlot: slot,
  });
  const at = page.indexOf(slot);
  if (at < 0 || page.indexOf(slot, at + 1) >= 0)
    throw new Error("templates/report: report.hbs needs one findingsSlot");
  await write(page.slice(0, at));
  const bodies = new FindingBodies(input);
  // The findings are packed (gzip, base64) when their markup passes `packAbove`: the page's script
  // unpacks them after the first screen is drawn. Until then they are kept as they are, too.
  const packAbove = options.packAbove ?? PACK_ABOVE;
  let plain: string[] | null = [];
  let plainSize = 0;
  const gzip = createGzip({ level: 9 });
  const packed: Buffer[] = [];
  gzip.on("data", (c: Buffer) => packed.push(c));
  const ended = once(gzip, "end");
  // The markup goes to gzip in pieces of about PACK_CHUNK characters: one write per finding cost more
  // than the compression itself. Deflate's output does not depend on how its input is cut up, and it
  // runs on libuv's threads while the next findings are rendered.
  let chunk: string[] = [];
  let chunkSize = 0;
  const pack = async (): Promise<void> => {
    if (chunkSize === 0) return;
    const text = chunk.join("");
    chunk = [];
    chunkSize = 0;
    gzip.write(text);
    // Rendering is ten times slower than deflating: waiting for each piece to be deflated left the
    // thread idle. A few pieces are let queue up; only a backlog past PACK_QUEUED waits.
    if (gzip.writableLength > PACK_QUEUED) await once(gzip, "drain");
  };
  // Each finding's view is let go once written: a catalogue's views are tens of megabytes.
  const views: (FindingView | null)[] = view.findings;
  for (let i = 0; i < views.length; i++) {
    const one = views[i]!;
    views[i] = null;
    const html = t.finding(await bodies.fill(one, input.findings[i]!));
    if (plain) {
      plain.push(html);
      plainSize += html.length;
      if (plainSize > packAbove) plain = null;
    }
    chunk.push(html);
    chunkSize += html.length;
    if (chunkSize >= PACK_CHUNK) await pack();
  }
  await pack();
  gzip.end();
  await ended;
  if (plain) await write(plain.join(""));
  else
    await write(
      `<noscript><p class="problem">The findings are packed to keep this file small: open it with JavaScript ` +
        `allowed, or read findings.json.</p></noscript>\n` +
        `<pre id="findings-packed" hidden>${Buffer.concat(packed).toString("base64")}</pre>\n`,
    );
  await write(page.slice(at + slot.length));
}

const PACK_CHUNK = 1 << 18;
const PACK_QUEUED = 1 << 22;

/** Findings markup beyond this many characters is packed (a catalogue's report: see docs/performance.md). */
export const PACK_ABOVE = 1 << 20;

function summary(view: ReportView): string {
  const n = (label: string): number => view.totals.find((t) => t.label === label)?.value ?? 0;
  const plural = (k: number, one: string, many: string): string => `${k} ${k === 1 ? one : many}`;
  return `${plural(n("findings"), "finding", "findings")} in ${plural(n("recipes"), "recipe", "recipes")}`;
}

interface Templates {
  page: TemplateDelegate;
  finding: TemplateDelegate;
  style: string;
  script: string;
  csp: string;
}

const cached = new Map<boolean, Templates>();

async function templates(ahead: boolean): Promise<Templates> {
  const known = cached.get(ahead);
  if (known) return known;
  const dir = join(PACKAGE_ROOT, "templates", "report");
  const sources = new Map<string, string>();
  for (const f of readdirSync(dir).sort())
    if (f.endsWith(".hbs")) sources.set(f.slice(0, -4), readFileSync(join(dir, f), "utf8"));
  const { page, finding } = (ahead ? await precompiled(sources) : null) ?? (await compiled(sources));
  const asset = (f: string) => readFileSync(join(dir, f), "utf8");
  // Diffs are drawn by report.js from the patch text, so no diff library's stylesheet is inlined.
  // review.css/review.js: the per-patch decisions (decision.hbs), kept apart from the report's own.
  const style = `${asset("report.css")}\n${asset("review.css")}`;
  const script = `${asset("report.js")}\n${asset("review.js")}`;
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
  const made = { page, finding, style, script, csp };
  cached.set(ahead, made);
  return made;
}

type Compiled = Pick<Templates, "page" | "finding">;

/**
 * The templates as `npm run build` compiled them (scripts/precompile-templates.mjs), on Handlebars'
 * runtime alone; null when that build is missing or was made from other template sources.
 */
export async function precompiled(sources: Map<string, string>): Promise<Compiled | null> {
  let made: { digest: string; specs: Record<string, TemplateSpecification> };
  try {
    made = (await import(new URL("./precompiled-templates.js", import.meta.url).href)) as typeof made;
  } catch {
    return null;
  }
  const h = createHash("sha256");
  for (const [name, text] of sources) h.update(`${name}.hbs`).update("\0").update(text).update("\0");
  if (h.digest("hex") !== made.digest) return null;
  // The runtime alone: the compiler (and its source maps) is what precompiling saves loading.
  const { default: runtime } = (await import("handlebars/runtime.js")) as unknown as {
    default: Pick<typeof HandlebarsApi, "create">;
  };
  const hbs = runtime.create();
  const template = (name: string): TemplateDelegate => hbs.template(made.specs[name]!);
  for (const name of sources.keys()) if (name !== "report") hbs.registerPartial(name, template(name));
  return { page: template("report"), finding: template("finding") };
}

/** The templates compiled here (a checkout whose templates changed since the build). */
async function compiled(sources: Map<string, string>): Promise<Compiled> {
  const { default: Handlebars } = await import("handlebars");
  const hbs = Handlebars.create();
  for (const [name, text] of sources) if (name !== "report") hbs.registerPartial(name, text);
  // strict: a field the view lacks is a template error, not an empty cell.
  return {
    page: hbs.compile(sources.get("report")!, { strict: true }),
    finding: hbs.compile(sources.get("finding")!, { strict: true }),
  };
}

function sha256(text: string): string {
  return `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;
}
