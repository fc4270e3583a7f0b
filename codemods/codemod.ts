/**
 * A fix is one module beside its rule, under the same base name (`codemods/<ID>-<name>.ts`): it turns
 * a problem and the model into edits (jscodeshift-style, one function). It builds all the text; the rule
 * only hands it facts (`problem.data`).
 */
import type { RedfixConfig } from "../load/config.js";
import type { Workspace } from "../load/workspace.js";
import type { Analyzed, Problem } from "../analyzers/rule.js";
import type { Edit } from "../core/edit.js";
import type { PatchFile, Repo } from "../core/patch.js";

export interface FixPlan {
  summary: string;
  repo: Repo;
  edits: Edit[];
  /**
   * The root cause this fix removes, when findings of the rule share one (all bare names of one
   * template, every key of one config under one bump): plans of one rule with the same cause in one
   * repo make one patch that lists all their findings. Absent: the finding is its own root cause.
   */
  cause?: string;
}

/** What a codemod returns when it cannot fix a problem: the reason, for findings.json and the report. */
export interface NoFix {
  unavailable: string;
}

export function isNoFix(x: FixPlan | NoFix | null | undefined): x is NoFix {
  return !!x && "unavailable" in x;
}

/** A text the run directory keeps beside the patches (an issue draft for upstream), never an edit of a repo. */
export interface Draft {
  /** Relative to the run directory. */
  path: string;
  text: string;
}

export interface Codemod {
  /** The plan, or why there is none (`{ unavailable }`); null only when the reason is generic. */
  fix(problem: Problem, workspace: Workspace, config: RedfixConfig): FixPlan | NoFix | null;
  /**
   * Runs once the series is built, over every analyzed problem: links this rule's findings to the
   * patches of others (`related`), and returns the ids of findings whose own patch another patch makes
   * unnecessary; the pipeline withdraws those and builds the series again.
   */
  afterSeries?(items: Analyzed[], patches: readonly PatchFile[]): string[];
  /** A draft the run directory keeps for a problem whose fix belongs to someone else (upstream). */
  draft?(problem: Problem, workspace: Workspace): Draft | null;
}
