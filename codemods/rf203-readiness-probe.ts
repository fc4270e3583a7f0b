import { join } from "node:path";
import { findConstant, recipeOfPath } from "../harness/model.js";
import type { Rf203Data } from "../analyzers/rules/rf203-port-without-readiness.js";
import { harnessRepo } from "../analyzers/rules/rf200-harness-support.js";
import type { Codemod } from "./codemod.js";
import type { Edit } from "./edit.js";
import { replace } from "./edit.js";
import { commentOf, statementEnd } from "./rf200-harness-edits.js";

/**
 * A `READY_PROBE` for the port in the recipe's meta, spelled like the harness spells it, written after
 * `HEALTH_PATH` (the gate it completes); and a raised retry budget on the helper that retries the
 * connection. A probe is only added where the machinery reads one; a recipe that already probes
 * another port keeps it (there is one probe per recipe), and gets the retry budget only.
 */
export const rf203Codemod: Codemod = {
  rule: "RF203",
  fix(problem, ws) {
    const model = ws.harness;
    const data = problem.data as Rf203Data | undefined;
    if (!model || !data) return null;
    const edits: Edit[] = [];
    const did: string[] = [];
    if (data.probeSupported && !data.otherProbe) {
      const meta = data.metaFile ? model.modules.find((m) => m.source.path === data.metaFile) : undefined;
      const test = model.modules.find(
        (m) => m.source.path === (typeof problem.file === "string" ? problem.file : problem.file.path),
      );
      const language = meta?.language ?? test?.language ?? "python";
      const comment = language === "python" ? "#" : "//";
      const why =
        `${comment} Port ${data.port} is ready when it accepts ${consecutive(data)} ${data.kind === "tls" ? "TCP " : ""}connections in a row: ` +
        `the HTTP health path says nothing about it.\n`;
      const line =
        language === "python"
          ? `READY_PROBE = {${data.probe.map(([k, v]) => `${JSON.stringify(k)}: ${v}`).join(", ")}}\n`
          : `export const READY_PROBE = { ${data.probe.map(([k, v]) => `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k)}: ${v}`).join(", ")} };\n`;
      if (meta) {
        const anchor = findConstant(meta, "HEALTH_PATH") ?? meta.constants.at(-1);
        const at = anchor
          ? statementEnd(meta.source.text, anchor.range.start, commentOf(meta))
          : meta.source.text.length;
        const lead = at > 0 && !meta.source.text.slice(0, at).endsWith("\n") ? "\n" : "";
        edits.push(replace(meta.source.absPath, { start: at, end: at }, lead + why + line));
      } else {
        const recipe = recipeOfPath(data.nodeId);
        if (!recipe) return null;
        const ext = language === "python" ? "py" : "ts";
        edits.push({
          kind: "create",
          file: join(model.root, "tests", recipe, `recipe_meta.${ext}`),
          text: why + line,
          mode: "100644",
        });
      }
      did.push(`READY_PROBE on port ${data.port} (${consecutive(data)} consecutive connects)`);
    }
    if (data.retry) {
      const module = model.modules.find((m) => m.source.path === data.retry!.file);
      if (module) {
        edits.push(
          replace(
            module.source.absPath,
            { start: data.retry.start, end: data.retry.end },
            String(data.retry.raised),
          ),
        );
        did.push(`retry budget ${data.retry.what} ${data.retry.attempts} → ${data.retry.raised}`);
      }
    }
    if (edits.length === 0) return null;
    return {
      summary: `readiness gate for port ${data.port}: ${did.join("; ")}`,
      repo: harnessRepo(model),
      edits,
    };
  },
};

function consecutive(data: Rf203Data): number {
  return data.probe.find(([k]) => /consecutive|count|times|streak|successes/i.test(k))?.[1] ?? 1;
}
