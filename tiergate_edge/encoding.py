"""Bytes to text, one way for every input: UTF-8, with or without a byte order mark.

kubectl reads UTF-8 only. Anything else fails with the source and the byte
offset named, and UTF-16 (what some Windows editors write) gets a fix hint.
"""

import codecs
from dataclasses import dataclass, field

from tiergate_edge.failures import InputError

UTF16_HINT = "it looks like UTF-16: convert it with `iconv -f UTF-16 -t UTF-8`"
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_SNIFF_BYTES = 64  # enough to see UTF-16's NUL byte pattern in any real manifest


def _looks_like_utf16(head: bytes) -> bool:
    """A UTF-16 BOM, or ASCII text written as UTF-16: every other byte is NUL."""
    if head.startswith(_UTF16_BOMS):
        return True
    sample = head[:_SNIFF_BYTES]
    if len(sample) < 4:
        return False
    evens, odds = sample[0::2], sample[1::2]
    return (evens.count(0) == len(evens) and odds.count(0) == 0) or (
        odds.count(0) == len(odds) and evens.count(0) == 0
    )


@dataclass
class TextDecoder:
    """Decodes an input chunk by chunk, so that binary input fails at its first chunk."""

    source: str
    _decoder: codecs.IncrementalDecoder = field(
        default_factory=lambda: codecs.getincrementaldecoder("utf-8")(errors="strict")
    )
    _pieces: list[str] = field(default_factory=list)
    _offset: int = 0  # bytes fed so far

    def feed(self, chunk: bytes, *, final: bool = False) -> None:
        if self._offset == 0 and _looks_like_utf16(chunk):
            raise InputError(f"{self.source}: not UTF-8: {UTF16_HINT}")
        # In UTF-8 a NUL byte is only ever the NUL character: look in the bytes, once.
        nul = chunk.find(b"\x00")
        if nul >= 0:
            offset = self._offset + nul
            raise InputError(f"{self.source}: a NUL byte at byte offset {offset}: not a text file")
        pending = len(self._decoder.getstate()[0])
        try:
            text = self._decoder.decode(chunk, final=final)
        except UnicodeDecodeError as error:
            offset = self._offset - pending + error.start
            # Lines are counted only for the message: a real snapshot never gets here.
            line = "".join(self._pieces).count("\n") + error.object[: error.start].count(b"\n") + 1
            raise InputError(
                f"{self.source}: not UTF-8 at byte offset {offset} (line {line}): "
                f"byte 0x{error.object[error.start]:02x}; tiergate reads UTF-8 only"
            ) from error
        self._offset += len(chunk)
        self._pieces.append(text)

    def text(self) -> str:
        """Everything decoded, a leading byte order mark removed."""
        self.feed(b"", final=True)
        return "".join(self._pieces).removeprefix("\ufeff")


def decode_text(data: bytes, *, source: str) -> str:
    """`data` as text, or an InputError naming `source` and where it is not UTF-8."""
    decoder = TextDecoder(source)
    decoder.feed(data)
    return decoder.text()
