/** Case 5: one safe reader for the whole program — the report's excerpts included. */
import { execFileSync } from "node:child_process";
import { closeSync, openSync, ftruncateSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSafe } from "../../core/safe-file.js";
import { isReadFailure, readSource } from "../../core/source.js";
import { ExcerptReader } from "../../reports/html/excerpt.js";
import { removeDir, tempDir } from "../support/workspace.js";

function hostileRoot(): { root: string; outside: string } {
  const base = tempDir();
  const root = join(base, "recipes");
  const outside = join(base, "secret.txt");
  execFileSync("mkdir", ["-p", join(root, "r")]);
  writeFileSync(outside, "root:x:0:0:SECRET-LINE\n".repeat(5));
  symlinkSync(outside, join(root, "r", "compose.yml"));
  symlinkSync("/dev/zero", join(root, "r", "zero.yml"));
  execFileSync("mkfifo", [join(root, "r", "fifo.yml")]);
  const big = openSync(join(root, "r", "big.yml"), "w");
  ftruncateSync(big, 3 * 1024 * 1024 * 1024); // sparse: 3 GiB that take no disk
  closeSync(big);
  writeFileSync(join(root, "r", "ok.yml"), "a: 1\nb: 2\n");
  symlinkSync("ok.yml", join(root, "r", "link-inside.yml"));
  return { root, outside };
}

test("the report's excerpts: a link out, /dev/zero, a FIFO and a 3 GiB file are notes, fast, never content", async () => {
  const { root } = hostileRoot();
  try {
    const reader = new ExcerptReader({ recipes: root });
    const t0 = Date.now();
    const out = await reader.excerpts(
      ["compose.yml", "zero.yml", "fifo.yml", "big.yml", "ok.yml", "link-inside.yml"].map((f) => ({
        root: "recipes" as const,
        file: `r/${f}`,
        line: 1,
        endLine: 1,
        note: "n",
      })),
    );
    assert.ok(Date.now() - t0 < 5000, "a FIFO or /dev/zero blocked the report");
    const byFile = new Map(out.map((e) => [e.file, e]));
    assert.not.match(JSON.stringify(out), "SECRET-LINE");
    for (const f of ["compose.yml", "zero.yml", "fifo.yml", "big.yml"]) {
      const e = byFile.get(`r/${f}`)!;
      assert.is(e.lines.length, 0, f);
      assert.ok(e.problem, f);
    }
    assert.is(byFile.get("r/ok.yml")!.lines[0]!.text, "a: 1");
    assert.is(byFile.get("r/link-inside.yml")!.lines[0]!.text, "a: 1");
  } finally {
    removeDir(join(root, ".."));
  }
});

test("the loader's reader: the same rules (not-a-file, outside, too large) without blocking", () => {
  const { root } = hostileRoot();
  try {
    const r = join(root, "r");
    for (const f of ["compose.yml", "zero.yml", "fifo.yml"]) {
      const got = readSource(join(r, f), f, undefined, root);
      assert.ok(isReadFailure(got) && got.kind === "not-a-file", f);
    }
    const big = readSource(join(r, "big.yml"), "big.yml", undefined, root);
    assert.ok(isReadFailure(big) && big.kind === "too-large");
    const ok = readFileSafe(join(r, "link-inside.yml"), { root, maxBytes: 100 });
    assert.ok(ok.ok && ok.bytes.toString() === "a: 1\nb: 2\n");
    const small = readFileSafe(join(r, "ok.yml"), { root, maxBytes: 3 });
    assert.ok(!small.ok && small.problem === "too-large");
  } finally {
    removeDir(join(root, ".."));
  }
});

test.run();
