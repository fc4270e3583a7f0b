/**
 * A rule is one module that describes itself (ESLint-style): `meta` feeds `redfix rules`, the SARIF
 * `tool.driver.rules` and the report; `check` is pure — it reads the workspace model and reports
 * problems, never the disk, never text edits (fixes live in `codemods/`).
 */
import type { Classification, Finding, RootName, Severity, Target } from "../core/finding.js";
import type { Position, Range, SourceFile } from "../core/source.js";
import type { ConfigOption, FolderKind } from "../load/config.js";
import type { Recipe, Workspace } from "../load/workspace.js";

export interface RuleMeta {
  id: string;
  /** kebab-case name, e.g. `depends-on-undefined-service`. */
  name: string;
  /** One line: what it finds. */
  description: string;
  severity: Severity;
  target: Target;
  classification: Classification;
  fixable: boolean;
  /** The folder kinds it judges (load/kinds.ts): the pipeline hands it only recipes of these kinds. */
  kinds: readonly FolderKind[];
  /**
   * What one finding of the rule depends on: `recipe` — the recipe it is in and nothing else (no
   * other recipe, no harness, no workspace-level load problem), so `--cache` reuses its findings for
   * an unchanged recipe; `workspace` (the default) — the whole workspace (RF120 compares recipes, the
   * harness rules look up recipes' services), so it runs on every recipe in every run that is not a
   * full cache hit. test/pipeline/incremental.test.ts checks each `recipe` rule finds the same per
   * recipe alone as in the whole workspace.
   */
  scope?: RuleScope;
  /** Markdown: why it matters, what it checks, the fix, and the source of the rule. */
  docs: string;
}

export type RuleScope = "recipe" | "workspace";

/** abra's lint rules: what `abra recipe lint` judges holds only for abra recipes. */
export const ABRA_ONLY: readonly FolderKind[] = ["abra-recipe"];
/** What holds for every `docker stack deploy`: abra recipes and plain swarm stacks. */
export const SWARM_KINDS: readonly FolderKind[] = ["abra-recipe", "swarm-stack"];
/** What holds for any compose file, whichever tool runs it. */
export const ALL_KINDS: readonly FolderKind[] = ["abra-recipe", "swarm-stack", "compose-project"];

export interface ProblemEvidence {
  root?: RootName;
  source: SourceFile;
  range: Range;
  note: string;
}

/**
 * Evidence in a recipe the run did not load (`Workspace.deferred`): its position as an earlier run
 * of the same bytes resolved it.
 */
export interface PlacedEvidence {
  root?: RootName;
  at: Placed;
  note: string;
}

export interface Placed {
  file: string;
  line: number;
  endLine?: number;
}

/** Where evidence at `range` of `source` is shown: its first line, and its last when another. */
export function placed(source: SourceFile, range: Range): Placed {
  const a = source.lines.position(range.start);
  const b = source.lines.position(Math.max(range.start, range.end - 1));
  return { file: source.path, line: a.line, ...(b.line !== a.line ? { endLine: b.line } : {}) };
}

export interface Problem<D = unknown> {
  rule: string;
  recipe: string;
  root: RootName;
  /** The file the problem is in; a string path when the file could not be read. */
  file: SourceFile | string;
  range?: Range;
  /** When there is no text to hold a range (an unreadable file). */
  position?: Position;
  message: string;
  evidence: (ProblemEvidence | PlacedEvidence)[];
  /** Identifies the problem independently of line numbers, so ids survive unrelated edits. */
  key: string;
  severity: Severity;
  target: Target;
  classification: Classification;
  data?: D;
}

/**
 * A rule's facts for its codemod, typed: the rule exports one (`ruleData<Rf203Data>("RF203")`) and
 * reports through it; the codemod imports it and reads `problem.data` only through `of`, which
 * answers only for problems of that rule. No codemod casts `problem.data` itself.
 */
