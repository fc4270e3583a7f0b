import type { Range, SourceFile } from "../core/source.js";
import { recipePath } from "../load/workspace.js";
import type { Rule } from "./rule.js";
import { ABRA_ONLY } from "./rule.js";
import { abraRecipes } from "./support/abra-recipe.js";

const START = "<!-- metadata -->";
const END = "<!-- endmetadata -->";
/** The fields abra requires, in the order its README template lists them. */
export const METADATA_FIELDS = ["Category", "Image", "Healthcheck", "Backups", "Email", "SSO"] as const;

export interface MetadataField {
  name: string;
  value: string;
  /** The field's line. */
  range: Range;
}

export interface ReadmeMetadata {
  /** From the start marker to the end marker. */
  range: Range;
  fields: MetadataField[];
}

/** The block between `<!-- metadata -->` and `<!-- endmetadata -->`, one `* **Name**: value` per line. */
export function readmeMetadata(readme: SourceFile): ReadmeMetadata | null {
  const text = readme.text;
  const start = text.indexOf(START);
  if (start === -1) return null;
  const end = text.indexOf(END, start + START.length);
  if (end === -1) return null;
  const fields: MetadataField[] = [];
  let offset = start + START.length;
  for (const line of text.slice(offset, end).split("\n")) {
    const m = /\*\*([^*]+)\*\*:?(.*)$/.exec(line.replace(/\r$/, ""));
    if (m)
      fields.push({
        name: m[1]!.trim(),
        value: m[2]!.trim(),
        range: { start: offset, end: offset + line.length },
      });
    offset += line.length + 1;
  }
  return { range: { start, end: end + END.length }, fields };
}

/** abra reads the image field as "[`name`](url), rating, source": fewer parts leave the image unknown. */
function imageFilled(value: string): boolean {
  const parts = value.split(",").map((p) => p.trim());
  if (parts.length < 3) return false;
  return (
    parts[0]!
      .replace(/\]\(.*$/, "")
      .replace(/[[\]`]/g, "")
      .trim() !== ""
  );
}

function filled(field: MetadataField): boolean {
  return field.name === "Image" ? imageFilled(field.value) : field.value !== "";
}

export const r007: Rule = {
  meta: {
    id: "R007",
    name: "readme-metadata",
    description:
      "README.md has a metadata block with Category, Image, Healthcheck, Backups, Email and SSO filled in",
    severity: "warning",
    target: "recipe",
    classification: "recipe-defect",
    fixable: false,
    kinds: ABRA_ONLY,
    scope: "recipe",
    docs: `abra recipe lint R007, "README.md metadata filled in" (level warn). The recipe catalogue and its web page
are generated from the block between \`<!-- metadata -->\` and \`<!-- endmetadata -->\`.

What: README.md exists and has the block; in it, the lines \`* **Category**:\`, \`* **Image**:\`,
\`* **Healthcheck**:\`, \`* **Backups**:\`, \`* **Email**:\` and \`* **SSO**:\` each have a value. \`Image\` must read
\`[\\\`name\\\`](url), rating, source\` (three comma-separated parts, as abra parses it). A field that is present but
empty is reported at its line; a missing field at the start marker; a missing block at the top of README.md; a
missing README.md at that path. \`?\` counts as filled, as in abra. \`Status\` and \`Tests\` are not required.

Fix: none is mechanical — the values are facts about the recipe that only its maintainer knows. The message
names the field and the form it takes.

Source: confirmed — abra's \`pkg/lint\` API index (pkg.go.dev's rendering of coopcloud.tech/abra/pkg/lint) has \`LintMetadataFilledIn\`; the id, the level (warn) and the fields checked (via abra's \`GetRecipeFeaturesAndCategory\`: category, backups, email, healthcheck, image, SSO) are inferred from abra's recipe package as remembered and the README template of coop-cloud/example.`,
  },
  check(ctx) {
    for (const recipe of abraRecipes(ctx.workspace)) {
      const readme = recipe.readme;
      if (!readme) {
        ctx.report({
          recipe: recipe.name,
          file: recipePath(recipe, "README.md"),
          position: { line: 1, column: 1 },
          message: `the recipe has no README.md: add one with a \`${START}\` … \`${END}\` block (${METADATA_FIELDS.map((f) => `\`* **${f}**:\``).join(", ")})`,
          key: "readme",
        });
        continue;
      }
      const meta = readmeMetadata(readme);
      if (!meta) {
        ctx.report({
          recipe: recipe.name,
          file: readme,
          range: { start: 0, end: 0 },
          message: `README.md has no \`${START}\` … \`${END}\` block: add one with ${METADATA_FIELDS.map((f) => `\`* **${f}**:\``).join(", ")}`,
          key: "readme:block",
        });
        continue;
      }
      for (const name of METADATA_FIELDS) {
        const field = meta.fields.find((f) => f.name === name);
        if (field && filled(field)) continue;
        const form =
          name === "Image"
            ? "``* **Image**: [`name`](https://hub.docker.com/…), <rating>, <upstream|4-star|…>``"
            : `\`* **${name}**: <value>\``;
        ctx.report({
          recipe: recipe.name,
          file: readme,
          range: field?.range ?? { start: meta.range.start, end: meta.range.start + START.length },
          message: field
            ? `README metadata \`${name}\` is not filled in: write it as ${form}`
            : `README metadata has no \`${name}\` line: add ${form} to the block`,
          key: `readme:${name}`,
        });
      }
    }
  },
};
