import { test } from "uvu";
import * as assert from "uvu/assert";
import { evaluateCall, evaluateExpression, moduleConstant, MAX_CALL_DEPTH } from "../../harness/evaluate.js";
import type { EvalResult } from "../../harness/evaluate.js";
import { loadHarness } from "../../harness/load.js";
import type { HarnessModel } from "../../harness/model.js";
import { show } from "../../harness/values.js";
import { harnessTree, moduleOf } from "./support.js";

const PY_BASE = `import os
BASE = os.getenv("BASE_DOMAIN", "example.org")
PORT = 8443
NAMES = {"a": "alpha", "b": "beta"}
WARM_DOMAINS = {"keycloak": "kc"}
FLAG = True
SET = {"x", "y"}
LIST = ["p", "q"]
NESTED = NAMES["a"] + "-" + NAMES.get("z", "zed")
LOOP_A = LOOP_B
LOOP_B = LOOP_A


def helper():
    return "h"
`;

const PY_M = `import os
from pkg import base
from pkg.base import BASE, NAMES as N
import pkg.base


def literal():
    return 'it\\'s' "-x\\t" r"\\d"


def fstring(r):
    return f"{r}.{BASE}"


def fspec(r):
    return f"{r:>6}|{base.PORT:d}|{r!r}|{{x}}"


def fspec_unsafe(x):
    return f"{base.PORT:.2f}"


def concat(r):
    return "a-" + r + "-" + BASE


def percent(r):
    return "%s:%d/%-3s|" % (r, base.PORT, "x")


def percent_named(r):
    return "%(who)s@%(where)s" % {"who": r, "where": BASE}


def fmt(r):
    return "{0}-{0}-{name}-{}".format(r, name=N["b"]) if False else "{}-{name}".format(r, name=N["b"])


def env_default():
    return os.environ.get("X", "dflt")


def env_none():
    return os.environ.get("X")


def env_or():
    return os.environ.get("X") or "fallback"


def env_subscript():
    return os.environ["X"]


def cond(r):
    return "warm-canon-" + r if r in base.WARM_DOMAINS else "warm-" + r


def cond_eq(r):
    return "yes" if r == "a" else "no"


def cond_not(r):
    return "off" if not base.FLAG else "on"


def branch(r):
    if r in base.WARM_DOMAINS:
        return f"warm-canon-{r}.{BASE}"
    elif r == "b":
        return "b"
    return f"warm-{r}.{BASE}"


def dict_get(k):
    return N.get(k, "none")


def dict_subscript():
    return N["a"]


def chain(r):
    return fstring(r).upper()


def rec(r):
    return rec(r)


def loop(r):
    x = "a"
    for i in range(3):
        x = x + "b"
    return x


def augmented(r):
    x = "a"
    x += r
    return x


def dotted_import():
    return pkg.base.BASE


def nested_constant():
    return base.NESTED


def kw(r, sep="-"):
    return r + sep + "x"


def kw_call():
    return kw("a", sep="+")


def str_call():
    return "p" + str(base.PORT)


def join():
    return ",".join(base.LIST)


def opaque(r):
    return r.title()


def shadowed_call(base):
    return base.helper()


def unshadowed_call():
    return base.helper()


def d0(r):
    return d1(r)


def d1(r):
    return d2(r)


def d2(r):
    return d3(r)


def d3(r):
    return d4(r)


def d4(r):
    return d5(r)


def d5(r):
    return d6(r)


def d6(r):
    return d7(r)


def d7(r):
    return d8(r)


def d8(r):
    return r
`;

let py: HarnessModel;
let ts: HarnessModel;

const TS_BASE = `export const BASE = process.env.BASE_DOMAIN ?? "example.org";
export const ALT = process.env.ALT || "alt.org";
export const PORT = 8443;
export const NAMES: Record<string, string> = { a: "alpha", "b": "beta" };
export const WARM_DOMAINS = { keycloak: "kc" } as const;
export const FLAG = true;
export const SET = new Set(["x", "y"]);
export const LIST = ["p", "q"];
`;

