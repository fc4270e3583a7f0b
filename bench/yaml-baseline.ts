/** The floor to compare with: a bare `yaml` parse of every compose file, in one process. */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseDocument } from "yaml";

const root = process.argv[2]!;
let docs = 0;
for (const recipe of readdirSync(root)) {
  for (const f of readdirSync(join(root, recipe))) {
    if (/^compose.*\.ya?ml$/.test(f)) {
      parseDocument(readFileSync(join(root, recipe, f), "utf8"));
      docs++;
    }
  }
}
const { user, system } = process.cpuUsage();
process.stdout.write(
  JSON.stringify({
    docs,
    findings: 0,
    patches: 0,
    hit: false,
    maxRssKiB: process.resourceUsage().maxRSS,
    cpuMs: Math.round((user + system) / 1000),
  }),
);
