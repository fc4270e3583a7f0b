/** Cases 7 and 13: recipe strings are data in the terminal and in PR bodies. */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Finding } from "../../core/finding.js";
import { markdownCode, markdownText, renderPullRequest } from "../../apply/messages.js";
import { renderText, terminalSafe } from "../../reports/text.js";
import { removeDir, tempDir } from "../support/workspace.js";
import { caddyRecipe, redfix, writeTree } from "./support.js";

const ERASE = "\u001b[2K\r";
const OSC52 = "\u001b]52;c;ZWNobyBwd25lZA==\u0007";

function finding(over: Partial<Finding> = {}): Finding {
  return {
    id: "0123456789abcdef",
    rule: "RF120",
    severity: "error",
    recipe: `evil${ERASE}`,
    root: "recipes",
    file: `evil/compose.yml${OSC52}`,
    line: 3,
    column: 5,
    message: "`app` is a bare name ` ![x](https://evil.example/p.png) @admin <img src=x onerror=alert(1)>",
    evidence: [{ file: "evil/Caddyfile", line: 2, note: "`x` ``` [link](javascript:alert(1))" }],
    classification: "recipe-defect",
    fix: {
      patch: "patches/evil/0001-RF120-evil.patch",
      summary: 'use `{{ env "STACK_NAME" }}_app`',
      repo: "evil",
    },
    ...over,
  } as Finding;
}

test("text output: no escape sequence from a recipe reaches the terminal", () => {
  const out = renderText([finding()], { color: false });
  assert.not.match(out, "\u001b");
  assert.not.match(out, "\u0007");
  assert.match(out, "\\x1b]52;c;");
  assert.is(terminalSafe("a\u202eb\tc"), "a\\u{202e}b\tc");
});

test("the CLI's text output for a folder and YAML strings holding escapes (real run)", () => {
  const root = tempDir();
  try {
    const name = `evil${ERASE}x`;
    mkdirSync(join(root, "ws"));
    writeTree(join(root, "ws", name), {
      ...caddyRecipe("{$DOMAIN} {\n\treverse_proxy app:3000\n}\n"),
      "compose.yml": `version: "3.8"\nservices:\n  app:\n    image: "nginx${OSC52}"\n    networks: [proxy]\n  unknown_key${ERASE}: 1\nnetworks:\n  proxy:\n    external: true\n`,
    });
    const r = redfix(["analyze", join(root, "ws"), "--out", join(root, "run")]);
    assert.ok(r.status === 0 || r.status === 1, r.stderr);
    assert.ok(r.stdout.length > 0);
    assert.not.match(r.stdout, "\u001b");
    assert.not.match(r.stdout, "\u0007");
  } finally {
    removeDir(root);
  }
});

test("PR body: a backtick cannot break out, no image, link, raw HTML or @mention", () => {
  const body = renderPullRequest({
    recipe: "evil`](x) ![i](https://evil.example/i.png)",
    findings: [finding()],
    patches: ["0001-RF120-evil.patch"],
    diffs: [
      "diff --git a/c`](x) @admin.yml b/c`](x) @admin.yml\n--- a/c`](x) @admin.yml\n+++ b/c`](x) @admin.yml\n@@ -1 +1 @@\n-a\n+b\n",
    ],
    related: [{ repo: "@admin", branch: "redfix/`x`" }],
    reportUrl: "javascript:alert(1)",
  }).body;
  // Every `![`, `<`, `@` and backtick that came from the recipe is escaped.
  assert.not.match(body, /(^|[^\\])!\[/m);
  assert.not.match(body, /(^|[^\\])<img/);
  assert.not.match(body, /(^|[^\\])@admin/);
  assert.not.match(body, /(^|[^\\])\]\(javascript:/);
  assert.not.match(body, "[Evidence report](javascript");
  assert.match(body, "\\`app\\`");
  assert.is(markdownCode("a``b"), "``` a``b ```");
  assert.is(markdownText("x\n# heading"), "x \\# heading");
});

test.run();
