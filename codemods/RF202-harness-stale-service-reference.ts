import { RF202_DATA } from "../analyzers/RF202-harness-stale-service-reference.js";
import { SERVICE_PARAMETER } from "../analyzers/RF202-harness-stale-service-reference.js";
import { harnessRepo } from "../analyzers/support/harness-recipes.js";
import type { Finding } from "../core/finding.js";
import type { Problem } from "../analyzers/rule.js";
import type { Codemod } from "./codemod.js";
import { replace } from "../core/edit.js";

/**
 * Points the call at the real service: the argument's value becomes that name as a literal, in the
 * quote style it was written in; a call that relied on the helper's default gets the keyword. A
 * constant reference (`service=DEFAULT`) is replaced at the call,
 * never at the constant: other recipes' calls may share it.
 */
export const rf202Codemod: Codemod = {
  fix(problem, ws) {
    const model = ws.harness;
    const data = RF202_DATA.of(problem);
    if (!model || !data) return null;
    if (!data.replacement)
      return {
        unavailable: `no single service of ${problem.recipe} stands out to replace \`${data.service}\` (it has ${data.services.join(", ") || "none"}): a person must choose`,
      };
    const module = model.modules.find((m) => m.source.path === data.file);
    if (!module) return null;
    const written = module.source.text.slice(data.start, data.end);
    const quote = written.startsWith("'") ? "'" : '"';
    const value = `${quote}${data.replacement}${quote}`;
    let at = { start: data.start, end: data.end };
    let literal = value;
    if (data.insert) {
      // One argument per line with a trailing comma: the keyword gets a line of its own, the same way.
      const text = module.source.text;
      const multiline = /^,[ \t]*\n/.exec(text.slice(data.start));
      if (multiline) {
        const indent = /^[ \t]*/.exec(
          module.source.lines.lineText(module.source.lines.position(data.start).line),
        )![0];
        at = { start: data.start + 1, end: data.start + 1 };
        literal = `\n${indent}${SERVICE_PARAMETER}=${value},`;
      } else literal = `, ${SERVICE_PARAMETER}=${value}`;
    }
    return {
      summary: `address service \`${data.replacement}\` instead of \`${data.service}\` (${data.reason ?? "the only candidate"})`,
      repo: harnessRepo(model),
      edits: [replace(module.source.absPath, at, literal)],
    };
  },
  afterSeries(items, patches) {
    // A recipe patch that adds the service the harness names makes the harness reference right: ship
    // the recipe patch alone.
    return linkServiceReferences(items, patches)
      .filter((l) => l.why === "adds-service")
      .map((l) => l.harnessFinding);
  },
};

/** Top-level service keys a compose diff adds and removes (two-space keys under `services:`). */
export function servicesChanged(patch: string): { added: string[]; removed: string[] } {
  const added: string[] = [];
  const removed: string[] = [];
  for (const section of patch.split(/^diff --git /m)) {
    const file = /^\+\+\+ b\/(.+)$/m.exec(section)?.[1] ?? /^--- a\/(.+)$/m.exec(section)?.[1];
    if (!file || !/(^|\/)(docker-)?compose(\.[^/]+)?\.ya?ml$/.test(file)) continue;
    for (const m of section.matchAll(/^([+-]) {2}([A-Za-z0-9][A-Za-z0-9_.-]*):\s*$/gm)) {
      (m[1] === "+" ? added : removed).push(m[2]!);
    }
  }
  return {
    added: added.filter((s) => !removed.includes(s)),
    removed: removed.filter((s) => !added.includes(s)),
  };
}

/** A harness finding and the recipe findings whose patches it must land with. */
export interface ServiceLink {
  harnessFinding: string;
  recipeFindings: string[];
  why: "adds-service" | "removes-replacement";
}

/**
 * Links an RF202 finding with the recipe findings whose patches change the services it is about: a
 * recipe patch that adds the service the harness names (a rename the harness already follows) or
 * removes the one the harness fix would point at. Both findings get each other's id in `related`:
 * the two patches must land together. The pipeline calls this once the series is built. Returned: each
 * link and why; with `adds-service`, the recipe patch makes the harness reference right, so the pipeline
 * should withdraw the RF202 harness patch rather than ship both.
 */

export function linkServiceReferences(
  items: { problem: Problem; finding: Finding }[],
  patches: readonly { repo: { kind: string; name: string }; content: string; findingIds: string[] }[],
): ServiceLink[] {
  const links: ServiceLink[] = [];
  for (const item of items) {
    if (item.problem.rule !== "RF202") continue;
    const data = RF202_DATA.of(item.problem);
    if (!data) continue;
    for (const patch of patches) {
      if (patch.repo.kind !== "recipe" || patch.repo.name !== item.problem.recipe) continue;
      const { added, removed } = servicesChanged(patch.content);
      const why = added.includes(data.service)
        ? "adds-service"
        : data.replacement !== null && removed.includes(data.replacement)
          ? "removes-replacement"
          : null;
      if (!why) continue;
      links.push({ harnessFinding: item.finding.id, recipeFindings: [...patch.findingIds].sort(), why });
      for (const id of patch.findingIds) {
        const other = items.find((i) => i.finding.id === id);
        if (!other) continue;
        item.finding.related = [...new Set([...(item.finding.related ?? []), id])].sort();
        other.finding.related = [...new Set([...(other.finding.related ?? []), item.finding.id])].sort();
      }
    }
  }
  return links;
}
