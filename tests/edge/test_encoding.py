"""Bytes to text: UTF-8 only, and where it is not, the byte offset and line."""

import codecs

import pytest

from tiergate_edge.encoding import TextDecoder, decode_text
from tiergate_edge.failures import InputError


@pytest.mark.parametrize(
    ("data", "text"),
    [
        pytest.param(b"a: 1\n", "a: 1\n", id="ASCII"),
        pytest.param(codecs.BOM_UTF8 + b"a: 1\n", "a: 1\n", id="a byte order mark is dropped"),
        pytest.param("a: caf\u00e9 \u2713\n".encode(), "a: caf\u00e9 \u2713\n", id="UTF-8"),
        pytest.param(b"", "", id="nothing"),
    ],
)
def test_utf8_is_decoded(data: bytes, text: str) -> None:
    assert decode_text(data, source="s") == text


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(
            b"a: 1\nb: caf\xe9\n", "s: not UTF-8 at byte offset 11 (line 2)", id="Latin-1"
        ),
        pytest.param(b"a: caf\xc3", "s: not UTF-8 at byte offset 6 (line 1)", id="cut off"),
        pytest.param(codecs.BOM_UTF16_BE + "a".encode("utf-16-be"), "iconv -f UTF-16", id="BOM"),
        pytest.param("apiVersion: v1".encode("utf-16-le"), "iconv -f UTF-16", id="UTF-16LE"),
        pytest.param(b"a: 1\n\x00\x00", "s: a NUL byte at byte offset 5", id="NUL"),
        pytest.param(b"\x00" * 64, "s: a NUL byte at byte offset 0", id="zeros"),
    ],
)
def test_anything_else_names_the_source_and_where(data: bytes, expected: str) -> None:
    with pytest.raises(InputError) as raised:
        decode_text(data, source="s")
    assert expected in str(raised.value)


def test_an_offset_counts_the_chunks_before_it_even_inside_a_split_character() -> None:
    decoder = TextDecoder("s")
    decoder.feed(b"a: 1\n" * 3 + "\u00e9".encode()[:1])  # the first byte of a two-byte character
    decoder.feed("\u00e9".encode()[1:] + b"\nb: ok\n")
    with pytest.raises(InputError, match=r"byte offset 27 \(line 6\): byte 0xff"):
        decoder.feed(b"c: \xff\n")
