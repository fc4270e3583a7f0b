/**
 * What a folder is (docs/kinds.md): an abra recipe, a swarm stack, a compose project — told from
 * the signals its files give, so each rule judges only the folders whose tool it speaks for.
 */
import { isMap } from "yaml";
import type { YAMLMap } from "yaml";
import type { FolderKind } from "./config.js";
import { deref, scalarString } from "./compose.js";
import type { ComposeFile } from "./compose.js";
import type { EnvSample } from "./env.js";

export interface KindVerdict {
  kind: FolderKind;
  /** Why, in words: the signals that decided it (the config key when forced). */
  signals: string[];
}

/** abra's file names: `compose.yml` and its overlays `compose.<name>.yml`. */
export const ABRA_BASE = ["compose.yml", "compose.yaml"];
export const ABRA_OVERLAY = /^compose\.[^/]+\.ya?ml$/;
/** `docker compose` file names: `docker-compose.yml`, `docker-compose.<name>.yml`, `docker-compose-<name>.yml`. */
export const PLAIN_BASE = ["docker-compose.yml", "docker-compose.yaml"];
export const PLAIN_OVERLAY = /^docker-compose[.-][^/]+\.ya?ml$/;
/** Files meant for `docker stack deploy`: `docker-stack.yml`, `stack.yml`, `traefik-stack.yml`. */
export const STACK_FILE = /(^|[-_.])stack([-_.][^/]*)?\.ya?ml$/;

export function isComposeName(f: string): boolean {
  return (
    ABRA_BASE.includes(f) ||
    ABRA_OVERLAY.test(f) ||
    PLAIN_BASE.includes(f) ||
    PLAIN_OVERLAY.test(f) ||
    STACK_FILE.test(f)
  );
}

/** Keys of `deploy:` that only `docker stack deploy` acts on (`docker compose` reads resources and replicas too). */
const SWARM_DEPLOY_KEYS = [
  "mode",
  "placement",
  "update_config",
  "rollback_config",
  "endpoint_mode",
  "labels",
  "restart_policy",
];
/** Service keys `docker stack deploy` ignores or rejects: a file holding them is run with `docker compose`. */
const COMPOSE_KEYS = ["build", "container_name", "network_mode", "links", "extends"];

export interface KindInputs {
  files: readonly string[];
  compose: readonly ComposeFile[];
  envSample: EnvSample | null;
  hasAbraSh: boolean;
}

/**
 * The kind of a folder from its signals, in this order: abra's own (abra.sh, `TYPE=`/`RECIPE=` in
 * `.env.sample`, `${STACK_NAME}`, `coop-cloud.*` labels); a stack-named file; what only `docker
 * compose` reads (`build:`, `container_name:`, `network_mode:`, `links:`, `extends:`, `restart:` with
 * no `deploy:` anywhere, a bind mount from `~`). Then a `compose.yml` (abra's name; `docker compose`
 * projects mostly use `compose.yaml` or `docker-compose.yml`) is an abra recipe; otherwise what only
 * swarm reads (swarm `deploy:` keys, overlay networks) makes a swarm stack, and the rest are compose projects.
 */
export function classify(inp: KindInputs): KindVerdict {
  const abra: string[] = [];
  if (inp.hasAbraSh) abra.push("abra.sh");
  const typeVar = inp.envSample?.variables.find(
    (v) => !v.commented && (v.name === "TYPE" || v.name === "RECIPE"),
  );
  if (typeVar) abra.push(`.env.sample sets ${typeVar.name}=`);
  const abraFiles = inp.compose.filter((f) => ABRA_BASE.includes(f.name) || ABRA_OVERLAY.test(f.name));
  for (const f of abraFiles) {
    if (/\$\{?STACK_NAME\b/.test(f.source.text)) {
      abra.push(`\${STACK_NAME} in ${f.name}`);
      break;
    }
  }
  for (const f of abraFiles) {
    if (
      f.services.some((s) =>
        [...s.deployLabels, ...s.containerLabels].some((l) => l.key.startsWith("coop-cloud.")),
      )
    ) {
      abra.push(`coop-cloud labels in ${f.name}`);
      break;
    }
  }
  if (abra.length > 0 && abraFiles.length > 0) return { kind: "abra-recipe", signals: abra };

  const stackFiles = inp.files.filter((f) => STACK_FILE.test(f));
  if (stackFiles.length > 0) return { kind: "swarm-stack", signals: [`stack file ${stackFiles[0]}`] };

  const compose: string[] = [];
  const swarm: string[] = [];
  const anyDeploy = inp.compose.some((f) => f.services.some((s) => s.keys.has("deploy")));
  for (const f of inp.compose) {
    for (const s of f.services) {
      for (const k of COMPOSE_KEYS) if (s.keys.has(k)) compose.push(`${k}: in ${f.name}`);
      if (s.keys.has("restart") && !anyDeploy) compose.push(`restart: without deploy: in ${f.name}`);
      // `docker compose` resolves `~` and paths relative to the project; abra recipes mount named volumes.
      const home = s.volumes.find((v) => v.type === "bind" && v.source?.startsWith("~"));
      if (home) compose.push(`bind mount of ${home.source} in ${f.name}`);
      const deploy = deref(f.doc, s.keys.get("deploy")?.value);
      if (isMap(deploy)) {
        for (const k of SWARM_DEPLOY_KEYS) if (hasKey(f, deploy, k)) swarm.push(`deploy.${k} in ${f.name}`);
      }
    }
    for (const n of f.networks) {
      const m = deref(f.doc, n.pair.value);
      if (isMap(m) && scalarString(f.doc, m.get("driver", true)) === "overlay")
        swarm.push(`overlay network in ${f.name}`);
    }
  }
  if (compose.length > 0) return { kind: "compose-project", signals: unique(compose) };
  // A swarm file named like abra's (`compose.yml`, which `docker compose` and swarm stacks seldom use) is taken
  // for a recipe without abra's files yet; `kinds` in the config says otherwise.
  if (inp.files.includes("compose.yml")) {
    return {
      kind: "abra-recipe",
      signals: ["compose.yml, abra's file name, with nothing of a compose project"],
    };
  }
  if (swarm.length > 0) return { kind: "swarm-stack", signals: unique(swarm) };
  return { kind: "compose-project", signals: ["a docker-compose file with nothing of a swarm stack"] };
}

function hasKey(f: ComposeFile, m: YAMLMap, key: string): boolean {
  return m.items.some((p) => scalarString(f.doc, p.key) === key);
}

function unique(xs: string[]): string[] {
  return [...new Set(xs)].slice(0, 4);
}
