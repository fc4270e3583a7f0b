import fc from "fast-check";
import { cpSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { stringify } from "yaml";
import { analyze } from "../../pipeline/analyze.js";
import { removeDir, tempDir } from "../support/workspace.js";
import { mergeSeries } from "../support/standalone.js";

const RUNS = Number(process.env.REDFIX_PROPERTY_RUNS ?? 60);

test("random bytes as compose.yml, .env.sample and abra.sh never make the loader or a rule throw", async () => {
  const dir = tempDir();
  try {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 400 }), fc.uint8Array({ maxLength: 100 }), async (a, b) => {
        writeFileSync(join(dir, "compose.yml"), a);
        writeFileSync(join(dir, "compose.x.yml"), b);
        writeFileSync(join(dir, ".env.sample"), b);
        writeFileSync(join(dir, "abra.sh"), a);
        const r = await analyze({ recipes: dir });
        for (const f of r.findings) assert.ok(f.line >= 1 && f.column >= 1);
      }),
      { numRuns: RUNS },
    );
  } finally {
    removeDir(dir);
  }
});

const name = fc.constantFrom("app", "db", "web", "worker", "sidekiq", "discourse", "x-y", "1", "");
const service = fc.record(
  {
    image: fc.option(fc.constantFrom("nginx:1.25", "postgres", "app:latest", ""), { nil: undefined }),
    depends_on: fc.option(
      fc.oneof(
        fc.array(name, { maxLength: 3 }),
        fc.dictionary(name, fc.record({ condition: fc.constant("service_healthy") }), { maxKeys: 2 }),
      ),
      { nil: undefined },
    ),
    deploy: fc.option(
      fc.record({
        labels: fc.oneof(
          fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }),
          fc.array(fc.string({ maxLength: 12 }), { maxLength: 3 }),
        ),
      }),
      { nil: undefined },
    ),
    volumes: fc.option(
      fc.array(fc.constantFrom("data:/var/lib/x", "/etc:/etc:ro", "anon"), { maxLength: 2 }),
      {
        nil: undefined,
      },
    ),
  },
  { requiredKeys: [] },
);
const composeDoc = fc.record(
  {
    version: fc.constantFrom("3.8", "3", 3.8),
    services: fc.dictionary(name, fc.option(service, { nil: null }), { maxKeys: 4 }),
    configs: fc.dictionary(name, fc.record({ file: fc.constantFrom("./a.conf", "../x", "/etc/passwd") }), {
      maxKeys: 2,
    }),
  },
  { requiredKeys: [] },
);

test("random well-formed compose documents with overlays never make a rule or codemod throw", async () => {
  const dir = tempDir();
  try {
    await fc.assert(
      fc.asyncProperty(composeDoc, composeDoc, fc.boolean(), async (base, overlay, flow) => {
        const opts = flow ? { collectionStyle: "flow" as const } : {};
        writeFileSync(join(dir, "compose.yml"), stringify(base, opts));
        writeFileSync(join(dir, "compose.o.yml"), stringify(overlay, opts));
        writeFileSync(join(dir, ".env.sample"), "#COMPOSE_FILE=compose.yml:compose.o.yml:compose.gone.yml\n");
        const r = await analyze({ recipes: dir });
        // Every patch is computed against the unpatched repo: each applies alone, and all of them,
        // each on its own branch, merge together (as their pull requests would).
        const work = tempDir();
        const scratch = tempDir();
        try {
          cpSync(dir, work, { recursive: true });
          for (const p of r.series.patches) assert.match(p.content, /^diff --git a\//);
          assert.equal(mergeSeries(work, r.series.patches, scratch), []);
        } finally {
          removeDir(work);
          removeDir(scratch);
        }
      }),
      { numRuns: RUNS },
    );
  } finally {
    removeDir(dir);
  }
});

test.run();
