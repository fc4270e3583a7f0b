import type { FileReference, Recipe } from "../load/workspace.js";
import type { MergedService, StackCombination } from "../load/merge.js";
import type { Rule } from "./rule.js";
import { SWARM_KINDS } from "./rule.js";
import { combinationsText } from "./support/abra-recipe.js";
import { versionVariable } from "./RF140-config-version-not-bumped.js";

/** What RF121's fix needs: where the service's environment is written, and what to add. */
export interface Rf121Data {
  service: string;
  /** The compose file that mounts the config on the service: the fix adds the variables there. */
  composeFile: string;
  config: string;
  /** Every variable the template reads and the service does not set, sorted (one fix adds them all). */
  variables: string[];
  /** The variable this finding is about. */
  variable: string;
  /** The config's version variable in its `name:`, bumped in abra.sh by the fix; null when it has none. */
  versionVariable: string | null;
}

/** `env "NAME"` inside a `{{ … }}` action of a Go template. */
const ACTION = /\{\{-?([\s\S]*?)-?\}\}/g;
const ENV_CALL = /\benv\s+"([A-Za-z_][A-Za-z0-9_]*)"/g;

export interface EnvRead {
  name: string;
  /** Offset of the `env "NAME"` call in the template. */
  offset: number;
  length: number;
  /**
   * Read in a condition (`{{ if eq (env "X") "1" }}`, where unset means "off" by design) or inside a
   * conditional block, whose guard decides whether the text is rendered at all.
   */
  guarded: boolean;
}

const OPENS = /^\s*(if|with|range)\b/;
const CONDITION = /^\s*(if|else\s+if|with|range)\b/;

export function templateEnvReads(text: string): EnvRead[] {
  const out: EnvRead[] = [];
  const blocks: string[] = [];
  for (const a of text.matchAll(ACTION)) {
    const body = a[1] ?? "";
    const bodyAt = a.index + a[0].indexOf(body);
    const condition = CONDITION.test(body);
    const guarded = condition || blocks.some((b) => b === "if" || b === "with");
    for (const e of body.matchAll(ENV_CALL)) {
      out.push({ name: e[1]!, offset: bodyAt + e.index, length: e[0].length, guarded });
    }
    const open = OPENS.exec(body);
    if (open) blocks.push(open[1]!);
    else if (/^\s*(define|block)\b/.test(body)) blocks.push("define");
    else if (/^\s*end\b/.test(body)) blocks.pop();
  }
  return out;
}

/**
 * Whether the value builds a host name or a path: the line around the read names a server, an
 * upstream, a URL or a path, or the variable's name says it (`STACK_NAME`, `*_HOST`, `*_URL`, `DOMAIN`).
 */
function buildsNameOrPath(text: string, read: EnvRead): boolean {
  if (/STACK_NAME|HOST|DOMAIN|URL|PATH|DIR|ADDR/.test(read.name)) return true;
  const lineStart = text.lastIndexOf("\n", read.offset) + 1;
  const lineEnd = text.indexOf("\n", read.offset);
  const line = text.slice(lineStart, lineEnd === -1 ? text.length : lineEnd);
  return /\b(server|upstream|proxy_pass|fastcgi_pass|host|root|url|address)\b|:\/\/|\//i.test(line);
}

function setsVariable(svc: MergedService, name: string): boolean {
  return svc.environment.has(name);
}

/** A service with `env_file:` in any declaration sets variables redfix cannot see. */
function hasEnvFile(svc: MergedService): boolean {
  return svc.declarations.some((d) => d.value.keys.has("env_file"));
}

function templatedConfigs(recipe: Recipe): Map<string, FileReference> {
  const out = new Map<string, FileReference>();
  for (const ref of recipe.fileRefs) {
    if (ref.kind !== "config" || !ref.source || ref.entry.templateDriver !== "golang") continue;
    if (!out.has(ref.entry.name)) out.set(ref.entry.name, ref);
  }
  return out;
}

