"""Reading one input (a file or standard input) as bytes, with a cap, into text.

Files and standard input take the same path, so `-f -` behaves exactly like
the same file named with `-f`. Reading stops as soon as the cap is passed or
the bytes are plainly not text, so `/dev/zero` or a runaway pipe fail at once.
"""

import errno
import os
import stat
from pathlib import Path
from typing import BinaryIO

from tiergate_edge.encoding import TextDecoder
from tiergate_edge.failures import InputError

DEFAULT_MAX_INPUT_BYTES = 2 * 1024**3  # 2 GiB: far above any cluster snapshot
CHUNK_BYTES = 1024**2
STDIN_SOURCE = "<stdin>"

_ERRNO_WORDS = {
    errno.ENOENT: "no such file or directory",
    errno.ELOOP: "symlink loop",
    errno.EACCES: "permission denied",
    errno.ENOTDIR: "a path component is not a directory",
    errno.EISDIR: "is a directory",
}


class UnreadableError(InputError):
    """A path the system will not let us read; `reason` says why, in words."""

    def __init__(self, path: Path, *, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


def os_error_reason(error: OSError, *, path: Path) -> str:
    """Why `path` cannot be read, without Python's `[Errno 2]` decoration."""
    if error.errno == errno.ENOENT and path.is_symlink():
        return "a symlink to a file that does not exist"
    return _ERRNO_WORDS.get(error.errno or 0, (error.strerror or str(error)).lower())


def check_readable_file(path: Path) -> os.stat_result:
    """The path's status (symlinks followed); devices are refused before any read."""
    try:
        status = path.stat()
    except OSError as error:
        raise UnreadableError(path, reason=os_error_reason(error, path=path)) from error
    if stat.S_ISCHR(status.st_mode) or stat.S_ISBLK(status.st_mode):
        reason = "a device, not a file: tiergate reads files, directories or -"
        raise UnreadableError(path, reason=reason)
    return status


def read_stream(stream: BinaryIO, *, source: str, max_bytes: int) -> str:
    """All of `stream` as text, in chunks; more than `max_bytes` is an InputError."""
    decoder = TextDecoder(source)
    total = 0
    while chunk := stream.read(min(CHUNK_BYTES, max_bytes + 1 - total)):
        total += len(chunk)
        if total > max_bytes:
            raise InputError(
                f"{source}: larger than {max_bytes} bytes (raise --max-input-bytes to read it)"
            )
        decoder.feed(chunk)
    return decoder.text()


def read_file(path: Path, *, max_bytes: int) -> str:
    """A file (or FIFO) as text; devices and unreadable files are InputErrors."""
    check_readable_file(path)
    try:
        with path.open("rb") as stream:
            return read_stream(stream, source=str(path), max_bytes=max_bytes)
    except OSError as error:
        raise UnreadableError(path, reason=os_error_reason(error, path=path)) from error
