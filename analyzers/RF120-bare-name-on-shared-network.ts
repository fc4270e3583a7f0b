import { configUpstreams, envValueUpstreams, isBareServiceName } from "../load/configs/index.js";
import type { UpstreamRef } from "../load/configs/index.js";
import type { KeyValueEntry } from "../load/compose.js";
import type { MergedService, StackCombination } from "../load/merge.js";
import type { Range, SourceFile } from "../core/source.js";
import type { FileReference, Recipe, Workspace } from "../load/workspace.js";
import type { CrossFact, Placed, PlacedEvidence, ProblemEvidence, Rule, RuleContext } from "./rule.js";
import { SWARM_KINDS, placed } from "./rule.js";

/** Other stacks named in a message; the rest are counted. */
const MAX_NAMED_OTHERS = 5;

/** Names every recipe uses for its services: on a shared network they are taken many times over. */
export const GENERIC_NAMES = new Set([
  "app",
  "web",
  "db",
  "database",
  "postgres",
  "postgresql",
  "mysql",
  "mariadb",
  "redis",
  "cache",
  "memcached",
  "worker",
  "api",
  "server",
  "backend",
  "frontend",
  "nginx",
  "caddy",
  "proxy",
  "mongo",
  "mongodb",
  "queue",
  "rabbitmq",
  "elasticsearch",
  "search",
  "minio",
  "smtp",
  "mail",
  "cron",
  "sidekiq",
  "admin",
]);

/**
 * The facts RF120 hands its fix: which reference, to which service, in which config. The file is the
 * problem's own (\`problem.file\`); the fix builds every text from these.
 */
export interface Rf120Data {
  kind: "config" | "env" | "caddy-adapt";
  host: string;
  /** The service the host names (the host may be one of its aliases): the qualified name uses it. */
  service: string;
  /** The host's bytes in the problem's file. */
  hostRange: Range;
  /** A name no stack of this recipe defines: the other recipes whose stacks answer to it. */
  otherStacks?: string[];
  /** Config references: the config entry and the compose file defining it. */
  config?: { name: string; composeFile: string; templated: boolean };
  /** Why no fix is offered, when none is. */
  unfixable?: string;
}

interface Holder {
  recipe: string;
  service: string;
  alias: boolean;
  /** Where the service is declared (the evidence line). */
  at: Placed;
}

/** One name a recipe puts on a shared network: RF120's cross-recipe fact (keyed by the name). */
interface NameFact extends CrossFact {
  net: string;
  holder: Holder;
}

/** External network keys of a stack → the network's real name (`name:` or the key). */
function externalNetworks(combo: StackCombination): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of combo.files) {
    for (const n of f.networks) {
      if (n.external) out.set(n.name, n.externalName?.value ?? n.name);
      else out.delete(n.name);
    }
  }
  return out;
}

/** Real external network name → host name → who puts that name on it, across every analyzed recipe. */
export function networkNames(ws: Workspace): Map<string, Map<string, Holder[]>> {
  const table = new Map<string, Map<string, Holder[]>>();
  const add = ({ net, key: host, holder: h }: NameFact) => {
    const names = table.get(net) ?? new Map<string, Holder[]>();
    const list = names.get(host) ?? [];
    if (!list.some((x) => x.recipe === h.recipe && x.service === h.service && x.alias === h.alias))
      list.push(h);
    names.set(host, list);
    table.set(net, names);
  };
  // In the loader's order, loaded or not: the order of the holders is the order of the evidence.
  const all = [
    ...ws.recipes.map((r) => ({ relDir: r.relDir, facts: () => nameFacts(r) })),
    ...(ws.deferred ?? []).map((d) => ({
      relDir: d.relDir,
      facts: () => (d.facts[rf120.meta.id] ?? []) as NameFact[],
    })),
  ].sort((a, b) => (a.relDir < b.relDir ? -1 : a.relDir > b.relDir ? 1 : 0));
  for (const r of all) for (const f of r.facts()) add(f);
  return table;
}

