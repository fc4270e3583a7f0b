/**
 * JUnit XML, the format every CI shows as test results (GitLab, Jenkins, Woodpecker plugins): one
 * test suite per file, one test case per finding, failed at the failure threshold's severities and
 * skipped when suppressed; findings below the threshold pass, carrying their message.
 */
import type { Finding, Severity } from "../core/finding.js";
import { SEVERITY_RANK } from "../core/finding.js";

/** Text for XML: the five entities, and control characters XML 1.0 cannot hold at all dropped. */
function xml(s: string): string {
  return s
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, "") // eslint-disable-line no-control-regex
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

export function renderJunit(findings: Finding[], failOn: Severity | "never"): string {
  const fails = (f: Finding) =>
    !f.suppressed && failOn !== "never" && SEVERITY_RANK[f.severity] >= SEVERITY_RANK[failOn];
  const files = new Map<string, Finding[]>();
  for (const f of findings) {
    const key = `${f.root === "harness" ? "harness:" : ""}${f.file}`;
    files.set(key, [...(files.get(key) ?? []), f]);
  }
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const failures = findings.filter(fails).length;
  const skipped = findings.filter((f) => f.suppressed).length;
  lines.push(
    `<testsuites name="redfix" tests="${findings.length}" failures="${failures}" skipped="${skipped}" errors="0">`,
  );
  for (const [file, list] of files) {
    lines.push(
      `  <testsuite name="${xml(file)}" tests="${list.length}" failures="${list.filter(fails).length}" skipped="${list.filter((f) => f.suppressed).length}" errors="0">`,
    );
    for (const f of list) {
      const name = `${f.rule} ${file}:${f.line}:${f.column}`;
      const text = `${f.severity}: ${f.message}${f.fix ? `\nfix: ${f.fix.summary} (${f.fix.patch})` : ""}`;
      lines.push(
        `    <testcase classname="${xml(`redfix.${f.rule}`)}" name="${xml(name)}" file="${xml(file)}">`,
      );
      if (f.suppressed) lines.push(`      <skipped message="${xml(`suppressed: ${f.suppressed.reason}`)}"/>`);
      else if (fails(f))
        lines.push(`      <failure type="${f.severity}" message="${xml(f.message)}">${xml(text)}</failure>`);
      else lines.push(`      <system-out>${xml(text)}</system-out>`);
      lines.push("    </testcase>");
    }
    lines.push("  </testsuite>");
  }
  lines.push("</testsuites>");
  return `${lines.join("\n")}\n`;
}
