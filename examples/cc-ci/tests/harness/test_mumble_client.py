import pytest

from runner.harness import mumble_client as m


@pytest.mark.parametrize("n, encoded", [(0, b"\x00"), (1, b"\x01"), (127, b"\x7f"), (128, b"\x80\x01"), (300, b"\xac\x02")])
def test_varint(n, encoded):
    assert m.varint(n) == encoded


def test_decode_reads_what_the_encoder_wrote():
    body = m.field_varint(1, 66308) + m.field_bytes(3, "Root") + m.field_varint(5, 1)
    assert m.decode(body) == {1: [66308], 3: [b"Root"], 5: [1]}


def test_frame_header_is_type_then_length_big_endian():
    assert m.frame(m.AUTHENTICATE, b"abc") == b"\x00\x02\x00\x00\x00\x03abc"


def test_truncated_varint_is_an_error():
    with pytest.raises(m.HandshakeError):
        m.decode(b"\x08\x80")
