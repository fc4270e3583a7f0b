"""What backup-bot-two does with a service's labels, run against a sandboxed container: hooks
through `bash -c 'set -o pipefail;…'` in the container's environment, the labelled paths of the
labelled volumes copied out and put back.

Label semantics (docs.coopcloud.tech/specs/backup): `backupbot.backup=true` enables a service;
`backupbot.backup.volumes.<volume>=false` excludes a volume; `backupbot.backup.volumes.<volume>.path`
selects paths (comma separated) relative to the volume's root; the legacy `backupbot.backup.path`
names absolute paths in the container, copied as they are."""

import os
import shutil

from . import recipes

HOOK_TIMEOUT = 120


class HookFailed(RuntimeError):
    pass


class Service:
    def __init__(self, compose, service_name, sandbox, env):
        self.service = compose["services"][service_name]
        self.labels = recipes.labels(self.service)
        self.sandbox = sandbox
        self.env = env

    @property
    def enabled(self):
        return self.labels.get("backupbot.backup", "").lower() == "true"

    def hook(self, name):
        command = self.labels.get(name)
        if not command:
            return None
        command = command.replace("$$", "$")
        # backupbot strips a `sh -c`/`bash -c` wrapper and surrounding quotes, then adds pipefail.
        for prefix in ("bash -c", "sh -c"):
            if command.startswith(prefix):
                command = command[len(prefix):].strip()
        if len(command) >= 2 and command[0] == command[-1] and command[0] in "'\"":
            command = command[1:-1]
        r = self.sandbox.run(
            ["bash", "-c", f"set -o pipefail;{self.sandbox.rewrite(command)}"],
            self.env,
            timeout=HOOK_TIMEOUT,
        )
        if r.returncode != 0:
            raise HookFailed(f"{name} exited {r.returncode}: {r.stdout}{r.stderr}")
        return r

    def backup_paths(self):
        """Container paths the backup takes."""
        legacy = self.labels.get("backupbot.backup.path")
        if legacy:
            return [p.strip() for p in legacy.split(",") if p.strip()]
        paths = []
        for mount in self.service.get("volumes") or []:
            if isinstance(mount, str):
                parts = mount.split(":")
                if len(parts) < 2 or parts[0].startswith(("/", ".")):
                    continue
                volume, target = parts[0], parts[1]
            else:
                if mount.get("type", "volume") != "volume":
                    continue
                volume, target = mount["source"], mount["target"]
            if self.labels.get(f"backupbot.backup.volumes.{volume}", "true").lower() == "false":
                continue
            selected = self.labels.get(f"backupbot.backup.volumes.{volume}.path")
            if selected:
                paths += [os.path.join(target, p.strip()) for p in selected.split(",") if p.strip()]
            else:
                paths.append(target)
        return paths

    def backup(self, store):
        """Pre-hook, copy the paths into `store`, post-hook."""
        self.hook("backupbot.backup.pre-hook")
        for path in self.backup_paths():
            _copy(self.sandbox.path(path), os.path.join(store, path.lstrip("/")))
        self.hook("backupbot.backup.post-hook")

    def restore(self, store):
        """Pre-hook, put the stored files back where they came from, post-hook."""
        self.hook("backupbot.restore.pre-hook")
        for path in self.backup_paths():
            src = os.path.join(store, path.lstrip("/"))
            if os.path.exists(src):
                _copy(src, self.sandbox.path(path))
        self.hook("backupbot.restore.post-hook")


def _copy(src, dst):
    """Copy a file or a tree. A live data directory changes while it is copied: a file that
    vanishes half-way is skipped, as restic skips it with a warning."""
    if os.path.isfile(src):
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        _copy_file(src, dst)
        return
    for dirpath, _dirnames, filenames in os.walk(src):
        target = os.path.join(dst, os.path.relpath(dirpath, src))
        os.makedirs(target, exist_ok=True)
        _keep_owner(dirpath, target)
        for name in filenames:
            _copy_file(os.path.join(dirpath, name), os.path.join(target, name))


def _copy_file(src, dst):
    try:
        shutil.copy2(src, dst)
        _keep_owner(src, dst)
    except FileNotFoundError:
        pass


def _keep_owner(src, dst):
    # restic restores ownership: what the container user owned, it still owns.
    if os.geteuid() == 0:
        st = os.stat(src)
        os.chown(dst, st.st_uid, st.st_gid)