export const rf121: Rule = {
  meta: {
    id: "RF121",
    name: "template-reads-unset-env",
    description:
      'a `template_driver: golang` config reads `{{ env "X" }}` that the service mounting it does not set',
    severity: "error",
    target: "recipe",
    classification: "recipe-defect",
    fixable: true,
    kinds: SWARM_KINDS,
    scope: "recipe",
    docs: `A config with \`template_driver: golang\` is rendered by swarm when a task starts, from that task's
environment: \`{{ env "X" }}\` is the value of \`X\` in the **service's** \`environment:\`, not in the app's \`.env\`
nor in abra's deploy environment. A variable the service does not set renders as an empty string, so an nginx
template with \`server {{ env "STACK_NAME" }}_app:3000;\` becomes \`server _app:3000;\` and nginx does not start.

What: every \`env "X"\` in a golang-templated config file, for every service that mounts the config, in every
overlay combination; reported where the template reads it, naming the service and the combinations. A read in a
condition (\`{{ if eq (env "X") "1" }}\`: unset means "off", by design) or inside an \`if\`/\`with\` block (its guard
decides whether the text is rendered) is not judged.
**Error** when the value builds a host name or a path (the line names a server, an upstream, a URL or a path, or
the variable is \`STACK_NAME\`, \`*_HOST\`, \`DOMAIN\`, \`*_URL\`…), **warning** otherwise. A service with
\`env_file:\` is not judged (its variables are not in the files).

Fix: add \`X=\${X}\` to the service's \`environment:\` in the file that mounts the config, in the form the file uses
(list or map; a new \`environment:\` list when there is none), and bump the config's version in abra.sh.
On a real swarm (\`redfix verify\`'s deploy phase, docs/scaling.md) the file swarm rendered is read back from
the task: \`server _app:3000;\` before the fix, \`server <stack>_app:3000;\` after.
Sources: docker docs "Store configuration data using Docker Configs" (templated configs, \`env\`),
swarmkit's template context (\`template/context.go\`: \`env\` reads the container spec's environment).`,
  },
  // Swarm renders the template when the task starts: read back from the task, the line that reads the
  // variable shows the empty string before the fix and the app's value after it.
  swarm: (d) => {
    const x = d as Rf121Data;
    return {
      kind: "render",
      service: x.service,
      config: x.config,
      variable: x.variable,
      files: [x.composeFile],
    };
  },
  check(ctx) {
    for (const recipe of ctx.workspace.recipes) {
      const configs = templatedConfigs(recipe);
      if (configs.size === 0) continue;
      // service + config + variable → the combinations where it is unset, and where the mount is written.
      const found = new Map<
        string,
        { ref: FileReference; svc: string; composeFile: string; read: EnvRead; combos: string[] }
      >();
      const missingBy = new Map<string, Set<string>>();
      const walk = (combo: StackCombination) => {
        for (const svc of combo.services.values()) {
          if (hasEnvFile(svc)) continue;
          for (const mount of svc.configs.values()) {
            const ref = mount.value.source ? configs.get(mount.value.source) : undefined;
            if (!ref?.source) continue;
            for (const read of templateEnvReads(ref.source.text)) {
              if (read.guarded || setsVariable(svc, read.name)) continue;
              // One finding per variable and service, where the template first reads it.
              const k = `${svc.name}\0${ref.entry.name}\0${read.name}`;
              const f = found.get(k) ?? {
                ref,
                svc: svc.name,
                composeFile: mount.file.name,
                read,
                combos: [],
              };
              if (!f.combos.includes(combo.id)) f.combos.push(combo.id);
              found.set(k, f);
              const mk = `${svc.name}\0${mount.file.name}\0${ref.entry.name}`;
              const set = missingBy.get(mk) ?? new Set<string>();
              set.add(read.name);
              missingBy.set(mk, set);
            }
          }
        }
      };
      recipe.combinations.forEach(walk);
      for (const f of found.values()) {
        const src = f.ref.source!;
        const reads = templateEnvReads(src.text).filter((r) => r.name === f.read.name);
        const error = reads.some((r) => buildsNameOrPath(src.text, r));
        const variables = [
          ...(missingBy.get(`${f.svc}\0${f.composeFile}\0${f.ref.entry.name}`) ?? []),
        ].sort();
        ctx.report<Rf121Data>({
          recipe: recipe.name,
          file: src,
          range: { start: f.read.offset, end: f.read.offset + f.read.length },
          message: `config \`${f.ref.entry.name}\` reads \`env "${f.read.name}"\`, but \`${f.svc}\`, which mounts it, does not set ${f.read.name} (${combinationsText(recipe, f.combos)}): it renders as an empty string${error ? ", in a host name or path" : ""}`,
          key: `${f.ref.entry.name}:${f.svc}:${f.read.name}`,
          severity: error ? "error" : "warning",
          evidence: [
            {
              source: f.ref.composeFile.source,
              range: f.ref.entry.keyRange,
              note: `config \`${f.ref.entry.name}\`, template_driver: golang`,
            },
          ],
          data: {
            service: f.svc,
            composeFile: f.composeFile,
            config: f.ref.entry.name,
            variables,
            variable: f.read.name,
            versionVariable: versionVariable(f.ref.entry),
          },
        });
      }
    }
  },
};