/** The names a recipe puts on its external networks, in the order its stacks declare them. */
function nameFacts(recipe: Recipe): NameFact[] {
  const out: NameFact[] = [];
  for (const combo of recipe.combinations) {
    const ext = externalNetworks(combo);
    for (const svc of combo.services.values()) {
      const file = svc.declarations[0]!.file;
      const keyRange = file.services.find((s) => s.name === svc.name)?.keyRange ?? { start: 0, end: 0 };
      const at = placed(file.source, keyRange);
      for (const [key, aliases] of svc.networks) {
        const net = ext.get(key);
        if (!net) continue;
        out.push({
          key: svc.name,
          net,
          holder: { recipe: recipe.name, service: svc.name, alias: false, at },
        });
        for (const a of aliases)
          out.push({ key: a, net, holder: { recipe: recipe.name, service: svc.name, alias: true, at } });
      }
    }
  }
  return out;
}

/** Every bare host name a recipe's services reference: what its findings read of the table. */
function lookups(recipe: Recipe): string[] {
  const out = new Set<string>();
  for (const combo of recipe.combinations)
    for (const svc of combo.services.values())
      for (const { ref } of referencesOf(recipe, combo, svc)) out.add(ref.host);
  return [...out].sort();
}

/** The service a bare host names in this stack: by service name or network alias. */
function targetOf(combo: StackCombination, host: string): MergedService | undefined {
  return (
    combo.services.get(host) ??
    [...combo.services.values()].find((s) => [...s.networks.values()].some((a) => a.includes(host)))
  );
}

interface Reference {
  ref: UpstreamRef;
  source: SourceFile;
  kind: "config" | "env";
  fileRef?: FileReference;
}

/** Where an environment value starts in the compose text, when it is written literally. */
function envValueOffset(src: SourceFile, e: KeyValueEntry): number | null {
  if (e.value === null) return null;
  const text = src.text.slice(e.range.start, e.range.end);
  const from = e.form === "list" ? text.indexOf("=") + 1 : text.indexOf(":") + 1;
  const at = text.indexOf(e.value, from);
  return at === -1 ? null : e.range.start + at;
}

function referencesOf(recipe: Recipe, combo: StackCombination, svc: MergedService): Reference[] {
  const out: Reference[] = [];
  for (const m of svc.configs.values()) {
    const fr = recipe.fileRefs.find(
      (r) => r.kind === "config" && r.entry.name === m.value.source && combo.files.includes(r.composeFile),
    );
    if (!fr?.source) continue;
    const ups = configUpstreams(fr.source.path, fr.source.text);
    for (const ref of ups?.refs ?? []) out.push({ ref, source: fr.source, kind: "config", fileRef: fr });
  }
  for (const d of svc.environment.values()) {
    const at = envValueOffset(d.file.source, d.value);
    if (at === null || d.value.value === null) continue;
    for (const ref of envValueUpstreams(d.value.value, at, { key: d.value.key })) {
      out.push({ ref, source: d.file.source, kind: "env" });
    }
  }
  return out;
}

