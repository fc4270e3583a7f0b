/**
 * The stand-in image: Debian's statically linked busybox in an image of its own, made with
 * `docker import` (no registry needed). Recipe services run it in place of their real images, with a
 * shell, `sleep`, `cat` and `nslookup` — enough to be deployed, to stay up, and to be probed.
 */
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runProcess, which } from "../core/process.js";
import { docker } from "./daemon.js";

export const STANDIN_TAG = "redfix/standin:busybox";
const APPLETS = ["sh", "sleep", "cat", "echo", "nslookup", "ls", "mkdir", "touch", "test", "grep", "wget"];

/** Where a static busybox is, or null. */
export function staticBusybox(): string | null {
  return which("busybox");
}

/** Makes the stand-in image on the swarm at `host` unless it is there; returns its tag. */
export async function ensureStandin(host: string): Promise<string> {
  const has = await docker(host, ["image", "inspect", "--format", "{{.Id}}", STANDIN_TAG], 30_000);
  if (has.exitCode === 0) return STANDIN_TAG;
  const busybox = staticBusybox();
  if (!busybox) throw new Error("busybox is not installed (Debian: busybox-static): no stand-in image");
  const dir = mkdtempSync(join(tmpdir(), "redfix-standin-"));
  try {
    const root = join(dir, "root");
    for (const d of ["bin", "etc", "tmp", "proc", "sys", "dev", "run"])
      mkdirSync(join(root, d), { recursive: true });
    chmodSync(join(root, "tmp"), 0o1777);
    copyFileSync(busybox, join(root, "bin", "busybox"));
    chmodSync(join(root, "bin", "busybox"), 0o755);
    for (const a of APPLETS) symlinkSync("busybox", join(root, "bin", a));
    const tar = join(dir, "standin.tar");
    const t = await runProcess("tar", ["-C", root, "--owner=0", "--group=0", "-cf", tar, "."], {
      timeoutMs: 60_000,
    });
    if (t.exitCode !== 0) throw new Error(`tar failed: ${t.output.trim()}`);
    const r = await docker(
      host,
      ["import", "--change", 'CMD ["sh"]', "--change", "ENV PATH=/bin", tar, STANDIN_TAG],
      120_000,
    );
    if (r.exitCode !== 0) throw new Error(`docker import failed: ${r.output.trim()}`);
    return STANDIN_TAG;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
