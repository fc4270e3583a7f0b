import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import fc from "fast-check";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { loadHarness, moduleName } from "../../harness/load.js";
import { harnessTree, pythonFixture, typescriptFixture } from "./support.js";

const loadModule = fileURLToPath(new URL("../../harness/load.js", import.meta.url));

test("loading is deterministic: the same tree gives the same model", async () => {
  for (const dir of [pythonFixture, typescriptFixture]) {
    const a = JSON.stringify(await loadHarness(dir));
    const b = JSON.stringify(await loadHarness(dir));
    assert.ok(a === b, dir);
  }
});

test("module names from paths", () => {
  assert.equal(moduleName("runner/harness/warm.py"), { name: "runner.harness.warm", isPackage: false });
  assert.equal(moduleName("runner/harness/__init__.py"), { name: "runner.harness", isPackage: true });
  assert.equal(moduleName("lib/index.ts"), { name: "lib", isPackage: true });
});

test("discovery skips installed and generated folders and declaration files", async () => {
  const root = harnessTree({
    "runner/ok.py": "X = 1\n",
    "runner/types.d.ts": "export declare const X: number;\n",
    "node_modules/pkg/index.js": "module.exports = 1;\n",
    ".git/hooks/pre-commit.py": "print(1)\n",
    "runner/__pycache__/ok.cpython-311.py": "X = 2\n",
    "myenv/pyvenv.cfg": "home = /usr/bin\n",
    "myenv/lib/site.py": "X = 3\n",
    ".venv/lib/x.py": "X = 4\n",
  });
  const model = await loadHarness(root);
  assert.equal(
    model.modules.map((m) => m.source.path),
    ["runner/ok.py"],
  );
  assert.equal(model.language, ["python"]);
});

test("undecodable and oversized files are problems; the others are still analyzed", async () => {
  const root = harnessTree({
    "a/ok.py": "X = 'fine'\n",
    "a/latin1.py": Buffer.concat([Buffer.from("X = 'caf"), Buffer.from([0xe9]), Buffer.from("'\n")]),
    "a/huge.py": "#".repeat(2 * 1024 * 1024 + 1),
  });
  const model = await loadHarness(root);
  assert.equal(
    model.modules.map((m) => m.name),
    ["a.ok"],
  );
  assert.equal(
    model.problems.map((p) => p.file),
    ["a/huge.py", "a/latin1.py"],
  );
  const latin1 = model.problems[1]!;
  assert.match(latin1.message, /not valid UTF-8/);
  assert.equal(latin1.position, { line: 1, column: 9 });
  assert.match(model.problems[0]!.message, /over the \d+-byte limit/);
});

test("a MISSING token is a problem at its position", async () => {
  const model = await loadHarness(harnessTree({ "m.py": "X = 1\ny = f(1\n" }));
  assert.ok(model.problems.length >= 1);
  const p = model.problems[0]!;
  assert.is(p.file, "m.py");
  assert.is(p.position.line, 2);
  assert.match(p.message, /syntax error/);
});

test("deeply nested input is analyzed or reported, never thrown", async () => {
  const model = await loadHarness(
    harnessTree({
      "deep.py": "X = " + "(".repeat(20000) + "1" + ")".repeat(20000) + "\n",
      "ok.py": "Y = 2\n",
    }),
  );
  assert.ok(model.modules.some((m) => m.name === "ok"));
});

/** Loads a harness in a fresh process and lists which parser packages it imported. */
async function parsersLoaded(dir: string): Promise<{ tsMorph: boolean; treeSitter: boolean }> {
  const script = `
    import { register, createRequire } from "node:module";
    import { MessageChannel } from "node:worker_threads";
    const { port1, port2 } = new MessageChannel();
    const urls = [];
    port1.on("message", (u) => urls.push(u));
    const hooks = "data:text/javascript," + encodeURIComponent(
      "let port; export function initialize(d) { port = d.port; }" +
      "export async function resolve(s, c, next) { const r = await next(s, c); port.postMessage(r.url); return r; }");
    register(hooks, import.meta.url, { data: { port: port2 }, transferList: [port2] });
    const { loadHarness } = await import(${JSON.stringify(loadModule)});
    await loadHarness(process.argv[1]);
    await new Promise((r) => setTimeout(r, 200));
    const cjs = Object.keys(createRequire(import.meta.url).cache);
    const all = [...urls, ...cjs];
    console.log(JSON.stringify({
      tsMorph: all.some((u) => /node_modules\\/(ts-morph|typescript)\\//.test(u)),
      treeSitter: all.some((u) => /node_modules\\/web-tree-sitter\\//.test(u)),
    }));
    port1.close();
  `;
  const { stdout } = await execa("node", ["--input-type=module", "-e", script, dir], { timeout: 60_000 });
  return JSON.parse(stdout.trim().split("\n").pop()!) as { tsMorph: boolean; treeSitter: boolean };
}

test("a Python-only harness never loads ts-morph, a TypeScript-only one never loads tree-sitter", async () => {
  assert.equal(await parsersLoaded(pythonFixture), { tsMorph: false, treeSitter: true });
  assert.equal(await parsersLoaded(typescriptFixture), { tsMorph: true, treeSitter: false });
});

test("property: random bytes as a .py file never make loadHarness throw", async () => {
  const root = harnessTree({ "ok.py": "X = 1\n" });
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ maxLength: 600 }), async (bytes) => {
      writeFileSync(join(root, "random.py"), bytes);
      const model = await loadHarness(root);
      assert.ok(model.modules.some((m) => m.name === "ok"));
      for (const p of model.problems) {
        assert.is(p.file, "random.py");
        assert.ok(p.range.start <= p.range.end);
      }
    }),
    { numRuns: 150, seed: 4 },
  );
});

test("property: random text as a .py or .ts file never makes loadHarness throw", async () => {
  const root = harnessTree({});
  await fc.assert(
    fc.asyncProperty(
      fc.string({
        unit: fc.constantFrom(..."def f(x):\n  return 'a' + x\t{}[]()=,.:;#\"`$é😀 \\ifelse".split("")),
        maxLength: 200,
      }),
      fc.boolean(),
      async (text, python) => {
        const file = python ? "r.py" : "r.ts";
        writeFileSync(join(root, file), text);
        const model = await loadHarness(root);
        assert.ok(model.modules.some((m) => m.source.path === file));
        for (const p of model.problems.filter((x) => x.file === file)) assert.ok(p.range.end <= text.length);
      },
    ),
    { numRuns: 60, seed: 7 },
  );
});

test.run();