export const rf120: Rule = {
  swarm: (d) => {
    const x = d as Rf120Data;
    if (x.kind !== "config" || !x.config) return null;
    const files = [x.config.composeFile];
    return { kind: "resolve", service: x.service, host: x.host, config: x.config.name, files };
  },
  replayTopics: /upstream|caddy|route|routing|proxy|promote/i,
  meta: {
    id: "RF120",
    name: "bare-name-on-shared-network",
    description: "a service reached by its bare name across a shared external network",
    severity: "error",
    target: "recipe",
    classification: "recipe-defect",
    fixable: true,
    kinds: SWARM_KINDS,
    scope: "workspace",
    docs: `Every swarm service is reachable on each of its networks by its bare service name. On an external
network shared by every stack (\`proxy\`, where Traefik sits), the bare name \`app\` resolves to *every*
stack's \`app\`, at random (moby/moby#30313, #41532, #37348). A config that reaches its own stack's
service by bare name from a service on such a network — Caddy \`reverse_proxy app:3000\` or
\`on_demand_tls { ask http://app:3000/tls-check }\`, nginx \`proxy_pass\`, a Traefik file-provider \`url\`, an env
URL — can hit another stack's container: the bluesky-pds case, where TLS on-demand asked the wrong
\`app\` and clients saw no response.

What it checks: the table of names (service names and network aliases) on each external network,
across **all** analyzed recipes; then every reference by bare name (Caddyfile \`reverse_proxy\`/\`to\`,
\`php_fastcgi\`, \`forward_auth\`, \`on_demand_tls ask\`; nginx \`proxy_pass\`, \`upstream { server }\`,
\`fastcgi_pass\`; Traefik \`url\`/\`address\`; env values holding URLs or host:port) to a service of the same
stack, from a service that shares an external network with that target. **Error** when the name is
known to be shared there (another analyzed recipe puts it on that network, or it is a name every
recipe uses: ${[...GENERIC_NAMES].slice(0, 8).join(", ")}, …); **warning** otherwise (any other stack
that later puts a service of that name there collides). A target that is not on the shared network
(a database on the stack's \`internal\` network only) is not judged: the name is not this stack's there.

Across stacks: a bare name that **no stack of this recipe defines** (a Traefik \`forwardAuth\` middleware's
\`address: "http://traefik-forward-auth:4181"\`, \`DATABASE_URL=postgres://pgshared/…\`), from a service on a shared
external network where other analyzed stacks answer to that name, reaches whichever of them swarm's DNS picks:
**warning** when one stack answers (it works while it stays the only one), **error** when several do. The
message names the stacks that answer. No fix: the other stack's qualified name depends on how that app is
deployed; the message says so. Names no analyzed stack answers to are not judged.

Fix: the stack-qualified name \`<stack>_<service>\`, which swarm registers on every network of the
service and which no other stack can have — \`{{ env "STACK_NAME" }}_app\` in a config (adding
\`template_driver: golang\` when the config is not a template yet, and bumping its version in
\`abra.sh\`), \`\${STACK_NAME}_app\` in a compose env value (compose interpolates it at deploy; it works as the
unique alias without declaring one). The service keeps its name (\`app\` is required by abra lint R009).
Every Caddyfile the fix touches is checked with \`caddy adapt\` after rendering its template actions
with sample values; a Caddyfile that fails is a finding, and a fix that would make it fail is not
offered. Sources: docs.coopcloud.tech (networking, "stack-qualified names"), domain.md.`,
  },
  cross: { facts: nameFacts, lookups },
  check(ctx) {
    const table = networkNames(ctx.workspace);
    for (const recipe of ctx.workspace.recipes) checkRecipe(ctx, recipe, table);
  },
};

