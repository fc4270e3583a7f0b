"""Just enough of the Mumble control protocol to log in: TLS on the TCP port, then messages framed
as a 2-byte type, a 4-byte length and a protobuf body (Mumble.proto), encoded by hand.

Log-in: the client sends Version and Authenticate; the server answers with its Version, CryptSetup,
the ChannelStates and UserStates, and ServerSync once the client is in (or Reject)."""

import socket
import ssl
import struct

VERSION, AUTHENTICATE, PING, REJECT, SERVER_SYNC, CHANNEL_STATE = 0, 2, 3, 4, 5, 7
CLIENT_VERSION = (1 << 16) | (3 << 8) | 4


class HandshakeError(Exception):
    pass


def varint(n):
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def field_varint(number, value):
    return varint(number << 3) + varint(value)


def field_bytes(number, value):
    data = value.encode() if isinstance(value, str) else value
    return varint((number << 3) | 2) + varint(len(data)) + data


def decode(body):
    """Protobuf fields as {number: [values]}: ints for varints, bytes for length-delimited."""
    fields = {}
    i = 0
    while i < len(body):
        key, i = _read_varint(body, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _read_varint(body, i)
        elif wire == 2:
            length, i = _read_varint(body, i)
            value, i = body[i : i + length], i + length
        elif wire == 1:
            value, i = body[i : i + 8], i + 8
        elif wire == 5:
            value, i = body[i : i + 4], i + 4
        else:
            raise HandshakeError(f"unsupported protobuf wire type {wire}")
        fields.setdefault(number, []).append(value)
    return fields


def _read_varint(data, i):
    shift = result = 0
    while True:
        if i >= len(data):
            raise HandshakeError("truncated varint")
        byte = data[i]
        i += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, i
        shift += 7


def frame(kind, body):
    return struct.pack(">HI", kind, len(body)) + body


def _read_exact(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise HandshakeError("the server closed the connection during the handshake")
        data += chunk
    return data


def handshake(host, port, username="cc-ci", timeout=10):
    """Log in; returns {"server_version", "channels": {id: name}, "welcome_text", "session"}."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    # Murmur's certificate is self-signed on a fresh server.
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with socket.create_connection((host, port), timeout=timeout) as raw:
        with ctx.wrap_socket(raw, server_hostname=host) as tls:
            tls.sendall(
                frame(VERSION, field_varint(1, CLIENT_VERSION) + field_bytes(2, "cc-ci") + field_bytes(3, "Linux"))
            )
            tls.sendall(frame(AUTHENTICATE, field_bytes(1, username) + field_varint(5, 1)))
            result = {"server_version": None, "channels": {}}
            while True:
                kind, length = struct.unpack(">HI", _read_exact(tls, 6))
                fields = decode(_read_exact(tls, length))
                if kind == VERSION:
                    result["server_version"] = fields.get(1, [None])[0]
                elif kind == CHANNEL_STATE:
                    channel_id = fields.get(1, [0])[0]
                    if 3 in fields:
                        result["channels"][channel_id] = fields[3][0].decode()
                elif kind == REJECT:
                    reason = fields.get(2, [b""])[0].decode()
                    raise HandshakeError(f"server rejected the login: {reason}")
                elif kind == SERVER_SYNC:
                    result["session"] = fields.get(1, [None])[0]
                    result["welcome_text"] = fields.get(3, [b""])[0].decode()
                    return result
