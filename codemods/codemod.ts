import type { RedfixConfig } from "../load/config.js";
import type { Workspace } from "../load/workspace.js";
import type { Problem } from "../analyzers/rule.js";
import type { Edit } from "./edit.js";

/** Where a patch applies: a recipe's repo or the harness repo. */
export interface Repo {
  name: string;
  kind: "recipe" | "harness";
  /** Absolute path of the repo root. */
  path: string;
}

export interface FixPlan {
  summary: string;
  repo: Repo;
  edits: Edit[];
}

/** A fix for one rule: from a problem and the model to edits (jscodeshift-style, one function). */
export interface Codemod {
  rule: string;
  fix(problem: Problem, workspace: Workspace, config: RedfixConfig): FixPlan | null;
}
