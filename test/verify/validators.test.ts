import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { fileChecks, patchedFiles } from "../../verify/validators.js";
import { needs } from "../support/tools.js";
import { removeDir, tempDir } from "../support/workspace.js";

test("a validator whose tool is missing is skipped with the reason, never passed", async () => {
  const dir = tempDir();
  const empty = tempDir();
  const path = process.env.PATH;
  try {
    writeFileSync(join(dir, "hook.sh"), "#!/bin/sh\necho $1\n");
    writeFileSync(join(dir, "x.py"), "print(1)\n");
    process.env.PATH = empty;
    const checks = await fileChecks(dir, ["hook.sh", "x.py"], {}, 10_000);
    assert.equal(checks, [
      { name: "shellcheck hook.sh", status: "skipped", reason: "shellcheck is not installed" },
      { name: "python3 -m py_compile x.py", status: "skipped", reason: "python3 is not installed" },
    ]);
  } finally {
    process.env.PATH = path;
    removeDir(dir);
    removeDir(empty);
  }
});

needs("shellcheck", "python3")(
  "validators run for real: shellcheck and py_compile fail on broken files",
  async () => {
    const dir = tempDir();
    try {
      writeFileSync(join(dir, "hook.sh"), '#!/bin/sh\nif [ "$1" = x ]; then echo\n');
      writeFileSync(join(dir, "x.py"), "def f(:\n");
      const checks = await fileChecks(dir, ["hook.sh", "x.py"], {}, 30_000);
      assert.equal(
        checks.map((c) => `${c.name}: ${c.status}`),
        ["shellcheck hook.sh: failed", "python3 -m py_compile x.py: failed"],
      );
    } finally {
      removeDir(dir);
    }
  },
);

test("the files a patch touches come from its headers; deleted files are left out", () => {
  const patch = [
    "diff --git a/compose.yml b/compose.yml",
    "--- a/compose.yml",
    "+++ b/compose.yml",
    "@@ -1 +1 @@",
    "-a",
    "+b",
    "diff --git a/pg_backup.sh b/pg_backup.sh",
    "new file mode 100644",
    "--- /dev/null",
    "+++ b/pg_backup.sh",
    "diff --git a/old.conf b/old.conf",
    "deleted file mode 100644",
    "--- a/old.conf",
    "+++ /dev/null",
    "",
  ].join("\n");
  assert.equal(patchedFiles(patch), ["compose.yml", "pg_backup.sh"]);
});

test.run();
