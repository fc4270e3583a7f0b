import type { Finding, FindingsDocument } from "../analyzers/finding.js";
import { VERSION } from "../cli/version.js";

export function findingsDocument(findings: Finding[]): FindingsDocument {
  return { tool: { name: "redfix", version: VERSION }, findings };
}

/** Stable text: two-space indent, a final newline, key order from the object literals. */
export function renderJson(doc: FindingsDocument): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}
