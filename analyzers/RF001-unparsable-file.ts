import { reportLoadProblems } from "./support/load-problems.js";
import type { Rule } from "./rule.js";
import { ALL_KINDS } from "./rule.js";

export const rf001: Rule = {
  meta: {
    id: "RF001",
    name: "unparsable-file",
    description: "A file redfix must read cannot be parsed or decoded (YAML, Caddyfile, Python, TypeScript)",
    severity: "error",
    target: "recipe",
    classification: "recipe-defect",
    fixable: false,
    kinds: ALL_KINDS,
    scope: "workspace",
    docs: `A compose file, \`.env.sample\`, \`abra.sh\`, config template or harness source that cannot be read
as text or parsed. The finding points at the first error the parser reports (line and column), or at the
first byte that is not UTF-8. Also reported: a file over the size limit (2 MiB), a compose file whose top
level is not a mapping, and YAML aliases that expand past the parser's alias limit (an "alias bomb").

Every other file of the workspace is still analyzed; overlay combinations that contain the broken file
are left out of the merged-stack rules, so one broken file does not turn into a cascade of findings.

No fix: the text must be repaired by hand. Source: redfix.`,
  },
  check(ctx) {
    reportLoadProblems(ctx, "unparsable");
  },
};
