"""Which files a directory named with `-f DIR` contributes, as kubectl would read it.

Symlinked directories are followed (a chart's `templates/` often is one) with
loop detection; hidden entries (`.git`, `.venv`) are skipped; suffixes match
in any case. Anything odd becomes a note for standard error, never a hang.
"""

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from tiergate_edge.failures import InputError
from tiergate_edge.inputs import UnreadableError, os_error_reason

MANIFEST_SUFFIXES = frozenset({".yaml", ".yml", ".json"})


@dataclass
class Listing:
    """The manifest files found, in a stable order, and notes on what was passed over."""

    files: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _identity(status: os.stat_result) -> tuple[int, int]:
    return (status.st_dev, status.st_ino)


def _entries(directory: Path) -> list[Path]:
    try:
        return sorted(directory.iterdir())
    except OSError as error:
        raise UnreadableError(directory, reason=os_error_reason(error, path=directory)) from error


def list_manifests(root: Path, *, root_status: os.stat_result) -> Listing:
    """Every manifest file under `root`, walked depth first without recursion."""
    listing = Listing()
    seen: set[tuple[int, int]] = set()
    # Each entry: a directory and the identities of the directories above it (for loops).
    stack: list[tuple[Path, frozenset[tuple[int, int]]]] = [
        (root, frozenset({_identity(root_status)}))
    ]
    seen.add(_identity(root_status))
    while stack:
        directory, ancestors = stack.pop()
        subdirectories: list[tuple[Path, frozenset[tuple[int, int]]]] = []
        for entry in _entries(directory):
            if entry.name.startswith("."):
                continue
            try:
                status = entry.stat()
            except OSError as error:
                listing.notes.append(f"{entry}: {os_error_reason(error, path=entry)}; skipped")
                continue
            if stat.S_ISDIR(status.st_mode):
                identity = _identity(status)
                if identity in ancestors:
                    listing.notes.append(f"{entry}: symlink loop, not followed")
                elif identity not in seen:  # reached twice through symlinks: read once
                    seen.add(identity)
                    subdirectories.append((entry, ancestors | {identity}))
            elif entry.suffix.lower() in MANIFEST_SUFFIXES:
                if stat.S_ISREG(status.st_mode):
                    listing.files.append(entry)
                else:
                    listing.notes.append(f"{entry}: not a regular file; skipped")
        stack.extend(reversed(subdirectories))
    listing.files.sort()  # the order of `sorted(rglob)`: the first copy of an object wins
    if not listing.files:
        raise InputError(f"{root}: the directory holds no .yaml, .yml or .json files")
    return listing
