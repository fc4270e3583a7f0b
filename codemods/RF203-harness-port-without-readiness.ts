import { join } from "node:path";
import { findConstant, recipeOfPath } from "../harness/model.js";
import { CONSECUTIVE_KEY, RF203_DATA } from "../analyzers/RF203-harness-port-without-readiness.js";
import type { ProbeValue, Rf203Data } from "../analyzers/RF203-harness-port-without-readiness.js";
import { harnessRepo } from "../analyzers/support/harness-recipes.js";
import type { Codemod } from "./codemod.js";
import type { Edit } from "../core/edit.js";
import { replace } from "../core/edit.js";
import { commentOf, statementEnd } from "./support/harness-text.js";

/**
 * A `READY_PROBE` for the port in the recipe's meta, spelled like the harness spells it, written after
 * `HEALTH_PATH` (the gate it completes), with the machinery's TLS switch set when the port speaks TLS
 * (a TCP connect says nothing about a handshake); and the raised retry budgets (attempts, or a time
 * budget) of the helper that retries the connection. A probe is only added where the machinery reads
 * one; a recipe that already probes another port keeps it (there is one probe per recipe), and gets
 * the retry budget only.
 */
export const rf203Codemod: Codemod = {
  fix(problem, ws) {
    const model = ws.harness;
    const data = RF203_DATA.of(problem);
    if (!model || !data) return null;
    const edits: Edit[] = [];
    const did: string[] = [];
    if (data.probeSupported && !data.otherProbe) {
      const meta = data.metaFile ? model.modules.find((m) => m.source.path === data.metaFile) : undefined;
      const test = model.modules.find(
        (m) => m.source.path === (typeof problem.file === "string" ? problem.file : problem.file.path),
      );
      const language = meta?.language ?? test?.language ?? "python";
      const why = comment(data, language === "python" ? "#" : "//");
      const value = (v: ProbeValue) =>
        typeof v === "boolean" && language === "python" ? (v ? "True" : "False") : String(v);
      const line =
        language === "python"
          ? `READY_PROBE = {${data.probe.map(([k, v]) => `${JSON.stringify(k)}: ${value(v)}`).join(", ")}}\n`
          : `export const READY_PROBE = { ${data.probe.map(([k, v]) => `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k)}: ${value(v)}`).join(", ")} };\n`;
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
      did.push(
        `READY_PROBE on port ${data.port} (${consecutive(data)} consecutive ${data.probeChecks === "tls" ? "TLS handshakes" : "connects"})`,
      );
      if (data.tlsUnchecked) did.push(`the harness's probe can only check TCP connects: it reads no TLS key`);
    }
    if (data.tlsSwitch) {
      const sw = data.tlsSwitch;
      const meta = model.modules.find((m) => m.source.path === sw.file);
      if (meta) {
        const python = meta.language === "python";
        const truth = python ? "True" : "true";
        const key = sw.quotedKeys || python ? JSON.stringify(sw.key) : sw.key;
        edits.push(
          sw.value
            ? replace(meta.source.absPath, sw.value, truth)
            : replace(meta.source.absPath, { start: sw.after, end: sw.after }, `, ${key}: ${truth}`),
        );
        did.push(`the READY_PROBE of port ${data.port} completes TLS handshakes, not only TCP connects`);
      }
    }
    for (const budget of data.retry) {
      const module = model.modules.find((m) => m.source.path === budget.file);
      if (!module) continue;
      edits.push(
        replace(module.source.absPath, { start: budget.start, end: budget.end }, String(budget.raised)),
      );
      did.push(
        budget.unit === "attempts"
          ? `retry budget ${budget.what} ${budget.current} → ${budget.raised}`
          : `time budget ${budget.what} ${budget.current} → ${budget.raised}${budget.unit === "seconds" ? " s" : " ms"}`,
      );
    }
    if (edits.length === 0)
      return {
        unavailable: !data.probeSupported
          ? `no lifecycle of the harness reads READY_PROBE, and no helper retries the connection to port ${data.port}`
          : data.otherProbe
            ? `${problem.recipe}'s READY_PROBE is for another port (one probe per recipe), and no helper retries the connection to port ${data.port}`
            : `nothing to write: the readiness gate of port ${data.port} cannot be placed`,
      };
    return {
      summary: `readiness gate for port ${data.port}: ${did.join("; ")}`,
      repo: harnessRepo(model),
      edits,
    };
  },
};

function consecutive(data: Rf203Data): number {
  const n = data.probe.find(([k, v]) => CONSECUTIVE_KEY.test(k) && typeof v === "number");
  return typeof n?.[1] === "number" ? n[1] : 1;
}

/** What the probe checks, truthfully: TLS handshakes, or TCP connects only (even on a TLS port). */
function comment(data: Rf203Data, mark: string): string {
  const n = consecutive(data);
  if (data.probeChecks === "tls") {
    return (
      `${mark} Port ${data.port} is ready when it completes ${n} TLS handshake${n === 1 ? "" : "s"} in a row: a server can accept\n` +
      `${mark} connections before it can answer a handshake, and the HTTP health path says nothing about it.\n`
    );
  }
  const tcp = `${mark} Port ${data.port} is ready when it accepts ${n} TCP connection${n === 1 ? "" : "s"} in a row`;
  if (data.tlsUnchecked) {
    return (
      `${tcp}: the HTTP health path says nothing about it.\n` +
      `${mark} The harness's probe checks TCP connects only, not the TLS handshake the test makes.\n`
    );
  }
  return `${tcp}: the HTTP health path says nothing about it.\n`;
}
