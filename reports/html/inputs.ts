/** Reads the run directory's files the report is built from (docs/run-directory.md). */
import { constants, lstatSync } from "node:fs";
import { open } from "node:fs/promises";
import { readFileSafe, readTextSafe } from "../../core/safe-file.js";
import { dirname, join, resolve } from "node:path";
import type { Finding, FindingsDocument } from "../../core/finding.js";
import { VERSION } from "../../core/package.js";

/** What the report shows about a rule; redfix fills it from rule metadata (RuleMeta). */
export interface RuleDocs {
  name?: string;
  description?: string;
  /** Markdown. */
  docs?: string;
  /** An http(s) page about the rule; other schemes are not linked. */
  url?: string;
}

export interface RunRoots {
  recipes: string | null;
  harness: string | null;
}

export interface RunDetails {
  roots: { name: string; path: string; commit: string | null }[];
  profile: string | null;
  rules: string[];
  /** Only when run.json carries one: a report without a date is the same bytes on every run. */
  date: string | null;
}

export interface RunInputs {
  runDir: string;
  version: string;
  findings: Finding[];
  roots: RunRoots;
  repos: Map<string, { kind: string; path: string }>;
  rules: Map<string, RuleDocs>;
  /** What run.json says about the run, for the report's run details. */
  details: RunDetails;
  /** Problems with the run directory as a whole, shown at the top of the report. */
  notes: string[];
  /**
   * Whether the run directory has a `verify/` folder: without one (after analyze) no finding has a
   * verify record, and thousands of findings need no look-up each.
   */
  verifyRecords: boolean;
  /** The patch texts this process just wrote, by path relative to the run directory. */
  patchTexts?: ReadonlyMap<string, string>;
}

/**
 * findings.json is required (without it there is nothing to report, and the error says so); run.json
 * and redfix.sarif only add context, so their absence becomes a note.
 */
/**
 * What a run directory was just written from, in this process: the report takes the findings and
 * patch texts from here instead of reading and parsing them back (tens of megabytes in a catalogue).
 */
export interface WrittenRun {
  findings: Finding[];
  /** Patch path relative to the run directory (`patches/<repo>/<name>`) → the text written there. */
  patches: ReadonlyMap<string, string>;
}

export async function readRunInputs(
  runDir: string,
  extraRules: Record<string, RuleDocs> = {},
  written?: WrittenRun,
): Promise<RunInputs> {
  const dir = resolve(runDir);
  const notes: string[] = [];
  let findings: Finding[];
  let version: string;
  if (written) {
    // findings.json was written from these by this process: the same findings, under this version.
    findings = written.findings;
    version = VERSION;
  } else {
    const doc = await readJson(join(dir, "findings.json"));
    if ("problem" in doc)
      throw new Error(
        doc.problem === "missing"
          ? `${dir} has no findings.json: is it a run directory (redfix analyze --out)?`
          : `${join(dir, "findings.json")}: ${doc.problem}`,
      );
    const listed = (doc.value as Partial<FindingsDocument>).findings;
    if (!Array.isArray(listed)) throw new Error(`${join(dir, "findings.json")}: no "findings" list`);
    findings = listed;
    version = (doc.value as Partial<FindingsDocument>).tool?.version ?? "unknown";
  }

  const roots: RunRoots = { recipes: null, harness: null };
  const repos = new Map<string, { kind: string; path: string }>();
  const details: RunDetails = { roots: [], profile: null, rules: [], date: null };
  const run = await readJson(join(dir, "run.json"));
  if ("problem" in run)
    notes.push(`run.json: ${run.problem}; evidence excerpts and git apply commands are missing`);
  else {
    const info = run.value as {
      roots?: Record<string, unknown>;
      repos?: unknown;
      rules?: unknown;
      profile?: unknown;
      date?: unknown;
      commits?: Record<string, unknown>;
    };
    // Roots are absolute when redfix writes them; a relative root is taken from the run directory.
    for (const name of ["recipes", "harness"] as const) {
      const r = info.roots?.[name];
      if (typeof r === "string" && r !== "") roots[name] = resolve(dir, r);
    }
    if (Array.isArray(info.repos))
      for (const r of info.repos as { name?: unknown; kind?: unknown; path?: unknown }[])
        if (typeof r?.name === "string" && typeof r.path === "string")
          repos.set(r.name, { kind: String(r.kind ?? ""), path: resolve(dir, r.path) });
    for (const name of ["recipes", "harness"] as const) {
      const path = roots[name];
      if (!path) continue;
      const written = info.commits?.[name];
      const commit = typeof written === "string" ? written : await gitHead(path);
      details.roots.push({ name, path, commit });
    }
    if (Array.isArray(info.rules))
      details.rules = info.rules.filter((r): r is string => typeof r === "string");
    if (typeof info.profile === "string") details.profile = info.profile;
    if (typeof info.date === "string") details.date = info.date;
  }

  const rules = await sarifRules(join(dir, "redfix.sarif"));
  for (const [id, docs] of Object.entries(extraRules)) rules.set(id, { ...rules.get(id), ...docs });
  let verifyRecords = true;
  try {
    lstatSync(join(dir, "verify"));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") verifyRecords = false;
  }
  return {
    runDir: dir,
    version,
    findings,
    roots,
    repos,
    rules,
    details,
    notes,
    verifyRecords,
    ...(written ? { patchTexts: written.patches } : {}),
  };
}