export interface RuleData<D> {
  readonly rule: string;
  of(problem: Problem): D | null;
}

export function ruleData<D>(rule: string): RuleData<D> {
  return {
    rule,
    of: (problem) =>
      problem.rule === rule && typeof problem.data === "object" && problem.data !== null
        ? (problem.data as D)
        : null,
  };
}

export type ProblemInput<D = unknown> = Omit<
  Problem<D>,
  "rule" | "severity" | "target" | "classification" | "evidence" | "root"
> &
  Partial<Pick<Problem<D>, "severity" | "target" | "classification" | "evidence" | "root">>;

export interface RuleContext {
  workspace: Workspace;
  report<D>(p: ProblemInput<D>): void;
}

export interface Rule {
  meta: RuleMeta;
  check(ctx: RuleContext): void;
  /**
   * What a harness test's node id says when it exercises this rule's defect (`test_restore…` for a
   * backup rule): `verify` replays the tests of the finding's recipe that match.
   */
  replayTopics?: RegExp;
  /**
   * What `verify` observes on a real swarm to show the defect (before the fix) and its absence
   * (after), from a problem's data; null when the problem has nothing to deploy.
   */
  swarm?: (data: unknown) => SwarmProbe | null;
  /** Config keys the rule's fix reads, with their values and default. */
  options?: readonly ConfigOption[];
  /**
   * A `workspace` rule that compares recipes through a table: what one recipe puts in it (`facts`,
   * JSON, each under a key) and the keys it looks up (`lookups`). The incremental cache keeps both
   * per recipe; an unchanged recipe is then not loaded at all — its stored facts stand in for it
   * (`Workspace.deferred`, which `check` must read as it reads loaded recipes) — unless a fact under
   * one of its lookups changed.
   */
  cross?: {
    facts(recipe: Recipe): CrossFact[];
    lookups(recipe: Recipe): string[];
  };
}

export interface CrossFact {
  key: string;
  [field: string]: unknown;
}

/**
 * A swarm observation (`verify`'s deploy phase), the same before and after the fix. `files`: compose
 * files deployed besides the `.env.sample`'s `COMPOSE_FILE` (the overlay the problem is in).
 * - `deploy`: `docker stack deploy` itself succeeds;
 * - `write`: a write to `path` from a task of `service` succeeds;
 * - `resolve`: from a task of the service mounting `config` (or of `consumer`), the name the rendered
 *   config uses for `service` resolves to exactly that service's address, with the workspace's other
 *   stacks that have a `host` on the same network deployed beside it;
 * - `redeploy`: deploying the release `tag`, then the head, under one stack name succeeds;
 * - `render`: the golang-templated `config`, read back from a task of `service` as swarm rendered it,
 *   shows the app's value of `variable` where the template reads `env "variable"`;
 * - `inspect`: `docker service inspect` of `service` (and its task) shows swarm doing what the compose
 *   key `key` says, or, once the key is gone, what the file says instead. `links`: the names the
 *   links gave, to resolve from the task; `restart`: the policy `restart` means in compose terms.
 */
export type SwarmProbe =
  | { kind: "deploy"; files: string[] }
  | { kind: "write"; service: string; path: string; files: string[] }
  | { kind: "resolve"; service: string; host: string; config: string | null; files: string[] }
  | { kind: "redeploy"; tag: string; files: string[] }
  | { kind: "render"; service: string; config: string; variable: string; files: string[] }
  | {
      kind: "inspect";
      service: string;
      key: "container_name" | "build" | "links" | "restart";
      files: string[];
      links?: string[];
      restart?: RestartPolicy | null;
    };

/** A swarm restart policy: `condition` any, on-failure or none; no `maxAttempts`: unlimited. */
export interface RestartPolicy {
  condition: string;
  maxAttempts?: number;
}

/** A problem paired with the finding it became: codemods need the former, outputs the latter. */
export interface Analyzed {
  problem: Problem;
  finding: Finding;
}