const TS_M = `import * as base from "./base.js";
import { BASE, NAMES as N } from "./base.js";

export function literal(): string {
  return 'it\\'s' + "-x\\t";
}
export function template(r: string): string {
  return \`\${r}.\${BASE}:\${base.PORT}\`;
}
export function concat(r: string): string {
  return "a-" + r + "-" + base.ALT + base.PORT;
}
export const cond = (r: string) => (r in base.WARM_DOMAINS ? "warm-canon-" + r : "warm-" + r);
export function branch(r: string): string {
  if (r in base.WARM_DOMAINS) {
    return \`warm-canon-\${r}.\${BASE}\`;
  } else if (r === "b") {
    return "b";
  }
  return \`warm-\${r}.\${BASE}\`;
}
export function not_flag(): string {
  return !base.FLAG ? "off" : "on";
}
export function lookup(k: string): string {
  return N[k] ?? "none";
}
export function has(k: string): string {
  return base.SET.has(k) ? "in" : "out";
}
export function chain(r: string): string {
  const t = template(r);
  return t.toUpperCase().replace("EXAMPLE", "ex");
}
export function str_call(): string {
  return "p" + String(base.PORT);
}
export function env_only(): string {
  return process.env.ONLY as string;
}
`;

test.before(async () => {
  py = await loadHarness(harnessTree({ "pkg/__init__.py": "", "pkg/base.py": PY_BASE, "pkg/m.py": PY_M }));
  ts = await loadHarness(harnessTree({ "pkg/base.ts": TS_BASE, "pkg/m.ts": TS_M }));
});

function value(r: EvalResult): string {
  if ("unknown" in r) throw new Error(`not static: ${r.unknown}`);
  return r.value;
}

function unknown(r: EvalResult): string {
  if ("value" in r) throw new Error(`unexpectedly static: ${r.value}`);
  return r.unknown;
}

const pyCall = (fn: string, ...args: string[]) => evaluateCall(py, `pkg.m.${fn}`, args);
const tsCall = (fn: string, ...args: string[]) => evaluateCall(ts, `pkg.m.${fn}`, args);

test("Python literals: escapes, raw strings and implicit concatenation", () => {
  assert.is(value(pyCall("literal")), "it's-x\t\\d");
});

test("Python f-strings, with safe format specs and conversions", () => {
  assert.is(value(pyCall("fstring", "kc")), "kc.example.org");
  assert.is(value(pyCall("fspec", "ab")), "    ab|8443|'ab'|{x}");
  assert.match(unknown(pyCall("fspec_unsafe", "x")), /format spec ".2f"/);
});

test("Python +, % and .format", () => {
  assert.is(value(pyCall("concat", "r")), "a-r-example.org");
  assert.is(value(pyCall("percent", "r")), "r:8443/x  |");
  assert.is(value(pyCall("percent_named", "me")), "me@example.org");
  assert.is(value(pyCall("fmt", "r")), "r-beta");
});

test("Python environment reads take their default, or are not static", () => {
  assert.is(value(pyCall("env_default")), "dflt");
  assert.match(unknown(pyCall("env_none")), /environment variable X/);
  assert.is(value(pyCall("env_or")), "fallback");
  assert.match(unknown(pyCall("env_subscript")), /environment variable X/);
  const r = pyCall("env_default");
  assert.ok(r.trace.some((s) => s.kind === "environment" && s.name === "X"));
});

test("Python conditional expressions and if/elif/else with static conditions", () => {
  assert.is(value(pyCall("cond", "keycloak")), "warm-canon-keycloak");
  assert.is(value(pyCall("cond", "gitea")), "warm-gitea");
  assert.is(value(pyCall("cond_eq", "a")), "yes");
  assert.is(value(pyCall("cond_eq", "z")), "no");
  assert.is(value(pyCall("cond_not", "z")), "on");
  assert.is(value(pyCall("branch", "keycloak")), "warm-canon-keycloak.example.org");
  assert.is(value(pyCall("branch", "b")), "b");
  assert.is(value(pyCall("branch", "gitea")), "warm-gitea.example.org");
  const trace = pyCall("branch", "gitea").trace.filter((s) => s.kind === "condition");
  assert.equal(
    trace.map((s) => [s.name, s.note]),
    [
      ["r in base.WARM_DOMAINS", "does not hold"],
      ["r in base.WARM_DOMAINS", "does not hold"],
      ['r == "b"', "does not hold"],
    ],
  );
});

test("Python dict lookups, .get with default, constants across imports", () => {
  assert.is(value(pyCall("dict_get", "a")), "alpha");
  assert.is(value(pyCall("dict_get", "q")), "none");
  assert.is(value(pyCall("dict_subscript")), "alpha");
  assert.is(value(pyCall("dotted_import")), "example.org");
  assert.is(value(pyCall("nested_constant")), "alpha-zed");
  assert.is(value(pyCall("str_call")), "p8443");
  assert.is(value(pyCall("join")), "p,q");
});