function checkRecipe(ctx: RuleContext, recipe: Recipe, table: Map<string, Map<string, Holder[]>>): void {
  const seen = new Set<string>();
  /** Per Caddyfile: the host edits its findings make, for the caddy check. */
  const caddyEdits = new Map<string, CaddyTouch>();
  for (const combo of recipe.combinations) {
    const ext = externalNetworks(combo);
    for (const svc of combo.services.values()) {
      const shared = [...svc.networks.keys()].map((k) => ext.get(k)).filter((n): n is string => !!n);
      if (shared.length === 0) continue;
      for (const { ref, source, kind, fileRef } of referencesOf(recipe, combo, svc)) {
        if (ref.templated || !isBareServiceName(ref.host)) continue;
        const target = targetOf(combo, ref.host);
        const key = `${source.path}:${ref.hostRange.start}`;
        if (seen.has(key)) continue;
        if (!target) {
          if (!definedInRecipe(recipe, ref.host)) {
            otherStack(ctx, recipe, { svc, ref, source, kind, shared, table, seen, key });
          }
          continue;
        }
        // The worst external network this service shares with its target: one where another stack has
        // the name, then one where the name is generic, then any.
        let verdict: { net: string; others: Holder[]; generic: boolean } | null = null;
        for (const net of shared) {
          const holders = table.get(net)?.get(ref.host) ?? [];
          const others = holders.filter((h) => h.recipe !== recipe.name);
          // The target must be on the shared network too: otherwise the name is not this stack's there.
          if (!holders.some((h) => h.recipe === recipe.name && h.service === target.name)) continue;
          const generic = GENERIC_NAMES.has(ref.host);
          const rank = (v: { others: Holder[]; generic: boolean }) =>
            v.others.length ? 2 : v.generic ? 1 : 0;
          const cand = { net, others, generic };
          if (!verdict || rank(cand) > rank(verdict)) verdict = cand;
        }
        if (!verdict) continue;
        seen.add(key);
        const error = verdict.others.length > 0 || verdict.generic;
        // A handful by name, then a count: on a catalogue of thousands of recipes every `app` answers.
        const named = verdict.others.slice(0, MAX_NAMED_OTHERS);
        const more = verdict.others.length - named.length;
        const why = verdict.others.length
          ? `${named.map((h) => `${h.recipe}'s \`${h.service}\`${h.alias ? " (alias)" : ""}`).join(", ")}${more > 0 ? ` and ${more} more` : ""} also answer${verdict.others.length === 1 ? "s" : ""} to \`${ref.host}\` there`
          : verdict.generic
            ? `\`${ref.host}\` is a name every recipe uses, so other stacks on \`${verdict.net}\` answer to it too`
            : `\`${target.name}\` sits on \`${verdict.net}\` itself, so any other stack's \`${ref.host}\` collides with it`;
        const evidence: (ProblemEvidence | PlacedEvidence)[] = [
          {
            source: target.declarations[0]!.file.source,
            range: target.declarations[0]!.value.keyRange,
            note: `the target, \`${target.name}\`, in this stack`,
          },
          ...verdict.others.slice(0, 3).map((h) => ({
            at: h.at,
            note: `${h.recipe}: \`${h.service}\` on \`${verdict!.net}\``,
          })),
        ];
        const configEntry = fileRef?.entry;
        const data: Rf120Data = {
          kind,
          host: ref.host,
          service: target.name,
          hostRange: ref.hostRange,
          ...(configEntry && fileRef
            ? {
                config: {
                  name: configEntry.name,
                  composeFile: fileRef.composeFile.name,
                  templated: configEntry.templateDriver === "golang",
                },
              }
            : {}),
        };
        if (data.config && !data.config.templated && source.text.includes("{{")) {
          data.unfixable =
            "the config holds `{{` but is not a Go template: making it one would change its meaning";
        }
        const report = () =>
          ctx.report<Rf120Data>({
            recipe: recipe.name,
            file: source,
            range: ref.hostRange,
            message: `\`${svc.name}\` reaches \`${ref.host}\` by its bare name (${ref.kind}) on the shared network \`${verdict!.net}\`: ${why}; use the stack-qualified name${data.unfixable ? ` (no fix: ${data.unfixable})` : ""}`,
            key: `${kind}:${ref.host}:${ref.kind}:${ref.raw}`,
            severity: error ? "error" : "warning",
            evidence,
            data,
          });
        if (kind === "config" && fileRef && /caddyfile/i.test(source.path)) {
          // Reported after the caddy check below, which may withdraw the fix.
          const c = caddyEdits.get(source.path) ?? { fileRef, refs: [], reports: [], data: [] };
          c.refs.push(ref);
          c.reports.push(report);
          c.data.push(data);
          caddyEdits.set(source.path, c);
        } else report();
      }
    }
  }
  for (const c of caddyEdits.values()) checkCaddyfile(ctx, recipe, c);
}

/** The facts of an RF120 problem, checked: null for a problem of another rule or without them. */
export function rf120Data(p: { rule: string; data?: unknown }): Rf120Data | null {
  const d = p.data as Partial<Rf120Data> | undefined;
  if (p.rule !== rf120.meta.id || !d || typeof d.host !== "string" || typeof d.service !== "string")
    return null;
  if (!d.hostRange || typeof d.hostRange.start !== "number" || typeof d.hostRange.end !== "number")
    return null;
  return d as Rf120Data;
}

/** Whether any stack (overlay combination) of the recipe has a service or alias of that name. */
function definedInRecipe(recipe: Recipe, host: string): boolean {
  return recipe.combinations.some((c) => targetOf(c, host) !== undefined);
}

interface OtherStackRef {
  svc: MergedService;
  ref: UpstreamRef;
  source: SourceFile;
  kind: "config" | "env";
  shared: string[];
  table: Map<string, Map<string, Holder[]>>;
  seen: Set<string>;
  key: string;
}

