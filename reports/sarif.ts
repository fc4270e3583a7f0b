/** SARIF 2.1.0, with `tool.driver.rules` generated from the same rule metadata as `redfix rules`. */
import type { Finding, Severity } from "../core/finding.js";
import type { RuleMeta } from "../analyzers/rule.js";
import { VERSION } from "../core/package.js";
import { ITEMS, jsonChunks } from "./json.js";

const LEVEL: Record<Severity, "error" | "warning" | "note"> = {
  error: "error",
  warning: "warning",
  info: "note",
};
const BASE: Record<Finding["root"], string> = { recipes: "RECIPES", harness: "HARNESS" };

export function renderSarif(findings: Finding[], rules: RuleMeta[]): string {
  return [...sarifChunks(findings, rules)].join("");
}

/** The same text as `renderSarif`, in pieces of one result each, for writing without one huge string. */
export function sarifChunks(findings: Finding[], rules: RuleMeta[]): Iterable<string> {
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
            rules: rules.map((r) => ({
              id: r.id,
              name: r.name,
              shortDescription: { text: r.description },
              fullDescription: { text: firstParagraph(r.docs) },
              help: { text: r.docs, markdown: r.docs },
              defaultConfiguration: { level: LEVEL[r.severity] },
              properties: { tags: [r.target, r.classification], fixable: r.fixable },
            })),
          },
        },
        originalUriBaseIds: {
          RECIPES: { description: { text: "The analyzed recipes folder" } },
          HARNESS: { description: { text: "The CI harness given with --harness" } },
        },
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
          artifactLocation: { uri: encodeURI(f.file), uriBaseId: BASE[f.root] },
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
              artifactLocation: { uri: encodeURI(e.file), uriBaseId: BASE[e.root] },
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
