/**
 * The targeted tests of the backlog's recipe defects, against real local services: red on the
 * recipes as bundled, green on the hand-patched copies of `test/fixtures/examples-patched/`.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { pytest, workspace } from "./support.js";
import { needs } from "../support/tools.js";
import type { Workspace } from "./support.js";

const RESTORE = "tests/mattermost-lts/test_restore.py::test_restore_returns_state";
const ENTRYPOINT = "tests/gitea/custom/test_entrypoint.py";
const ROUTING = "tests/bluesky-pds/test_routing.py";

const withPostgres = needs("pytest", "postgres");
const withPytest = needs("pytest");
const withCaddy = needs("pytest", "caddy");

let bundled: Workspace;
let patched: Workspace;

test.before(async () => {
  bundled = await workspace();
  patched = await workspace(["mattermost-lts", "gitea", "bluesky-pds"]);
});
test.after(() => {
  bundled?.dispose();
  patched?.dispose();
});

withPostgres("RF110 mattermost-lts: the restore loses the data on the bundled recipe", async () => {
  const r = await pytest(bundled, [RESTORE]);
  assert.is(r.outcomes.get("test_restore::test_restore_returns_state"), "failed", r.output);
  assert.match(r.output, "the restore did not bring back the state the backup was taken of");
});

withPostgres("RF110 mattermost-lts: dump pre-hook and restore post-hook bring the data back", async () => {
  const r = await pytest(patched, [RESTORE]);
  assert.is(r.outcomes.get("test_restore::test_restore_returns_state"), "passed", r.output);
  assert.is(r.exitCode, 0, r.output);
});

withPytest("RF130 gitea: start-up cannot save the JWT secret into the read-only app.ini", async () => {
  const r = await pytest(bundled, [ENTRYPOINT]);
  assert.is(r.outcomes.get("test_entrypoint::test_first_start_saves_jwt_secret"), "failed", r.output);
  assert.is(r.outcomes.get("test_entrypoint::test_restart_keeps_saved_secrets"), "failed", r.output);
  assert.match(r.output, "save oauth2.JWT_SECRET failed");
});

withPytest("RF130 gitea: app.ini rendered into the writable volume keeps its secrets", async () => {
  const r = await pytest(patched, [ENTRYPOINT]);
  assert.is(r.exitCode, 0, r.output);
  assert.equal([...r.outcomes.values()], ["passed", "passed"]);
});

withCaddy("RF120 bluesky-pds: the Caddyfile adapts, and bare `app` reaches every stack", async () => {
  const r = await pytest(bundled, [ROUTING]);
  assert.is(r.outcomes.get("test_routing::test_caddyfile_adapts"), "passed", r.output);
  assert.is(r.outcomes.get("test_routing::test_every_upstream_resolves_to_one_service"), "failed", r.output);
  assert.match(r.output, "`app` asked from pds_example_com_caddy is answered by");
  assert.match(r.output, "mumble_example_com_app");
});

withCaddy("RF120 bluesky-pds: the stack-qualified name resolves to the PDS alone", async () => {
  const r = await pytest(patched, [ROUTING]);
  assert.is(r.exitCode, 0, r.output);
  assert.equal([...r.outcomes.values()], ["passed", "passed"]);
});

test.run();
