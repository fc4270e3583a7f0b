import { test } from "uvu";
import * as assert from "uvu/assert";
import { loadHarness } from "../../harness/load.js";
import type { HarnessModule } from "../../harness/model.js";
import { harnessTree, moduleOf, slice } from "./support.js";

const PY = `import asyncio
import socket
import ssl
from socket import create_connection

PORT = 7000


async def opens_async(host):
    reader, writer = await asyncio.open_connection(host, 5222, ssl=ssl.create_default_context())
    plain = await asyncio.open_connection(host=host, port=PORT)
    return reader, writer, plain


def opens_nested(host):
    return ssl.wrap_socket(socket.create_connection((host, 993)))


def opens_method(host, port):
    s = socket.socket()
    s.connect((host, PORT + 1))
    raw = create_connection((host, port))
    return s, raw


def not_a_socket(db):
    db.connect("postgres://x")
    return db.execute("select 1")
`;

const TS = `import { createConnection } from "node:net";
import { connect } from "node:tls";
import * as net from "net";

const PORT = 7000;

export function opens(host: string) {
  const a = createConnection({ host, port: PORT });
  const b = connect(993, host, { servername: host });
  const c = net.connect({ port: 25 });
  const d = db.connect("postgres://x");
  return [a, b, c, d];
}
declare const db: { connect(url: string): unknown };
`;

function rows(m: HarnessModule): (string | number | null)[][] {
  return m.connects.map((c) => [
    c.kind,
    slice(m, c.range),
    c.port ? slice(m, c.port.range) : null,
    c.portValue ?? null,
    c.host ? slice(m, c.host.range) : null,
  ]);
}

test("Python: asyncio, nested wrap_socket, sock.connect and imported create_connection", async () => {
  const model = await loadHarness(harnessTree({ "h/net.py": PY }));
  const fns = moduleOf(model, "h.net").functions;
  assert.equal(
    fns.map((f) => [f.name, f.async]),
    [
      ["opens_async", true],
      ["opens_nested", false],
      ["opens_method", false],
      ["not_a_socket", false],
    ],
  );
  assert.equal(rows(moduleOf(model, "h.net")), [
    ["tls", "asyncio.open_connection(host, 5222, ssl=ssl.create_default_context())", "5222", 5222, "host"],
    ["tcp", "asyncio.open_connection(host=host, port=PORT)", "PORT", 7000, "host"],
    ["tls", "ssl.wrap_socket(socket.create_connection((host, 993)))", "993", 993, "host"],
    ["tcp", "socket.create_connection((host, 993))", "993", 993, "host"],
    ["tcp", "s.connect((host, PORT + 1))", "PORT + 1", 7001, "host"],
    ["tcp", "create_connection((host, port))", "port", null, "host"],
  ]);
});

test("TypeScript: imported createConnection/connect and namespace net.connect; other connects are not sockets", async () => {
  const model = await loadHarness(harnessTree({ "h/net.ts": TS }));
  assert.equal(rows(moduleOf(model, "h.net")), [
    ["tcp", "createConnection({ host, port: PORT })", "PORT", 7000, "host"],
    ["tls", "connect(993, host, { servername: host })", "993", 993, "host"],
    ["tcp", "net.connect({ port: 25 })", "25", 25, null],
  ]);
});

test.run();
