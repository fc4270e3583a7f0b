/** pytest's own JUnit XML, written by a real pytest run, read back per test. */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { junitCases } from "../../verify/junit.js";
import { which } from "../../core/process.js";
import { removeDir, tempDir } from "../support/workspace.js";
import { needs } from "../support/tools.js";

const python = which("python3");

test("junitCases: outcome and node id of each test, entities decoded", () => {
  const xml = `<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest">
<testcase classname="tests.mattermost-lts.test_restore" name="test_restore_returns_state" time="4.1"><failure message="AssertionError">E assert 1 == 2</failure></testcase>
<testcase classname="tests.mumble.custom.test_protocol_handshake" name="test_handshake[a&amp;b]" time="0.2" />
<testcase classname="tests.x.test_y.TestGroup" name="test_z" time="0"><skipped type="pytest.skip" message="no murmurd">skip</skipped></testcase>
<testcase classname="tests.x.test_y" name="test_error" time="0"><error message="fixture">E</error></testcase>
</testsuite></testsuites>`;
  assert.equal(junitCases(xml), [
    { id: "tests/mattermost-lts/test_restore.py::test_restore_returns_state", outcome: "failed" },
    { id: "tests/mumble/custom/test_protocol_handshake.py::test_handshake[a&b]", outcome: "passed" },
    { id: "tests/x/test_y.py::TestGroup::test_z", outcome: "skipped" },
    { id: "tests/x/test_y.py::test_error", outcome: "failed" },
  ]);
  assert.equal(junitCases("<testsuites/>"), []);
});

needs("pytest")("junitCases: what pytest itself writes", () => {
  const dir = tempDir();
  try {
    mkdirSync(join(dir, "tests", "demo"), { recursive: true });
    writeFileSync(
      join(dir, "tests", "demo", "test_cases.py"),
      [
        "import pytest",
        "def test_ok(): pass",
        "def test_red(): assert 1 == 2",
        "@pytest.mark.skip(reason='not here')",
        "def test_skipped(): pass",
        "class TestGroup:",
        "    def test_in_class(self): pass",
        "",
      ].join("\n"),
    );
    const xml = join(dir, "report.xml");
    try {
      execFileSync(python!, ["-m", "pytest", "-q", "-p", "no:cacheprovider", `--junitxml=${xml}`, "tests"], {
        cwd: dir,
        stdio: "ignore",
        env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1" },
      });
    } catch {
      // exit 1: test_red failed, as intended
    }
    assert.equal(junitCases(readFileSync(xml, "utf8")), [
      { id: "tests/demo/test_cases.py::test_ok", outcome: "passed" },
      { id: "tests/demo/test_cases.py::test_red", outcome: "failed" },
      { id: "tests/demo/test_cases.py::test_skipped", outcome: "skipped" },
      { id: "tests/demo/test_cases.py::TestGroup::test_in_class", outcome: "passed" },
    ]);
  } finally {
    removeDir(dir);
  }
});

test.run();