/**
 * A bare name no stack of this recipe defines, on a shared network where other stacks of the workspace
 * answer to it (a Traefik middleware's \`http://traefik-forward-auth:4181\`): it reaches whichever of them
 * swarm's DNS picks. One answering stack: a warning (it works while it stays the only one); several: an error.
 * No fix: the other stack's qualified name depends on how that app is deployed.
 */
function otherStack(ctx: RuleContext, recipe: Recipe, r: OtherStackRef): void {
  let best: { net: string; others: Holder[] } | null = null;
  for (const net of r.shared) {
    const others = (r.table.get(net)?.get(r.ref.host) ?? []).filter((h) => h.recipe !== recipe.name);
    if (others.length > 0 && (!best || stacks(others).length > stacks(best.others).length))
      best = { net, others };
  }
  if (!best) return;
  r.seen.add(r.key);
  const answering = stacks(best.others);
  const named = best.others
    .slice(0, MAX_NAMED_OTHERS)
    .map((h) => `${h.recipe}'s \`${h.service}\`${h.alias ? " (alias)" : ""}`);
  const more = best.others.length - named.length;
  const who = `${named.join(", ")}${more > 0 ? ` and ${more} more` : ""}`;
  const unfixable = `\`${r.ref.host}\` is another stack's service; its stack-qualified name (\`<stack>_${best.others[0]!.service}\`) depends on how that app is deployed`;
  ctx.report<Rf120Data>({
    recipe: recipe.name,
    file: r.source,
    range: r.ref.hostRange,
    message:
      `\`${r.svc.name}\` reaches \`${r.ref.host}\` by its bare name (${r.ref.kind}) on the shared network \`${best.net}\`, and no stack of ${recipe.name} defines it: ` +
      (answering.length > 1
        ? `${answering.length} stacks answer to it there (${who}), and swarm picks one at random`
        : `it works only while ${who} is the only one answering to it there`) +
      `; no fix: ${unfixable}`,
    key: `other-stack:${r.ref.host}:${r.ref.kind}:${r.ref.raw}`,
    severity: answering.length > 1 ? "error" : "warning",
    evidence: best.others.slice(0, 3).map((h) => ({
      at: h.at,
      note: `${h.recipe}: \`${h.service}\` on \`${best.net}\``,
    })),
    data: {
      kind: r.kind,
      host: r.ref.host,
      service: r.ref.host,
      hostRange: r.ref.hostRange,
      otherStacks: answering,
      unfixable,
    },
  });
}

function stacks(holders: Holder[]): string[] {
  return [...new Set(holders.map((h) => h.recipe))].sort();
}

/** The findings in one Caddyfile: checked together, since their fixes land in the same file. */
interface CaddyTouch {
  fileRef: FileReference;
  refs: UpstreamRef[];
  reports: (() => void)[];
  data: Rf120Data[];
}

function checkCaddyfile(ctx: RuleContext, recipe: Recipe, c: CaddyTouch): void {
  const src = c.fileRef.source!;
  const templated = c.fileRef.entry.templateDriver === "golang";
  // The loader ran caddy (load/caddy.ts): as the file is, and with its bare names stack-qualified.
  const adapted = c.fileRef.caddyAdapt;
  const before = adapted?.before ?? { status: "skipped" as const };
  if (before.status === "failed") {
    // Caddy's line is the source's line unless template actions were rendered first.
    const start = before.line && !templated ? src.lines.lineStart(before.line) : 0;
    ctx.report<Rf120Data>({
      recipe: recipe.name,
      file: src,
      range: { start, end: src.lines.lineEndAfter(start) - 1 },
      message: `${src.path} fails \`caddy adapt\` as it is: ${before.reason}`,
      key: `caddy-adapt:${src.path}`,
      severity: "error",
      data: {
        kind: "caddy-adapt",
        host: "",
        service: "",
        hostRange: { start: 0, end: 0 },
      },
    });
  } else {
    const after = adapted?.qualified;
    if (after?.status === "failed") {
      for (const d of c.data) d.unfixable ??= `the qualified Caddyfile fails caddy adapt: ${after.reason}`;
    }
  }
  c.reports.forEach((r) => r());
}
