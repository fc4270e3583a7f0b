// Part of `npm run build`: compiles the report's Handlebars templates (templates/report/*.hbs) ahead of
// time into dist/reports/html/precompiled-templates.js. Compiling them at run time cost every
// `redfix analyze` ~70 ms (the compiler and its source maps), a fifth of analyzing one recipe.
// The module carries the digest of the sources it was made from: reports/html/render.ts uses it
// only while the templates are unchanged, and compiles them itself otherwise.
import { readdirSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import Handlebars from "handlebars";
import { createHash } from "node:crypto";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dir = join(root, "templates", "report");
const h = createHash("sha256");
const specs = [];
for (const f of readdirSync(dir).sort()) {
  if (!f.endsWith(".hbs")) continue;
  const text = readFileSync(join(dir, f), "utf8");
  h.update(f).update("\0").update(text).update("\0");
  // strict, as render.ts compiles them: a field the view lacks is an error, not an empty cell.
  specs.push(`  ${JSON.stringify(f.slice(0, -4))}: ${Handlebars.precompile(text, { strict: true })},`);
}
const out = join(root, "dist", "reports", "html", "precompiled-templates.js");
mkdirSync(dirname(out), { recursive: true });
writeFileSync(
  out,
  `// Made by scripts/precompile-templates.mjs from templates/report/*.hbs (npm run build): do not edit.\n` +
    `export const digest = ${JSON.stringify(h.digest("hex"))};\n` +
    `export const specs = {\n${specs.join("\n")}\n};\n`,
);
