import { isMap, isSeq } from "yaml";
import { deref, getPair, scalarString } from "../load/compose.js";
import type { ComposeService } from "../load/compose.js";
import type { Severity } from "../core/finding.js";
import type { RestartPolicy, Rule } from "./rule.js";
import { SWARM_KINDS } from "./rule.js";

export type Rf102Key = "depends_on" | "container_name" | "restart" | "build" | "links" | "tmpfs";

export interface Rf102Data {
  composeFile: string;
  service: string;
  key: Rf102Key;
  /** `links` only: the names the links give the linked services (the alias, else the name). */
  links?: string[];
  /** `restart` only: its value. */
  restart?: string;
}

/** compose `restart` → swarm `restart_policy` (docs: compose file v3 reference, `restart_policy`). */
export function restartPolicy(restart: string): RestartPolicy | null {
  const r = restart.trim();
  if (r === "always" || r === "unless-stopped") return { condition: "any" };
  if (r === "no" || r === "false") return { condition: "none" };
  const m = /^on-failure(?::(\d+))?$/.exec(r);
  if (m) return m[1] ? { condition: "on-failure", maxAttempts: Number(m[1]) } : { condition: "on-failure" };
  return null;
}

/** The names `links:` gives the linked services: `db` and `db:database` → `db`, `database`. */
function linkNames(doc: Parameters<typeof getPair>[0], value: unknown): string[] {
  const v = deref(doc, value as Parameters<typeof deref>[1]);
  if (!isSeq(v)) return [];
  return v.items
    .map((i) => scalarString(doc, i))
    .filter((x): x is string => x !== null)
    .map((x) => x.split(":").at(-1)!.trim());
}

const WHY: Record<Exclude<Rf102Key, "depends_on" | "restart" | "tmpfs">, string> = {
  container_name:
    "swarm names containers itself (`<stack>_<service>.<slot>.<id>`); `docker stack deploy` ignores it",
  build: "`docker stack deploy` ignores it and never builds: the image must exist in a registry",
  links: "`docker stack deploy` ignores it: services reach each other by name on shared networks",
};

/** The `condition:` entries of a long-form `depends_on`, which swarm's schema rejects. */
function conditions(svc: ComposeService, doc: Parameters<typeof getPair>[0]): string[] {
  const dep = svc.dependsOn;
  if (!dep || dep.form !== "map" || !isMap(dep.value)) return [];
  const out: string[] = [];
  for (const e of dep.entries) {
    const v = deref(doc, getPair(doc, dep.value, e.service)?.value);
    const c = isMap(v) ? deref(doc, getPair(doc, v, "condition")?.value) : null;
    if (c) out.push(`${e.service}: ${String((c as { value?: unknown }).value)}`);
  }
  return out;
}