test("Python calls to harness functions: keywords, defaults, methods on results", () => {
  assert.is(value(pyCall("kw", "a")), "a-x");
  assert.is(value(pyCall("kw_call")), "a+x");
  assert.is(value(pyCall("chain", "kc")), "KC.EXAMPLE.ORG");
  assert.is(value(pyCall("augmented", "z")), "az");
});

test("a parameter hides the module-level name it shadows, in calls and in the evaluator", () => {
  const m = moduleOf(py, "pkg.m");
  const callIn = (fn: string) => m.calls.find((c) => c.enclosingFunction === `pkg.m.${fn}`)!;
  assert.is(callIn("shadowed_call").resolved, undefined);
  assert.is(callIn("unshadowed_call").resolved, "pkg.base.helper");
  assert.is(value(pyCall("unshadowed_call")), "h");
  assert.match(unknown(pyCall("shadowed_call", "x")), /method helper/);
});

test("recursion, depth, loops and unknown methods are reported, not guessed", () => {
  assert.match(unknown(pyCall("rec", "x")), /recursive/);
  assert.match(unknown(pyCall("d0", "x")), new RegExp(`deeper than ${MAX_CALL_DEPTH}`));
  assert.is(value(pyCall("d1", "x")), "x");
  assert.match(unknown(pyCall("loop", "r")), /loop/);
  assert.match(unknown(pyCall("opaque", "r")), /title/);
  assert.match(unknown(evaluateCall(py, "pkg.m.missing", [])), /no harness function/);
});

test("evaluateExpression: parameters inside a function are unknown, constants are not", () => {
  const m = moduleOf(py, "pkg.m");
  const fstring = m.functions.find((f) => f.name === "fstring")!;
  assert.match(unknown(evaluateExpression(py, m, fstring.returns[0]!.value!)), /parameter r/);
  const concat = m.functions.find((f) => f.name === "dotted_import")!;
  assert.is(value(evaluateExpression(py, m, concat.returns[0]!.value!)), "example.org");
});

test("moduleConstant: dicts, sets, lists, booleans, numbers", () => {
  const c = (name: string) => {
    const r = moduleConstant(py, "pkg.base", name);
    if ("unknown" in r) throw new Error(r.unknown);
    return show(r.value);
  };
  assert.is(c("WARM_DOMAINS"), '{"keycloak": "kc"}');
  assert.is(c("FLAG"), "True");
  assert.is(c("SET"), '{"x", "y"}');
  assert.is(c("LIST"), '["p", "q"]');
  assert.is(c("PORT"), "8443");
  assert.is(c("NESTED"), '"alpha-zed"');
  assert.ok("unknown" in moduleConstant(py, "pkg.base", "MISSING"));
  const loop = moduleConstant(py, "pkg.base", "LOOP_A");
  assert.ok("unknown" in loop && /LOOP_A is defined in terms of itself/.test(loop.unknown));
  assert.ok("unknown" in moduleConstant(py, "pkg.nowhere", "X"));
});

test("TypeScript: literals, templates, +, env ?? and ||, conditionals, lookups, calls", () => {
  assert.is(value(tsCall("literal")), "it's-x\t");
  assert.is(value(tsCall("template", "kc")), "kc.example.org:8443");
  assert.is(value(tsCall("concat", "r")), "a-r-alt.org8443");
  assert.is(value(tsCall("cond", "keycloak")), "warm-canon-keycloak");
  assert.is(value(tsCall("cond", "gitea")), "warm-gitea");
  assert.is(value(tsCall("branch", "keycloak")), "warm-canon-keycloak.example.org");
  assert.is(value(tsCall("branch", "b")), "b");
  assert.is(value(tsCall("branch", "gitea")), "warm-gitea.example.org");
  assert.is(value(tsCall("not_flag")), "on");
  assert.is(value(tsCall("lookup", "b")), "beta");
  assert.is(value(tsCall("has", "x")), "in");
  assert.is(value(tsCall("has", "z")), "out");
  assert.is(value(tsCall("chain", "kc")), "KC.ex.ORG:8443");
  assert.is(value(tsCall("str_call")), "p8443");
  assert.match(unknown(tsCall("env_only")), /environment variable ONLY/);
  const c = moduleConstant(ts, "pkg.base", "WARM_DOMAINS");
  assert.ok("value" in c && show(c.value) === '{"keycloak": "kc"}');
});

test.run();
