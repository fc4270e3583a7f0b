import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { analyze } from "../../pipeline/analyze.js";
import { removeDir, tempDir } from "../support/workspace.js";

/** A workspace with one good recipe (a sure RF101) next to each kind of bad input. */
function workspace(): string {
  const root = tempDir();
  const recipe = (name: string, files: Record<string, string | Buffer>) => {
    mkdirSync(join(root, name), { recursive: true });
    for (const [f, content] of Object.entries(files)) writeFileSync(join(root, name, f), content);
  };
  recipe("good", {
    "compose.yml": 'version: "3.8"\nservices:\n  app:\n    image: nginx:1.25\n    depends_on: [ghost]\n',
  });
  recipe("invalid-yaml", {
    "compose.yml": 'version: "3.8"\nservices:\n  app:\n    image: nginx:1.25\n    image: nginx:1.26\n',
  });
  recipe("not-a-map", { "compose.yml": "- just\n- a list\n" });
  recipe("latin1", {
    "compose.yml": Buffer.concat([
      Buffer.from('version: "3.8"\n# caf'),
      Buffer.from([0xe9]),
      Buffer.from("\n"),
    ]),
  });
  recipe("huge", { "compose.yml": `# ${"x".repeat(10 * 1024 * 1024)}\n` });
  const bomb = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
  for (let i = 1; i < 9; i++) {
    const prev = String.fromCharCode(96 + i);
    const cur = String.fromCharCode(97 + i);
    bomb.push(`${cur}: &${cur} [${Array(10).fill(`*${prev}`).join(", ")}]`);
  }
  recipe("alias-bomb", { "compose.yml": `${bomb.join("\n")}\nservices: {}\n` });
  recipe("escape", {
    "compose.yml":
      'version: "3.8"\nservices:\n  app:\n    image: nginx:1.25\nconfigs:\n  passwd:\n    file: ../../../../etc/passwd\n  link:\n    file: ./link.conf\n  gone:\n    file: ./missing.conf\n',
  });
  symlinkSync("/etc/hostname", join(root, "escape", "link.conf"));
  recipe("no-env-sample", { "compose.yml": 'version: "3.8"\nservices:\n  app:\n    image: nginx:1.25\n' });
  return root;
}

test("every bad input gives a finding with a position, and the good recipe is still analyzed", async () => {
  const root = workspace();
  try {
    const { findings } = await analyze({ recipes: root });
    const of = (recipe: string, rule: string) =>
      findings.filter((f) => f.recipe === recipe && f.rule === rule);
    assert.is(of("good", "RF101").length, 1, "the good recipe's RF101");

    const yaml = of("invalid-yaml", "RF001");
    assert.is(yaml.length, 1);
    assert.equal([yaml[0]!.line, yaml[0]!.column], [5, 5]);
    assert.match(yaml[0]!.message, /unique/);

    assert.match(of("not-a-map", "RF001")[0]?.message ?? "", /mapping/);

    const latin1 = of("latin1", "RF001")[0];
    assert.ok(latin1);
    assert.match(latin1.message, /not valid UTF-8/);
    assert.equal([latin1.line, latin1.column], [2, 6]);

    assert.match(of("huge", "RF001")[0]?.message ?? "", /over the .* limit/);

    const bomb = of("alias-bomb", "RF001")[0];
    assert.ok(bomb);
    assert.match(bomb.message, /alias/);
    assert.ok(bomb.line >= 2);

    const escape = of("escape", "RF002")
      .map((f) => f.message)
      .sort();
    assert.is(escape.length, 3);
    assert.match(escape.join("\n"), /passwd.*escapes the recipe folder/);
    assert.match(escape.join("\n"), /link\.conf is a symlink to \/etc\/hostname, outside/);
    assert.match(escape.join("\n"), /missing\.conf does not exist/);
    for (const f of of("escape", "RF002")) assert.ok(f.line > 1, "points at the file: line");
  } finally {
    removeDir(root);
  }
});

test("a recipe folder that is itself a symlink is reported, not followed", async () => {
  const root = tempDir();
  const outside = tempDir();
  try {
    writeFileSync(join(outside, "compose.yml"), 'version: "3.8"\nservices: {}\n');
    symlinkSync(outside, join(root, "linked"));
    const { findings } = await analyze({ recipes: root });
    assert.equal(
      findings.map((f) => [f.rule, f.recipe]),
      [["RF002", "linked"]],
    );
  } finally {
    removeDir(root);
    removeDir(outside);
  }
});

test.run();
