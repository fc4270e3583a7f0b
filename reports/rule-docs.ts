/** Rule documentation pages (`docs/rules/<ID>.md`), generated from the same metadata as `redfix rules`. */
import type { RuleMeta } from "../analyzers/rule.js";

export function ruleDocPage(m: RuleMeta): string {
  return [
    `# ${m.id} — ${m.name}`,
    "",
    `> ${m.description}`,
    "",
    `| severity | target | classification | fix | judges |`,
    `|---|---|---|---|---|`,
    `| ${m.severity} | ${m.target} | ${m.classification} | ${m.fixable ? "yes" : "no"} | ${m.kinds.join(", ")} |`,
    "",
    m.docs.trim(),
    "",
    `Silence one finding with \`# redfix-disable-next-line ${m.id} -- <reason>\` on the line above it.`,
    "",
  ].join("\n");
}

export function ruleIndexPage(metas: RuleMeta[]): string {
  return [
    "# redfix rules",
    "",
    "Generated from the rules' metadata (`redfix rules --write-docs docs/rules`).",
    "",
    "Each rule judges only the folder kinds it names (docs/kinds.md): abra-recipe, swarm-stack, compose-project.",
    "",
    "| id | severity | fix | judges | what it finds |",
    "|---|---|---|---|---|",
    ...metas.map(
      (m) =>
        `| [${m.id}](${m.id}.md) | ${m.severity} | ${m.fixable ? "yes" : ""} | ${m.kinds.join(", ")} | ${m.description.replace(/\|/g, "\\|")} |`,
    ),
    "",
  ].join("\n");
}
