/**
 * pytest's own per-test outcomes, from the JUnit XML it writes with `--junitxml`: a replay of several
 * node ids in one process still says which of them failed. The XML is pytest's (flat `<testcase>`
 * elements, attributes in double quotes), so a scanner is enough; entities are decoded.
 */

export type CaseOutcome = "passed" | "failed" | "skipped";

export interface TestCase {
  /** `tests/<recipe>/test_x.py::test_name`, rebuilt from pytest's dotted `classname`. */
  id: string;
  outcome: CaseOutcome;
}

const TESTCASE = /<testcase\b([^>]*?)(\/>|>([\s\S]*?)<\/testcase>)/g;

export function junitCases(xml: string): TestCase[] {
  const out: TestCase[] = [];
  for (const m of xml.matchAll(TESTCASE)) {
    const attrs = m[1] ?? "";
    const classname = decode(/\bclassname="([^"]*)"/.exec(attrs)?.[1] ?? "");
    const name = decode(/\bname="([^"]*)"/.exec(attrs)?.[1] ?? "");
    const body = m[3] ?? "";
    const outcome: CaseOutcome = /<(failure|error)\b/.test(body)
      ? "failed"
      : /<skipped\b/.test(body)
        ? "skipped"
        : "passed";
    out.push({ id: `${modulePath(classname)}::${name}`, outcome });
  }
  return out;
}

/** `tests.mumble.custom.test_x.TestClass` → `tests/mumble/custom/test_x.py::TestClass`. */
function modulePath(classname: string): string {
  const parts = classname.split(".");
  const module = parts.findLastIndex((p) => /^test_|_test$/.test(p));
  if (module < 0) return classname;
  const file = `${parts.slice(0, module + 1).join("/")}.py`;
  const classes = parts.slice(module + 1);
  return classes.length > 0 ? `${file}::${classes.join("::")}` : file;
}

function decode(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|quot|apos|lt|gt|amp);/gi, (_, e: string) => {
    if (e[0] === "#")
      return String.fromCodePoint(e[1] === "x" ? parseInt(e.slice(2), 16) : Number(e.slice(1)));
    return { quot: '"', apos: "'", lt: "<", gt: ">", amp: "&" }[e.toLowerCase()] ?? "";
  });
}
