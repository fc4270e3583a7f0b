import type { ComposeFile, ComposeService, KeyValueEntry } from "../load/compose.js";
import type { Recipe } from "../load/workspace.js";
import type { Rule } from "./rule.js";
import { SWARM_KINDS } from "./rule.js";

export interface Rf111Data {
  composeFile: string;
  service: string;
  /** The volume key the label names. */
  named: string;
  /** The label's key and where the volume key sits in it. */
  labelKey: string;
  /** The single named volume the service mounts, when there is exactly one: the fix. */
  candidate: string | null;
}

const PREFIX = "backupbot.backup.volumes.";

/** `backupbot.backup.volumes.<volume>` or `backupbot.backup.volumes.<volume>.path` → `<volume>`. */
export function labelVolume(key: string): string | null {
  if (!key.startsWith(PREFIX)) return null;
  const rest = key.slice(PREFIX.length);
  const vol = rest.endsWith(".path") ? rest.slice(0, -".path".length) : rest;
  return vol === "" ? null : vol;
}

/** The named volumes a service mounts in the stacks that include `cf` (the compose volume keys). */
function mountedVolumes(recipe: Recipe, cf: ComposeFile, svc: ComposeService): Set<string>[] {
  return recipe.combinations
    .filter((c) => c.files.includes(cf))
    .map((c) => c.services.get(svc.name))
    .filter((m) => m !== undefined)
    .map(
      (m) =>
        new Set(
          [...m.volumes.values()]
            .filter((v) => v.value.type === "volume" && v.value.source)
            .map((v) => v.value.source!),
        ),
    );
}

export const rf111: Rule = {
  replayTopics: /restore|backup/i,
  meta: {
    id: "RF111",
    name: "backup-label-names-unmounted-volume",
    description: "a backupbot volume label names a volume the service does not mount",
    severity: "error",
    target: "recipe",
    classification: "recipe-defect",
    fixable: true,
    kinds: SWARM_KINDS,
    scope: "recipe",
    docs: `backup-bot-two reads \`backupbot.backup.volumes.<volume>=false\` and
\`backupbot.backup.volumes.<volume>.path=…\` with \`<volume>\` the compose volume key the service mounts
(\`postgres_data\` in \`- postgres_data:/var/lib/postgresql/data\`). A label naming any other key matches
nothing, silently: the volume it meant to exclude is backed up whole, or the path it meant to select
is ignored and the whole volume is copied.

Judged on the merged stack of every overlay combination that includes the file declaring the label: the
label is a finding when no such combination mounts the volume on that service.

Fix: when the service mounts exactly one named volume, the label's volume key is replaced by it; with
several candidates the finding lists them and leaves the choice to the maintainer. Source:
docs.coopcloud.tech/specs/backup, domain.md ("backupbot labels").`,
  },
  check(ctx) {
    for (const recipe of ctx.workspace.recipes) {
      for (const cf of recipe.composeFiles) {
        for (const svc of cf.services) {
          const stacks = mountedVolumes(recipe, cf, svc);
          if (stacks.length === 0) continue;
          for (const label of svc.deployLabels) report(label, svc, cf, stacks);
        }
      }
      function report(label: KeyValueEntry, svc: ComposeService, cf: ComposeFile, stacks: Set<string>[]) {
        const vol = labelVolume(label.key);
        if (vol === null || stacks.some((s) => s.has(vol))) return;
        const all = [...new Set(stacks.flatMap((s) => [...s]))].sort();
        const candidate = all.length === 1 ? all[0]! : null;
        const labelFor = (v: string) => label.key.replace(`${PREFIX}${vol}`, `${PREFIX}${v}`);
        // Renaming onto a key the service already labels would make a duplicate.
        const clash = candidate !== null && svc.deployLabels.some((l) => l.key === labelFor(candidate));
        ctx.report<Rf111Data>({
          recipe: recipe.name,
          file: cf.source,
          range: label.range,
          message:
            all.length === 0
              ? `\`${label.key}\` names volume \`${vol}\`, but service \`${svc.name}\` mounts no named volume`
              : `\`${label.key}\` names volume \`${vol}\`, which service \`${svc.name}\` does not mount (it mounts ${all.map((v) => `\`${v}\``).join(", ")}): backupbot ignores the label`,
          key: `${cf.name}:services.${svc.name}.labels.${label.key}`,
          evidence: [{ source: cf.source, range: svc.keyRange, note: `\`${svc.name}\` is declared here` }],
          data: {
            composeFile: cf.name,
            service: svc.name,
            named: vol,
            labelKey: label.key,
            candidate: clash ? null : candidate,
          },
        });
      }
    }
  },
};
