/**
 * SARIF 2.1.0, with `tool.driver.rules` generated from the same rule metadata as `redfix rules`, each
 * with its docs page (`helpUri`). Paths are relative to the analyzed roots, named by
 * `originalUriBaseIds` (RECIPES, HARNESS) with their `file:` URIs when known; `sarifPerRepo` writes
 * one log per repository with paths relative to it (SRCROOT), as code scanning wants per repository.
 */
import { join, relative, sep } from "node:path";
import { pathToFileURL } from "node:url";
import type { Finding, Severity } from "../core/finding.js";
import type { RuleMeta } from "../analyzers/rule.js";
import { HOMEPAGE, VERSION, ruleDocsUrl } from "../core/package.js";
import { ITEMS, jsonChunks } from "./json.js";

const LEVEL: Record<Severity, "error" | "warning" | "note"> = {
  error: "error",
  warning: "warning",
  info: "note",
};
const BASE: Record<Finding["root"], string> = { recipes: "RECIPES", harness: "HARNESS" };

export interface SarifRoots {
  recipes: string;
  harness: string | null;
}

export function renderSarif(findings: Finding[], rules: RuleMeta[], roots?: SarifRoots): string {
  return [...sarifChunks(findings, rules, roots)].join("");
}

/** A folder as the `file:` URI SARIF wants for a base: absolute, ending in a slash. */
function folderUri(dir: string): string {
  const href = pathToFileURL(dir).href;
  return href.endsWith("/") ? href : `${href}/`;
}

interface Located {
  uri: string;
  uriBaseId?: string;
}

/** The same text as `renderSarif`, in pieces of one result each, for writing without one huge string. */
export function sarifChunks(findings: Finding[], rules: RuleMeta[], roots?: SarifRoots): Iterable<string> {
  const bases = {
    RECIPES: {
      ...(roots ? { uri: folderUri(roots.recipes) } : {}),
      description: { text: "The analyzed recipes folder" },
    },
    HARNESS: {
      ...(roots?.harness ? { uri: folderUri(roots.harness) } : {}),
      description: { text: "The CI harness given with --harness" },
    },
  };
  const locate = (root: Finding["root"], file: string): Located => ({
    uri: encodeURI(file),
    uriBaseId: BASE[root],
  });
  return chunks(findings, rules, bases, locate);
}

/**
 * One SARIF log per folder of the run (`recipe-<name>.sarif`, `harness-<name>.sarif`): its
 * findings only, paths relative to the repository (SRCROOT), a location in another repository as an
 * absolute `file:` URI. Returns file name → text.
 */
export function sarifPerRepo(
  findings: Finding[],
  rules: RuleMeta[],
  roots: SarifRoots,
  /** run.json's repos: the harness, and each analyzed folder (its kind: abra-recipe, swarm-stack, …). */
  repos: { name: string; kind: string; path: string }[],
): Map<string, string> {
  const out = new Map<string, string>();
  for (const repo of repos) {
    const root: Finding["root"] = repo.kind === "harness" ? "harness" : "recipes";
    const abs = (r: Finding["root"], file: string) =>
      join(r === "harness" ? (roots.harness ?? roots.recipes) : roots.recipes, file);
    const mine = findings.filter((f) => f.root === root && (root === "harness" || f.recipe === repo.name));
    const locate = (r: Finding["root"], file: string): Located => {
      const rel = relative(repo.path, abs(r, file));
      if (rel.startsWith("..") || rel.startsWith(sep)) return { uri: pathToFileURL(abs(r, file)).href };
      return { uri: encodeURI(rel.split(sep).join("/")), uriBaseId: "SRCROOT" };
    };
    const bases = {
      SRCROOT: {
        uri: folderUri(repo.path),
        description: { text: `The ${repo.kind} ${repo.name}` },
      },
    };
    const prefix = root === "harness" ? "harness" : "recipe";
    out.set(`${prefix}-${repo.name}.sarif`, [...chunks(mine, rules, bases, locate)].join(""));
  }
  return out;
}

function chunks(
  findings: Finding[],
  rules: RuleMeta[],
  bases: Record<string, unknown>,
  locate: (root: Finding["root"], file: string) => Located,
): Iterable<string> {
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const skeleton = {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "redfix",
            version: VERSION,
            semanticVersion: VERSION,
            informationUri: HOMEPAGE,
            rules: rules.map((r) => ({
              id: r.id,
              name: r.name,
              shortDescription: { text: r.description },
              fullDescription: { text: firstParagraph(r.docs) },
              helpUri: ruleDocsUrl(r.id),
              help: { text: r.docs, markdown: r.docs },
              defaultConfiguration: { level: LEVEL[r.severity] },
              properties: { tags: [r.target, r.classification], fixable: r.fixable },
            })),
          },
        },
        originalUriBaseIds: bases,
        columnKind: "utf16CodeUnits",
        results: [ITEMS],
      },
    ],
  };
  return jsonChunks(skeleton, findings, (f) => ({
    ruleId: f.rule,
    ...(index.has(f.rule) ? { ruleIndex: index.get(f.rule) } : {}),
    level: LEVEL[f.severity],
    message: { text: f.message },
    locations: [
      {
        physicalLocation: {
          artifactLocation: locate(f.root, f.file),
          region: {
            startLine: f.line,
            startColumn: f.column,
            endLine: f.endLine,
            endColumn: Math.max(f.endColumn, f.endLine === f.line ? f.column : 1),
          },
        },
      },
    ],
    ...(f.evidence.length > 0
      ? {
          relatedLocations: f.evidence.map((e, i) => ({
            id: i,
            message: { text: e.note },
            physicalLocation: {
              artifactLocation: locate(e.root, e.file),
              region: { startLine: e.line, endLine: e.endLine ?? e.line },
            },
          })),
        }
      : {}),
    partialFingerprints: { "redfixFindingId/v1": f.id },
    ...(f.suppressed
      ? {
          suppressions: [
            {
              kind: f.suppressed.kind === "inline" ? "inSource" : "external",
              justification: f.suppressed.reason,
            },
          ],
        }
      : {}),
    properties: {
      recipe: f.recipe,
      target: f.target,
      classification: f.classification,
      ...(f.fix ? { patch: f.fix.patch, fixSummary: f.fix.summary } : {}),
      ...(f.fixUnavailable ? { fixUnavailable: f.fixUnavailable } : {}),
      ...(f.verification ? { verdict: f.verification.verdict } : {}),
    },
  }));
}

function firstParagraph(md: string): string {
  return md.split(/\n\s*\n/)[0]!.replace(/\s*\n\s*/g, " ");
}
