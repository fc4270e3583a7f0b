"""A container's filesystem on this machine: the service's mount targets re-rooted under a
temporary directory, swarm configs as read-only files (mode 0444 unless the recipe says otherwise,
owned by root), volumes as directories the container user owns, and commands run as that
unprivileged user, so that a write into a config mount fails as it does under swarm."""

import os
import pwd
import re
import shutil
import subprocess
import tempfile

from . import recipes

SANDBOX_USER = "nobody"


def container_user():
    """(uid, gid) the container's processes run as: an unprivileged user when we are root, since
    root ignores file modes; ourselves otherwise (a 0444 file is read-only to its owner too)."""
    if os.geteuid() != 0:
        return os.geteuid(), os.getegid()
    entry = pwd.getpwnam(SANDBOX_USER)
    return entry.pw_uid, entry.pw_gid


class Sandbox:
    def __init__(self, prefix="cc-ci-"):
        self.root = tempfile.mkdtemp(prefix=prefix)
        # Traversable by the container user, like a container's root.
        os.chmod(self.root, 0o755)
        self.uid, self.gid = container_user()
        self.targets = []

    def path(self, container_path):
        return os.path.join(self.root, container_path.lstrip("/"))

    def volume(self, target):
        path = self.path(target)
        os.makedirs(path, exist_ok=True)
        for d in _dirs_between(self.root, path):
            os.chmod(d, 0o755)
        os.chown(path, self.uid, self.gid)
        self.targets.append(target)
        return path

    def config(self, target, content, mode=0o444):
        path = self.path(target)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if mode & 0o111:
            content = self.rewrite(content)
        with open(path, "w", encoding="utf-8") as f:
            f.write(content)
        os.chown(path, 0 if os.geteuid() == 0 else self.uid, 0 if os.geteuid() == 0 else self.gid)
        os.chmod(path, mode)
        self.targets.append(target)
        return path

    def rewrite(self, text):
        """Re-root the absolute paths of this container's mounts in a script or hook command: the
        container sees `/var/lib/postgresql/data`, this machine has it under the sandbox."""
        for target in sorted(self.targets, key=len, reverse=True):
            text = re.sub(r"(?<![\w./-])" + re.escape(target) + r"(?=[/\s\"':;|&)]|$)", self.path(target), text)
        return text

    def run(self, argv, env, timeout, cwd=None):
        """Run as the container user, in its own process group so a timeout takes its children."""
        kwargs = {}
        if os.geteuid() == 0:
            kwargs = {"user": self.uid, "group": self.gid, "extra_groups": []}
        return subprocess.run(
            argv,
            env=env,
            cwd=cwd or self.root,
            capture_output=True,
            text=True,
            timeout=timeout,
            start_new_session=True,
            **kwargs,
        )

    def mount_service(self, recipe_dir, compose, service_name, env):
        """Lay out every volume and config mount of a compose service; returns the configs' paths."""
        service = compose["services"][service_name]
        for mount in service.get("volumes") or []:
            if isinstance(mount, str):
                parts = mount.split(":")
                target = parts[1] if len(parts) > 1 else parts[0]
            else:
                target = mount["target"]
            self.volume(target)
        placed = {}
        for ref in service.get("configs") or []:
            source = ref if isinstance(ref, str) else ref["source"]
            target = f"/{source}" if isinstance(ref, str) else ref.get("target", f"/{source}")
            mode = 0o444 if isinstance(ref, str) else _mode(ref.get("mode", 0o444))
            spec = compose["configs"][source]
            text = (recipe_dir / spec["file"]).read_text(encoding="utf-8")
            if spec.get("template_driver") == "golang":
                from .templates import render

                # Swarm renders a config template with the service's own environment.
                text = render(text, recipes.environment(service, env))
            placed[target] = (text, mode)
        for ref in service.get("secrets") or []:
            source = ref if isinstance(ref, str) else ref["source"]
            target = f"/run/secrets/{source}" if isinstance(ref, str) else ref.get("target", f"/run/secrets/{source}")
            placed[target] = (f"test-{source}", 0o444)
        # Scripts are re-rooted against every mount, so place configs after all targets are known.
        for target in placed:
            self.targets.append(target)
        for target, (text, mode) in placed.items():
            self.config(target, text, mode)
        return {t: self.path(t) for t in placed}

    def service_env(self, compose, service_name, deploy_env, image_env=None):
        """The container's environment: the image's, then the service's (interpolated). Values
        that are paths under this container's mounts are re-rooted too."""
        env = dict(image_env or {})
        env.update(recipes.environment(compose["services"][service_name], deploy_env))
        return {k: self.rewrite(v) if v.startswith("/") else v for k, v in env.items()}

    def cleanup(self):
        shutil.rmtree(self.root, ignore_errors=True)


def _mode(value):
    # YAML 1.1 reads 0555 as octal already; a quoted "0555" is a string.
    return int(value, 8) if isinstance(value, str) else int(value)


def _dirs_between(root, path):
    rel = os.path.relpath(path, root)
    cur = root
    out = []
    for part in rel.split(os.sep):
        cur = os.path.join(cur, part)
        out.append(cur)
    return out