export const rf102: Rule = {
  meta: {
    id: "RF102",
    name: "key-ignored-by-swarm",
    description:
      "keys `docker stack deploy` ignores, drops or rejects (long-form `depends_on`, `container_name`, `restart`, `build`, `links`, `tmpfs`)",
    severity: "warning",
    target: "recipe",
    classification: "recipe-defect",
    fixable: true,
    kinds: SWARM_KINDS,
    scope: "recipe",
    docs: `Recipes are deployed with \`docker stack deploy\` semantics, not \`docker compose up\`. Keys from the compose
world that swarm does not know either do nothing (\`Ignoring unsupported options: build, container_name,
links, restart\`) or make the deploy fail.

- \`depends_on\`, short form — **not reported**: swarm ignores it (start order is not guaranteed; a service
  must wait for its dependencies itself), but the list documents the intent, compose tooling uses it,
  abra's lint accepts it, and it is what the long form's fix writes.
- \`depends_on\`, long form (a map, usually with \`condition:\`) — **error**: the stack file schema only
  accepts a list, so the deploy is rejected. Fix: the short list form, same services.
- \`container_name\` — **warning**: ignored (swarm names its tasks). Fix: delete.
- \`restart\` — docker/cli's converter (\`convertRestartPolicy\`) uses \`deploy.restart_policy\` when it is set and
  otherwise converts \`restart\` (\`always\`/\`unless-stopped\` → \`any\`, \`on-failure[:N]\` → \`on-failure\` with
  \`max_attempts: N\`), although \`docker stack deploy\` prints "Ignoring unsupported options: restart". So:
  with a \`restart_policy\` — **warning**, ignored (fix: delete); \`restart: no\` with none — **warning**, it becomes
  no policy at all and swarm's default \`condition: any\` restarts the task (fix: \`condition: none\`); any other
  value with none — **info**, converted (fix: the same policy written as \`deploy.restart_policy\`).
- \`tmpfs\` — **warning**, **error** on a \`read_only\` service: the converter has no tmpfs for services, so the
  key is dropped without a word and a read-only service cannot write where it expects. No fix yet: a
  \`type: tmpfs\` entry under \`volumes:\` is the swarm form.
- A \`depends_on\` naming a service the recipe never defines is RF101's finding only (one finding per fact).
- \`build\` — **warning**: ignored; swarm pulls \`image:\`. Fix: delete when the service has an image.
- \`links\` — **warning**: ignored (and legacy). Fix: delete when no link defines an alias other than
  the service's own name (an alias would need a network alias instead).

On a real swarm (\`redfix verify\`'s deploy phase, docs/scaling.md), before and after the fix: the long-form
\`depends_on\` is rejected ("must be a list"); \`container_name\`, \`build\` and \`links\` are ignored (the task's
container has swarm's name, the service runs \`image:\`, the linked name resolves by swarm's DNS anyway);
\`restart: no\` runs as \`condition: any\` and \`restart\` beside a \`restart_policy\` is ignored. \`restart\` alone
with another value is converted, so the swarm does not reproduce it (\`not-reproduced\`).

Sources: docker/cli \`cli/compose/convert/service.go\` (\`convertRestartPolicy\`; no tmpfs in the service
conversion) and \`cli/compose/types/types.go\` (\`UnsupportedProperties\`), docker docs "Deploy a stack to a swarm" and the compose file v3 reference (keys ignored by
\`docker stack deploy\`), docker/cli's stack schema (\`depends_on\` is a list), domain.md ("Swarm semantics").`,
  },
  // The long-form `depends_on` makes the deploy fail; the other fixed keys deploy, and the service's
  // spec (and its task) shows whether swarm did what the key says. `tmpfs` has no fix to verify.
  swarm: (d) => {
    const x = d as Rf102Data;
    const files = [x.composeFile];
    switch (x.key) {
      case "depends_on":
        // Only the long form is reported: the deploy itself is what it breaks.
        return { kind: "deploy", files };
      case "tmpfs":
        return null;
      case "restart":
        return {
          kind: "inspect",
          service: x.service,
          key: x.key,
          files,
          restart: restartPolicy(x.restart || "no"),
        };
      case "links":
        return { kind: "inspect", service: x.service, key: x.key, files, links: x.links ?? [] };
      default:
        return { kind: "inspect", service: x.service, key: x.key, files };
    }
  },
  check(ctx) {
    for (const recipe of ctx.workspace.recipes) {
      const defined = new Set(recipe.composeFiles.flatMap((f) => f.services.map((s) => s.name)));
      for (const cf of recipe.composeFiles) {
        for (const svc of cf.services) {
          const report = (
            key: Rf102Key,
            message: string,
            severity: Severity,
            extra: Pick<Rf102Data, "links" | "restart"> = {},
          ) => {
            const pair = svc.keys.get(key);
            const at = (pair?.key as { range?: [number, number, number] } | undefined)?.range;
            ctx.report<Rf102Data>({
              recipe: recipe.name,
              file: cf.source,
              range: at ? { start: at[0], end: at[1] } : svc.keyRange,
              message,
              key: `${cf.name}:services.${svc.name}.${key}`,
              severity,
              evidence: [{ source: cf.source, range: svc.keyRange, note: `service \`${svc.name}\`` }],
              data: {
                composeFile: cf.name,
                service: svc.name,
                key,
                ...extra,
              },
            });
          };
          const dep = svc.dependsOn;
          // One finding per fact: a `depends_on` naming a service the recipe never defines is RF101's.
          const undefinedTarget = dep?.entries.some((e) => !defined.has(e.service)) ?? false;
          if (undefinedTarget) {
            // RF101 reports it; its fix removes or rewrites the key.
          } else if (dep?.form === "map") {
            const conds = conditions(svc, cf.doc);
            report(
              "depends_on",
              `long-form \`depends_on\` of \`${svc.name}\`${conds.length ? ` (${conds.join(", ")})` : ""} is rejected by \`docker stack deploy\`: its schema accepts only a list`,
              "error",
            );
          }
          // The short list is not reported: swarm ignores it without a word, but it documents the
          // intent, compose tooling reads it, abra's lint accepts it, and it is what the long form's
          // fix leaves. Nearly every recipe with a database has one (13 of 98 findings on real
          // repositories were this line alone).
          for (const key of ["container_name", "build", "links"] as const) {
            const pair = svc.keys.get(key);
            if (!pair) continue;
            const extra = key === "links" ? { links: linkNames(cf.doc, pair.value) } : {};
            report(key, `\`${key}\` on \`${svc.name}\`: ${WHY[key]}`, "warning", extra);
          }
          const restart = svc.keys.get("restart");
          if (restart) {
            const value = (scalarString(cf.doc, restart.value) ?? "").trim();
            const deploy = deref(cf.doc, svc.keys.get("deploy")?.value);
            const policy = isMap(deploy) && getPair(cf.doc, deploy, "restart_policy") !== undefined;
            if (policy) {
              report(
                "restart",
                `\`restart\` on \`${svc.name}\` is ignored: \`deploy.restart_policy\` is set, and \`docker stack deploy\` uses only that`,
                "warning",
                { restart: value },
              );
            } else if (value === "no" || value === "") {
              report(
                "restart",
                `\`restart: ${value || '""'}\` on \`${svc.name}\` is not converted: with no \`deploy.restart_policy\`, swarm's default (\`condition: any\`) restarts every task that exits`,
                "warning",
                { restart: value },
              );
            } else {
              report(
                "restart",
                `\`restart: ${value}\` on \`${svc.name}\`: \`docker stack deploy\` converts it to the service's restart policy (and still prints "Ignoring unsupported options: restart"); \`deploy.restart_policy\` says it in swarm's terms`,
                "info",
                { restart: value },
              );
            }
          }
          if (svc.keys.has("tmpfs")) {
            const readOnly = scalarString(cf.doc, svc.keys.get("read_only")?.value) === "true";
            report(
              "tmpfs",
              `\`tmpfs\` on \`${svc.name}\` is dropped by \`docker stack deploy\` without a warning (docker/cli's converter has no tmpfs for services)` +
                (readOnly
                  ? `; \`${svc.name}\` is \`read_only\`, so whatever it writes there fails`
                  : "; the paths stay on the container's own layer") +
                ": mount a `type: tmpfs` entry under `volumes:` instead",
              readOnly ? "error" : "warning",
            );
          }
        }
      }
    }
  },
};