/**
 * The commit checked out in `dir` when it is a git work tree, read from the files under .git without
 * running git; null when it is not one or the commit cannot be read. A folder of recipe repositories
 * is not a work tree itself, and a repository around it is not the one analyzed: only `dir` counts.
 */
/** A small file of a git folder through the safe reader (no FIFO, no link out of `root`); null otherwise. */
async function gitText(path: string, root: string, maxBytes = 1 << 20): Promise<string | null> {
  const r = readFileSafe(path, { root, maxBytes });
  return r.ok ? r.bytes.toString("utf8") : null;
}

export async function gitHead(dir: string): Promise<string | null> {
  const dotGit = join(dir, ".git");
  const text = await gitText(join(dotGit, "HEAD"), dir);
  if (text !== null) return resolveHead(dotGit, text);
  // A linked worktree or a submodule: .git is a file naming the real folder.
  const link = await gitText(dotGit, dir);
  const m = link ? /^gitdir: (.+)$/m.exec(link) : null;
  if (!m) return null;
  const gitDir = resolve(dir, m[1]!.trim());
  // Only a git folder inside the analyzed repo: a gitdir: pointing elsewhere is not followed.
  const head = await gitText(join(gitDir, "HEAD"), dir);
  return head === null ? null : resolveHead(gitDir, head);
}

async function resolveHead(gitDir: string, head: string): Promise<string | null> {
  const line = head.trim();
  if (/^[0-9a-f]{40,64}$/.test(line)) return line;
  const ref = /^ref: (refs\/[^\s]+)$/.exec(line)?.[1];
  if (!ref || ref.split("/").includes("..")) return null;
  // A linked worktree keeps its HEAD apart but shares refs with the main repository.
  const commondir = await gitText(join(gitDir, "commondir"), gitDir);
  const common = commondir === null ? gitDir : resolve(gitDir, commondir.trim());
  for (const base of [gitDir, common]) {
    const sha = await gitText(join(base, ref), base);
    if (sha && /^[0-9a-f]{40,64}$/.test(sha.trim())) return sha.trim();
  }
  const packed = (await gitText(join(common, "packed-refs"), common, 64 << 20)) ?? "";
  for (const l of packed.split("\n")) {
    const [sha, name] = l.split(" ");
    if (name === ref && sha && /^[0-9a-f]{40,64}$/.test(sha)) return sha;
  }
  return null;
}

/** redfix.sarif carries every rule's docs (`help.markdown`): the run directory documents itself. */
async function sarifRules(path: string): Promise<Map<string, RuleDocs>> {
  const rules = new Map<string, RuleDocs>();
  const sarif = (await sarifHead(path)) ?? (await readJson(path));
  if ("problem" in sarif) return rules;
  type SarifRule = {
    id?: unknown;
    name?: unknown;
    shortDescription?: { text?: unknown };
    help?: { text?: unknown; markdown?: unknown };
    helpUri?: unknown;
  };
  const runs = (sarif.value as { runs?: { tool?: { driver?: { rules?: SarifRule[] } } }[] }).runs;
  for (const r of runs?.[0]?.tool?.driver?.rules ?? []) {
    if (typeof r.id !== "string") continue;
    const docs = r.help?.markdown ?? r.help?.text;
    rules.set(r.id, {
      ...(typeof r.name === "string" ? { name: r.name } : {}),
      ...(typeof r.shortDescription?.text === "string" ? { description: r.shortDescription.text } : {}),
      ...(typeof docs === "string" ? { docs } : {}),
      ...(typeof r.helpUri === "string" ? { url: r.helpUri } : {}),
    });
  }
  return rules;
}

/**
 * The SARIF document up to its results, which is where redfix writes the rules: a catalogue's
 * results are tens of megabytes the report does not need. Null when the head cannot be cut off
 * and parsed that way (another writer's layout); the caller then reads the whole file.
 */
const SARIF_HEAD_LIMIT = 8 << 20;

async function sarifHead(path: string): Promise<{ value: unknown } | null> {
  let file;
  try {
    // The run directory's own SARIF: a link or a FIFO there is not followed or waited on.
    file = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    if (!(await file.stat()).isFile()) {
      await file.close();
      return null;
    }
  } catch {
    return null;
  }
  try {
    const chunks: Buffer[] = [];
    let text = "";
    for (let pos = 0; ;) {
      const buf = Buffer.alloc(1 << 16);
      const { bytesRead } = await file.read(buf, 0, buf.length, pos);
      if (bytesRead === 0 || pos > SARIF_HEAD_LIMIT) return null;
      chunks.push(buf.subarray(0, bytesRead));
      pos += bytesRead;
      text = Buffer.concat(chunks).toString("utf8");
      // A quote inside a JSON string is escaped, so this is a key: the first run's results.
      const at = text.indexOf('"results":');
      if (at < 0) continue;
      const head = text.slice(0, at).trimEnd().replace(/,$/, "");
      try {
        const value = JSON.parse(`${head}}]}`) as { runs?: { tool?: { driver?: { rules?: unknown } } }[] };
        return Array.isArray(value.runs?.[0]?.tool?.driver?.rules) ? { value } : null;
      } catch {
        return null;
      }
    }
  } finally {
    await file.close();
  }
}

async function readJson(path: string): Promise<{ value: unknown } | { problem: string }> {
  let text: string;
  try {
    text = readTextSafe(path, dirname(path), 1024 * 1024 * 1024);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { problem: code === "ENOENT" ? "missing" : `cannot be read (${code})` };
  }
  try {
    return { value: JSON.parse(text) };
  } catch (e) {
    return { problem: `not JSON (${(e as Error).message})` };
  }
}
