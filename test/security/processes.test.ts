/** Cases 8 and 14: nothing a replay starts outlives it, copies go on every exit path, replays run sandboxed. */
import { execFileSync, spawn } from "node:child_process";
import {
  closeSync,
  existsSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { runProcess } from "../../core/process.js";
import { copyTree } from "../../verify/patched-copy.js";
import { detectSandbox, runReplayProcess } from "../../verify/sandbox.js";
import { removeDir, tempDir } from "../support/workspace.js";
import { TOKEN } from "./support.js";
import { needs } from "../support/tools.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

needs("pid-namespaces")("a setsid grandchild does not survive the timeout (own PID namespace)", async () => {
  const dir = tempDir();
  try {
    const marker = join(dir, "survived");
    const r = await runProcess("sh", ["-c", `setsid sh -c 'sleep 2; touch "${marker}"' & sleep 30`], {
      timeoutMs: 500,
      pidNamespace: true,
    });
    assert.ok(r.timedOut);
    await sleep(3000);
    assert.not.ok(existsSync(marker), "the setsid grandchild outlived the timeout");
  } finally {
    removeDir(dir);
  }
});

test("Ctrl-C: the running tree is killed and registered copies are removed before redfix exits", async () => {
  const dir = tempDir();
  try {
    const marker = join(dir, "survived");
    const copy = join(dir, "copy");
    mkdirSync(copy);
    const mod = join(process.cwd(), "dist", "core", "process.js");
    const script = `
      const { onExit, runProcess } = await import(${JSON.stringify(mod)});
      const { rmSync } = await import("node:fs");
      onExit(() => rmSync(${JSON.stringify(copy)}, { recursive: true, force: true }));
      console.log("started");
      await runProcess("sh", ["-c", "sleep 2; touch ${marker}; sleep 30"], { timeoutMs: 60000 });
    `;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    await new Promise<void>((res) => child.stdout.once("data", () => res()));
    await sleep(300);
    child.kill("SIGINT");
    const code = await new Promise<number | null>((res) => child.on("exit", (c) => res(c)));
    assert.is(code, 130);
    await sleep(2500);
    assert.not.ok(existsSync(marker), "the replay kept running after Ctrl-C");
    assert.not.ok(existsSync(copy), "the copy was left behind");
  } finally {
    removeDir(dir);
  }
});

test("copies take regular files and folders only: a FIFO does not hang, a sparse 2 GiB file and links stay out", () => {
  const dir = tempDir();
  try {
    const src = join(dir, "src");
    mkdirSync(join(src, "sub"), { recursive: true });
    writeFileSync(join(src, "sub", "compose.yml"), "a: 1\n");
    execFileSync("mkfifo", [join(src, "fifo")]);
    const fd = openSync(join(src, "sparse.img"), "w");
    ftruncateSync(fd, 2 * 1024 * 1024 * 1024);
    closeSync(fd);
    execFileSync("ln", ["-s", "/etc/passwd", join(src, "passwd")]);
    const t0 = Date.now();
    const skipped = copyTree(src, join(dir, "copy"));
    assert.ok(Date.now() - t0 < 5000);
    assert.equal(skipped.sort(), ["fifo", "passwd", "sparse.img"]);
    assert.equal(readdirSync(join(dir, "copy")).sort(), ["sub"]);
  } finally {
    removeDir(dir);
  }
});

needs("bwrap")(
  "a replay runs in the bubblewrap sandbox: only the copy and a private /tmp are writable, no token",
  async () => {
    const sandbox = detectSandbox(false);
    assert.is(sandbox.kind, "bwrap", sandbox.reason);
    const copy = tempDir("redfix-verify-");
    const outside = mkdtempOutsideTmp();
    const priv = `redfix-private-${process.pid}`;
    try {
      process.env.FORGE_TOKEN = TOKEN;
      const r = await runReplayProcess(
        sandbox,
        [copy],
        "sh",
        [
          "-c",
          [
            `touch "${copy}/inside" && echo inside-ok`,
            `touch "${outside}/escaped" 2>/dev/null && echo ESCAPED`,
            `touch /tmp/${priv} && echo tmp-ok`,
            `env | grep -c FORGE_TOKEN || true`,
            `setsid sh -c 'sleep 2; touch "${copy}/late"' &`,
            "echo done",
          ].join("\n"),
        ],
        { cwd: copy, timeoutMs: 20_000 },
      );
      delete process.env.FORGE_TOKEN;
      assert.is(r.exitCode, 0, r.output);
      assert.match(r.stdout, "inside-ok");
      assert.match(r.stdout, "tmp-ok");
      assert.not.match(r.stdout, "ESCAPED");
      assert.not.match(r.output, TOKEN);
      assert.match(r.stdout, /^0$/m);
      assert.ok(existsSync(join(copy, "inside")));
      assert.not.ok(existsSync(join(outside, "escaped")));
      assert.not.ok(existsSync(join("/tmp", priv)), "the sandbox's /tmp is not the host's");
      await sleep(3000);
      assert.not.ok(existsSync(join(copy, "late")), "a process started in the sandbox outlived it");
    } finally {
      removeDir(copy);
      removeDir(outside);
    }
  },
);

/** A folder the sandbox mounts read-only (not under /tmp, which it replaces). */
function mkdtempOutsideTmp(): string {
  const base = existsSync("/var/tmp") ? "/var/tmp" : tmpdir();
  const d = join(base, `redfix-sbx-${process.pid}-${Date.now()}`);
  mkdirSync(d);
  return d;
}

test.run();
