import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { evaluateCall } from "../../harness/evaluate.js";
import type { TraceStep } from "../../harness/evaluate.js";
import { loadHarness } from "../../harness/load.js";
import type { HarnessModel } from "../../harness/model.js";
import { harnessTree, moduleOf, pythonFixture, slice, typescriptFixture } from "./support.js";

const CANONICAL = "runner.harness.canonical.canonical_domain";
const STABLE = "runner.harness.warm.stable_domain";

function traceText(model: HarnessModel, steps: TraceStep[]): string[][] {
  return steps.map((s) => {
    const module = model.modules.find((m) => m.source.path === s.file)!;
    return [s.kind, s.name, slice(module, s.range)];
  });
}

for (const [language, dir, ext] of [
  ["python", pythonFixture, "py"],
  ["typescript", typescriptFixture, "ts"],
] as const) {
  test(`${language}: canonical_domain("keycloak") collides with stable_domain("keycloak"), with its trace`, async () => {
    const model = await loadHarness(dir);
    const canonical = evaluateCall(model, CANONICAL, ["keycloak"]);
    const stable = evaluateCall(model, STABLE, ["keycloak"]);
    assert.ok("value" in canonical && "value" in stable);
    if (!("value" in canonical) || !("value" in stable)) return;
    assert.is(canonical.value, "warm-keycloak.ci.commoninternet.net");
    assert.is(canonical.value, stable.value);
    const steps = traceText(model, canonical.trace);
    const returns =
      language === "python"
        ? ['return "{}.{}".format(label, BASE)', 'return "%s-%s" % (prefix, r)']
        : ["return `${label}.${BASE}`;", 'return prefix + "-" + r;'];
    assert.equal(steps[0], ["function", CANONICAL, returns[0]]);
    assert.equal(steps[1], ["function", "runner.harness.canonical._label", returns[1]]);
    const constants = steps.filter((s) => s[0] === "constant").map((s) => s[1]);
    assert.equal(constants, ["runner.harness.canonical.PREFIX", "runner.harness.warm.CI_BASE_DOMAIN"]);
    const base = steps.find((s) => s[1] === "runner.harness.warm.CI_BASE_DOMAIN")!;
    assert.match(base[2]!, /^(export const )?CI_BASE_DOMAIN = /);
    assert.ok(steps.some((s) => s[0] === "environment" && s[1] === "CC_CI_BASE_DOMAIN"));
    for (const s of canonical.trace) {
      assert.ok(s.file.endsWith(`.${ext}`));
      const module = model.modules.find((m) => m.source.path === s.file)!;
      assert.is(s.line, module.source.lines.position(s.range.start).line);
    }
    const returnLine = model.modules
      .find((m) => m.name === "runner.harness.canonical")!
      .source.text.split("\n")
      .findIndex((l) => l.includes(returns[0]!));
    assert.is(canonical.trace[0]!.line, returnLine + 1);
  });

  test(`${language}: a collision-free canonical_domain changes only the warm providers`, async () => {
    const files: Record<string, string> = {};
    const walk = (d: string): void => {
      for (const name of readdirSync(d)) {
        const abs = join(d, name);
        if (statSync(abs).isDirectory()) walk(abs);
        else files[relative(dir, abs)] = readFileSync(abs, "utf8");
      }
    };
    walk(dir);
    const path = `runner/harness/canonical.${ext}`;
    const original = files[path]!;
    files[path] =
      language === "python"
        ? original.replace(
            "    label = _label(r)\n",
            '    if r in warm.WARM_DOMAINS:\n        return f"warm-canon-{r}.{BASE}"\n    label = _label(r)\n',
          )
        : original.replace(
            "  const label = _label(r);\n",
            "  if (r in warm.WARM_DOMAINS) return `warm-canon-${r}.${BASE}`;\n  const label = _label(r);\n",
          );
    assert.is.not(files[path], original);
    const model = await loadHarness(harnessTree(files));
    const keycloak = evaluateCall(model, CANONICAL, ["keycloak"]);
    assert.ok("value" in keycloak && keycloak.value === "warm-canon-keycloak.ci.commoninternet.net");
    const stable = evaluateCall(model, STABLE, ["keycloak"]);
    assert.ok("value" in stable && "value" in keycloak && stable.value !== keycloak.value);
    const gitea = evaluateCall(model, CANONICAL, ["gitea"]);
    assert.ok("value" in gitea && gitea.value === "warm-gitea.ci.commoninternet.net");
    const condition = gitea.trace.find((s) => s.kind === "condition")!;
    assert.is(slice(moduleOf(model, "runner.harness.canonical"), condition.range), "r in warm.WARM_DOMAINS");
    assert.is(condition.note, "does not hold");
  });
}

test.run();
