import { test } from "uvu";
import * as assert from "uvu/assert";
import { renderGoTemplate, sourceLine, sourceOffset, DEFAULT_ENV_SAMPLE } from "../../load/configs/index.js";
import { fixture, offsetOf } from "./fixture.js";

test("env from the sample map, with a default for the rest", () => {
  const r = renderGoTemplate('{{ env "DOMAIN" }} {{ env "STACK_NAME" }}_app', {
    env: { DOMAIN: "pds.example.org" },
  });
  assert.equal(r.errors, []);
  assert.is(r.output, `pds.example.org ${DEFAULT_ENV_SAMPLE}_app`);
  assert.is(renderGoTemplate('{{ env "X" }}', { defaultEnv: "v" }).output, "v");
});

test("secrets render as placeholders; Docker's fields have samples", () => {
  const r = renderGoTemplate('{{ secret "db_password" }} {{ .Service.Name }} {{ .Task.Slot }}', {
    secrets: {},
  });
  assert.equal(r.errors, []);
  assert.is(r.output, "sample_secret_db_password stack_sample_app 1");
});

test("if / else if / else / end on env truthiness, as Go decides it", () => {
  const tpl = '{{ if eq (env "MODE") "a" }}A{{ else if env "FLAG" }}F{{ else }}E{{ end }}';
  assert.is(renderGoTemplate(tpl, { env: { MODE: "a" } }).output, "A");
  assert.is(renderGoTemplate(tpl, { env: { MODE: "b", FLAG: "0" } }).output, "F");
  assert.is(renderGoTemplate(tpl, { env: { MODE: "b", FLAG: "" } }).output, "E");
  assert.is(renderGoTemplate('{{ if not (env "X") }}empty{{ end }}', { env: { X: "" } }).output, "empty");
  assert.is(
    renderGoTemplate('{{ if and (env "A") (env "B") }}both{{ end }}', { env: { A: "1", B: "" } }).output,
    "",
  );
  assert.is(
    renderGoTemplate('{{ if or (env "A") (env "B") }}one{{ end }}', { env: { A: "", B: "y" } }).output,
    "one",
  );
  assert.is(renderGoTemplate('{{ if ne (env "A") "x" }}ne{{ end }}', { env: { A: "y" } }).output, "ne");
});

test("comments are dropped and trim markers eat the whitespace beside them", () => {
  const r = renderGoTemplate("a {{/* note */}}b\n  {{- if true }}\n  c\n  {{- end }}\nd", {});
  assert.equal(r.errors, []);
  assert.is(r.output, "a b\n  c\nd");
});

test("pipes, printf and len", () => {
  const r = renderGoTemplate('{{ env "A" | printf "%s_app" }} {{ len (env "A") }} {{ print "x" 1 }}', {
    env: { A: "st" },
  });
  assert.equal(r.errors, []);
  assert.is(r.output, "st_app 2 x1");
});

test("unknown functions are errors, unsupported features are marked so; both at their position", () => {
  const tpl =
    'a {{ sprigThing "x" }} b {{ range .Items }}x{{ end }} {{ $v := 1 }} {{ index "ab" 1 }} {{ .Custom.Field }}';
  const r = renderGoTemplate(tpl, {});
  assert.equal(
    r.errors.map((e) => [e.kind, e.message, tpl.slice(e.start, e.end)]),
    [
      ["error", 'function "sprigThing" not defined', '{{ sprigThing "x" }}'],
      ["unsupported", 'unsupported template action "range"', "{{ range .Items }}"],
      ["unsupported", 'template variables are not supported: "$v"', "{{ $v := 1 }}"],
      ["unsupported", 'unsupported function "index"', '{{ index "ab" 1 }}'],
      ["unsupported", "no sample value for field .Custom.Field", "{{ .Custom.Field }}"],
    ],
  );
  assert.is(r.output, "a  b    ");
  assert.is(renderGoTemplate("{{ .Custom.Field }}", { fields: { "Custom.Field": "v" } }).output, "v");
});

test("an unterminated action and unclosed blocks are reported", () => {
  const a = renderGoTemplate('x {{ env "A" ', {});
  assert.equal(a.errors, [
    { message: "unterminated template action '{{'", start: 2, end: 13, kind: "error" },
  ]);
  const b = renderGoTemplate("{{ if true }}x", {});
  assert.equal(b.errors, [
    { message: "unexpected EOF: {{if}} has no {{end}}", start: 0, end: 13, kind: "error" },
  ]);
  const c = renderGoTemplate("{{ env }}", {});
  assert.equal(
    c.errors.map((e) => e.message),
    ["wrong number of args for env: want 1 got 0"],
  );
  const d = renderGoTemplate('{{ with env "A" }}x{{ end }}{{ end }}', {});
  assert.equal(
    d.errors.map((e) => [e.kind, e.message]),
    [
      ["unsupported", 'unsupported template action "with"'],
      ["error", "unexpected {{end}}"],
    ],
  );
});

test("output offsets and lines map back to the template", () => {
  const tpl = fixture("conditional.Caddyfile.tmpl");
  const r = renderGoTemplate(tpl, { env: { ON_DEMAND: "1", MAINTENANCE: "", DOMAIN: "d.example" } });
  assert.equal(r.errors, []);
  const outAt = r.output.indexOf("reverse_proxy");
  assert.is(sourceOffset(r, outAt), offsetOf(tpl, "reverse_proxy"));
  const outLine = r.output.slice(0, outAt).split("\n").length;
  const srcLine = tpl.slice(0, offsetOf(tpl, "reverse_proxy")).split("\n").length;
  assert.is.not(outLine, srcLine);
  assert.is(sourceLine(tpl, r, outLine), srcLine);
  assert.ok(r.output.includes("ask http://stack_sample_app:3000/tls-check"));
  assert.ok(r.output.includes('header_up X-Secret "sample_secret_api_key"'));
  assert.not.ok(r.output.includes("maintenance"));
});

test.run();
