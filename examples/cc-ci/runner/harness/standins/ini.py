"""app.ini as Gitea's ini library keeps it: sections in order, keys in order, edits in place."""


class Ini:
    def __init__(self, sections):
        self.sections = sections

    @classmethod
    def read(cls, path):
        sections = {"": []}
        current = ""
        with open(path, encoding="utf-8") as f:
            for line in f.read().splitlines():
                stripped = line.strip()
                if stripped.startswith("[") and stripped.endswith("]"):
                    current = stripped[1:-1]
                    sections.setdefault(current, [])
                elif "=" in stripped and not stripped.startswith(("#", ";")):
                    key, _, value = stripped.partition("=")
                    sections[current].append([key.strip(), value.strip()])
        return cls(sections)

    def get(self, section, key, default=""):
        for k, v in self.sections.get(section, []):
            if k == key:
                return v
        return default

    def set(self, section, key, value):
        entries = self.sections.setdefault(section, [])
        for entry in entries:
            if entry[0] == key:
                entry[1] = value
                return
        entries.append([key, value])

    def write(self, path):
        out = []
        for section, entries in self.sections.items():
            if section:
                out.append(f"\n[{section}]")
            out += [f"{k} = {v}" for k, v in entries]
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(out).lstrip("\n") + "\n")
