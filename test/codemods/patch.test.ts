import { test } from "uvu";
import * as assert from "uvu/assert";
import { gitDiff } from "../../core/patch.js";

test("a change deep in a long file keeps three lines of context and the right line numbers", () => {
  const before = Array.from({ length: 40 }, (_, i) => `line ${i + 1}`).join("\n") + "\n";
  const after = before.replace("line 20\n", "line twenty\n");
  assert.is(
    gitDiff("f", before, after),
    [
      "diff --git a/f b/f",
      "--- a/f",
      "+++ b/f",
      "@@ -17,7 +17,7 @@",
      " line 17",
      " line 18",
      " line 19",
      "-line 20",
      "+line twenty",
      " line 21",
      " line 22",
      " line 23",
      "",
    ].join("\n"),
  );
});

test("new and deleted files", () => {
  assert.is(
    gitDiff("f", null, "a\n", "100755"),
    "diff --git a/f b/f\nnew file mode 100755\n--- /dev/null\n+++ b/f\n@@ -0,0 +1 @@\n+a\n",
  );
  assert.is(
    gitDiff("f", "a\n", null),
    "diff --git a/f b/f\ndeleted file mode 100644\n--- a/f\n+++ /dev/null\n@@ -1 +0,0 @@\n-a\n",
  );
});

test.run();
