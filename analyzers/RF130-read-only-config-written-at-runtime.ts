import type { Declared, MergedService } from "../load/merge.js";
import type { Mount } from "../load/compose.js";
import type { Recipe } from "../load/workspace.js";
import type { SourceFile } from "../core/source.js";
import type { ProblemEvidence, Rule } from "./rule.js";
import { SWARM_KINDS } from "./rule.js";
import { KNOWN_WRITERS, isRootlessGitea, writerFor } from "./support/config-writers.js";

export interface Rf130Data {
  writer: string;
  service: string;
  /** The compose file declaring the mount. */
  composeFile: string;
  /** The swarm config mounted there, when it is one. */
  config: string | null;
  target: string;
  rootless: boolean;
}

function covers(target: string, path: string, mount: Mount): boolean {
  const t = target.replace(/\/+$/, "");
  if (t === path) return true;
  // A read-only directory mount hides the file under it as well; a config is always a single file.
  return mount.type !== "config" && mount.type !== "secret" && path.startsWith(`${t}/`);
}

/** Read-only mounts over a file the application writes: swarm configs (always 0444) and `:ro` mounts. */
function readOnlyMounts(svc: MergedService): Declared<Mount>[] {
  return [...svc.configs.values(), ...[...svc.volumes.values()].filter((m) => m.value.readOnly)];
}

/** The recipe's own file behind a read-only bind mount at `path` (the mounted file, or one directly in the mounted folder). */
function bindContent(recipe: Recipe, mount: Mount, target: string, path: string): SourceFile | null {
  if (mount.type !== "bind" || !mount.source) return null;
  const t = target.replace(/\/+$/, "");
  if (t === path) return recipe.bindFiles.get(mount.source) ?? null;
  const rest = path.slice(t.length + 1);
  if (rest.includes("/")) return null;
  return recipe.bindFiles.get(`${mount.source.replace(/\/+$/, "")}/${rest}`) ?? null;
}

function configSource(recipe: Recipe, name: string | null) {
  if (!name) return null;
  return recipe.fileRefs.find((r) => r.kind === "config" && r.entry.name === name && r.source) ?? null;
}

const TABLE = KNOWN_WRITERS.map(
  (w) =>
    `- **${w.app}** (\`${w.id}\`): writes ${w.writes}. Failure: \`${w.failure}\`. Sources: ${w.sources.join(", ")}`,
).join("\n");

export const rf130: Rule = {
  swarm: (d) => {
    const x = d as Rf130Data;
    return { kind: "write", service: x.service, path: x.target, files: [x.composeFile] };
  },
  replayTopics: /entrypoint|config|start|writ|secret|upgrade|advance/i,
  meta: {
    id: "RF130",
    name: "read-only-config-written-at-runtime",
    description: "a read-only config mount over a file the application writes at runtime",
    severity: "error",
    target: "recipe",
    classification: "recipe-defect",
    fixable: true,
    kinds: SWARM_KINDS,
    scope: "recipe",
    docs: `Swarm mounts configs read-only (mode 0444; the writable bit is ignored), and a \`:ro\` mount is read-only
by definition. An application that saves its own config file at run time fails on such a mount — often
not at the first deploy but at an upgrade, when a new version starts writing a key the old one did not
(the gitea 3.5.3 → 3.6.0 case: Gitea generated \`JWT_SECRET\` and could not save it).

What it checks: a swarm config mount, or a read-only bind/volume mount (of the file or a directory above
it), at a path an application in the table below writes, on a service running that application's image.
The mounted content (a swarm config's file, or the recipe's own file behind a read-only bind mount) is read
before a write is claimed: for Gitea, \`INSTALL_LOCK = true\`
without \`JWT_SECRET\`/\`INTERNAL_TOKEN\` (or \`LFS_JWT_SECRET\` with the LFS server on) means the write happens
at the next start, and the message names the missing keys; with all of them set (or their \`*_URI\`), and no
\`GITEA__*\` variables for the rootless image's environment-to-ini to save, there is no finding. The message
names the path really mounted (\`/data/gitea/conf/app.ini\` for the root image). A mount whose content is not in the
recipe (a named volume, a path outside it, a file deeper in a mounted folder) is reported on the path alone.

Known writers:
${TABLE}

Fix (Gitea, rootless image): mount the template at a staging path (\`/etc/gitea-templates/app.ini\`) and
render it into the writable \`/etc/gitea\` volume on **every** start — in the recipe's own
\`docker-setup.sh\` config when it has one (its version bumped), or in a new entrypoint config
(\`render-app-ini.sh\`, exported version) that then runs the image's entrypoint. The secrets Gitea
generated earlier are carried over from the previous app.ini, so tokens and sessions survive a
redeploy. Where the recipe already has the secrets, \`JWT_SECRET_URI\`/\`INTERNAL_TOKEN_URI\` =
\`file:/run/secrets/...\` in the template is the alternative (LFS has no such option), left to the
maintainer. Other applications and the root Gitea image: finding only. Sources: domain.md ("Swarm
semantics", "Gitea"), and each entry's sources.`,
  },
  check(ctx) {
    for (const recipe of ctx.workspace.recipes) {
      const seen = new Set<string>();
      for (const combo of recipe.combinations) {
        for (const svc of combo.services.values()) {
          const writer = writerFor(svc);
          if (!writer || writer.exempt?.(svc)) continue;
          const paths = writer.paths(svc);
          for (const m of readOnlyMounts(svc)) {
            const target = m.value.target;
            const path = target ? paths.find((p) => covers(target, p, m.value)) : undefined;
            if (!target || !path) continue;
            const key = `${m.file.name}:services.${svc.name}:${target}`;
            if (seen.has(key)) continue;
            seen.add(key);
            const ref = m.value.type === "config" ? configSource(recipe, m.value.source) : null;
            const content = ref?.source ?? bindContent(recipe, m.value, target, path);
            const verdict = content && writer.judge ? writer.judge(content.text, svc) : null;
            if (verdict?.safe) continue;
            const evidence: ProblemEvidence[] = [];
            if (content && verdict) {
              evidence.push({
                source: content,
                range: { start: verdict.offset, end: verdict.offset },
                note: verdict.reason ?? `the mounted ${path}`,
              });
            }
            const how =
              m.value.type === "config"
                ? `swarm config \`${m.value.source}\` (read-only)`
                : "a read-only mount";
            ctx.report<Rf130Data>({
              recipe: recipe.name,
              file: m.file.source,
              range: m.value.range,
              message: `${writer.app} writes ${path} at run time, but \`${svc.name}\` mounts ${
                target.replace(/\/+$/, "") === path ? "it" : `${target} over it`
              } from ${how}${verdict?.reason ? `; ${verdict.reason}` : ""}: it fails with \`${
                writer.failurePath ? writer.failure.split(writer.failurePath).join(path) : writer.failure
              }\``,
              key,
              evidence,
              data: {
                writer: writer.id,
                service: svc.name,
                composeFile: m.file.name,
                config: m.value.type === "config" ? m.value.source : null,
                target,
                rootless: writer.id === "gitea" && isRootlessGitea(svc),
              },
            });
          }
        }
      }
    }
  },
};
