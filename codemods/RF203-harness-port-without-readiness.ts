import { join } from "node:path";
import { findConstant, recipeOfPath } from "../harness/model.js";
import {
  CONSECUTIVE_KEY,
  RF203_DATA,
  WAIT_FOR_PORT,
} from "../analyzers/RF203-harness-port-without-readiness.js";
import type { ProbeValue, Rf203Data, WaitFor } from "../analyzers/RF203-harness-port-without-readiness.js";
import type { HarnessModel, HarnessModule } from "../harness/model.js";
import { harnessRepo } from "../analyzers/support/harness-recipes.js";
import type { Codemod, NoFix } from "./codemod.js";
import type { Edit } from "../core/edit.js";
import { replace } from "../core/edit.js";
import { commentOf, importPoint, statementEnd } from "./support/harness-text.js";

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
    if (!data.probeSupported && edits.length === 0 && data.waitFor) {
      const wait = waitForPort(model, data.waitFor);
      if ("unavailable" in wait) return wait;
      return {
        summary: `${data.nodeId} waits for port ${data.port} itself: its ${wait.what} is retried within ${wait.budget} (no lifecycle reads READY_PROBE)`,
        repo: harnessRepo(model),
        edits: wait.edits,
        // One helper per module, whichever tests of it need it.
        cause: `wait:${data.waitFor.file}`,
      };
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

/**
 * A test whose harness has no readiness gate for the port waits for it itself: its call of the
 * helper that connects goes through a module-level `wait_for_port`, which retries it while the
 * connection is refused or reset (OSError, which covers ssl errors and timeouts) within the recipe's
 * HTTP_TIMEOUT, then lets the last error through. Python test modules only.
 */
function waitForPort(model: HarnessModel, wait: WaitFor): WaitWritten | NoFix {
  const module = model.modules.find((m) => m.source.path === wait.file);
  if (!module) return { unavailable: `${wait.file} is not a module of the harness model` };
  if (module.language !== "python") return waitForPortTs(module, wait);
  if (wait.testStart === null)
    return {
      unavailable: `no lifecycle reads READY_PROBE, and the test is a method: no module-level wait for it`,
    };
  const text = module.source.text;
  const edits: Edit[] = [];
  const timeAlias = module.imports.find((i) => i.module === "time" && i.symbol === undefined)?.alias;
  const time = timeAlias ?? "time";
  if (!timeAlias) {
    const at = importPoint(module);
    edits.push(replace(module.source.absPath, { start: at, end: at }, "import time\n"));
  }
  if (!module.functions.some((f) => f.name === WAIT_FOR_PORT && !f.className)) {
    // Before the module's first top-level definition (its decorators included): one place for all.
    const firstDef = module.functions
      .filter((f) => !f.className && !f.qualifiedName.slice(module.name.length + 1).includes("."))
      .sort((a, b) => a.range.start - b.range.start)[0];
    let at = text.lastIndexOf("\n", (firstDef?.range.start ?? wait.testStart) - 1) + 1;
    while (at > 0) {
      const prev = text.lastIndexOf("\n", at - 2) + 1;
      if (!text.slice(prev, at).trimStart().startsWith("@")) break;
      at = prev;
    }
    const unit = /\n([ \t]+)\S/.exec(text)?.[1]?.startsWith("\t") ? "\t" : "    ";
    const [i1, i2, i3, i4] = [1, 2, 3, 4].map((n) => unit.repeat(n));
    edits.push(
      replace(
        module.source.absPath,
        { start: at, end: at },
        `def ${WAIT_FOR_PORT}(attempt, budget, delay=0.5):\n` +
          `${i1}"""Runs attempt() until the port it reaches answers: no lifecycle of this harness waits for a\n` +
          `${i1}non-HTTP port (it reads no READY_PROBE), so the test does, within the recipe's HTTP_TIMEOUT."""\n` +
          `${i1}deadline = ${time}.monotonic() + budget\n` +
          `${i1}while True:\n` +
          `${i2}try:\n` +
          `${i3}return attempt()\n` +
          `${i2}except OSError:\n` +
          `${i3}if ${time}.monotonic() >= deadline:\n` +
          `${i4}raise\n` +
          `${i2}${time}.sleep(delay)\n` +
          `\n\n`,
      ),
    );
  }
  const call = text.slice(wait.call.start, wait.call.end);
  edits.push(
    replace(module.source.absPath, wait.call, `${WAIT_FOR_PORT}(lambda: ${call}, ${wait.budgetSeconds})`),
  );
  return waitWritten(edits, call, wait);
}

/** The TypeScript name of the helper (the harness's own camelCase). */
const WAIT_FOR_PORT_TS = "waitForPort";

/**
 * The same wait in a TypeScript (node:test) module: an awaited call of the helper becomes
 * `await waitForPort(() => helper(…), <ms>)`, a module-level function added after the imports that
 * retries while the connection is refused, reset or times out (Node's error codes), within the
 * recipe's HTTP_TIMEOUT.
 */
function waitForPortTs(module: HarnessModule, wait: WaitFor): WaitWritten | NoFix {
  if (!wait.awaited)
    return {
      unavailable: `no lifecycle reads READY_PROBE, and the test does not await its connect helper: no wait written for it`,
    };
  const text = module.source.text;
  const edits: Edit[] = [];
  if (!module.functions.some((f) => f.name === WAIT_FOR_PORT_TS)) {
    const at = importPoint(module);
    const unit = /\n([ \t]+)\S/.exec(text)?.[1]?.startsWith("\t") ? "\t" : "  ";
    const [i1, i2, i3] = [1, 2, 3].map((n) => unit.repeat(n));
    edits.push(
      replace(
        module.source.absPath,
        { start: at, end: at },
        `\n` +
          `/**\n` +
          ` * Runs attempt() until the port it reaches answers: no lifecycle of this harness waits for a\n` +
          ` * non-HTTP port (it reads no READY_PROBE), so the test does, within the recipe's HTTP_TIMEOUT.\n` +
          ` */\n` +
          `async function ${WAIT_FOR_PORT_TS}<T>(attempt: () => Promise<T>, budgetMs: number, delayMs = 500): Promise<T> {\n` +
          `${i1}const deadline = Date.now() + budgetMs;\n` +
          `${i1}for (;;) {\n` +
          `${i2}try {\n` +
          `${i3}return await attempt();\n` +
          `${i2}} catch (err) {\n` +
          `${i3}const code = (err as { code?: string }).code ?? "";\n` +
          `${i3}if (Date.now() >= deadline || !/^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH)$/.test(code)) throw err;\n` +
          `${i2}}\n` +
          `${i2}await new Promise((resolve) => setTimeout(resolve, delayMs));\n` +
          `${i1}}\n` +
          `}\n`,
      ),
    );
  }
  const call = text.slice(wait.call.start, wait.call.end);
  const ms = Math.round(wait.budgetSeconds * 1000);
  edits.push(
    replace(
      module.source.absPath,
      wait.call,
      `${WAIT_FOR_PORT_TS}(() => ${call}, ${ms >= 10_000 ? ms.toLocaleString("en-US").replace(/,/g, "_") : ms})`,
    ),
  );
  return waitWritten(edits, call, wait);
}

type WaitWritten = { edits: Edit[]; what: string; budget: string };

/** What a written wait says in the fix summary: the helper it retries and the budget's origin. */
function waitWritten(edits: Edit[], call: string, wait: WaitFor): WaitWritten {
  const what = call.slice(0, call.indexOf("(")).trim() || "connect helper";
  return {
    edits,
    what: `\`${what}\``,
    budget:
      wait.budgetFrom === "HTTP_TIMEOUT"
        ? `HTTP_TIMEOUT (${wait.budgetSeconds} s)`
        : `${wait.budgetSeconds} s (HTTP_TIMEOUT's default)`,
  };
}

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
