"""The audit's file source: manifests from files, directories or standard input.

`helm template` output carries no namespace, so the caller may say which
namespace (and which labels) to judge it in, as if it were applied there.
"""

import gc
import stat
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from auditor.copies import merge_copies, placed
from auditor.documents import Position, Sorting, parse_located
from tiergate.audit import Scan, Snapshot
from tiergate.objects import KubeObject
from tiergate.records import WorkloadRecord
from tiergate.sieve import Kept, Sieve
from tiergate_edge.directories import list_manifests
from tiergate_edge.failures import InputError
from tiergate_edge.inputs import STDIN_SOURCE, check_readable_file, read_file, read_stream

STDIN = "-"
NAME_LABEL = "kubernetes.io/metadata.name"  # the API server sets it on every namespace


@dataclass(frozen=True)
class AssumedNamespace:
    """`--namespace NAME [--namespace-labels k=v,...]`: where namespace-less input goes."""

    name: str
    labels: Mapping[str, str] | None


@dataclass
class Reading:
    """What the inputs hold: what the sieve kept of each object with where it stands,
    notes for stderr, and how many distinct objects of each kind it dropped."""

    source: str
    located: list[tuple[Kept, Position]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    dropped: Counter[str] = field(default_factory=Counter)


def _read_path(
    given: str, *, sorting: Sorting, located: list[tuple[Kept, Position]], max_bytes: int
) -> None:
    path = Path(given)
    status = check_readable_file(path)
    if stat.S_ISDIR(status.st_mode):
        listing = list_manifests(path, root_status=status)
        sorting.notes.extend(listing.notes)
        files = listing.files
    else:
        files = [path]
    for file in files:
        # No name for the text here: the parser lets go of it as soon as it has parsed it.
        located.extend(
            parse_located(read_file(file, max_bytes=max_bytes), source=str(file), reading=sorting)
        )


@contextmanager
def collector_paused() -> Iterator[None]:
    """Reading and judging a large snapshot allocates millions of objects and no cycles
    worth collecting; the collector would walk all of them again and again."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def read_inputs(
    paths: Sequence[str], *, stdin: BinaryIO | None, max_bytes: int, sieve: Sieve
) -> Reading:
    """What the sieve keeps of every path in order, with positions; `-` reads standard input.

    `stdin` is None when the program was started with standard input closed.
    """
    sorting = Sorting(sieve=sieve, notes=[])
    located: list[tuple[Kept, Position]] = []
    with collector_paused():
        for given in paths:
            if given == STDIN:
                if stdin is None:
                    raise InputError(f"{STDIN_SOURCE}: standard input is closed")
                located.extend(
                    parse_located(
                        read_stream(stdin, source=STDIN_SOURCE, max_bytes=max_bytes),
                        source=STDIN_SOURCE,
                        reading=sorting,
                    )
                )
            else:
                _read_path(given, sorting=sorting, located=located, max_bytes=max_bytes)
    named = ", ".join(STDIN_SOURCE if p == STDIN else p for p in paths)
    if not located and not sieve.dropped:
        raise InputError(f"{named}: no Kubernetes objects of the kinds tiergate judges")
    return Reading(
        source=f"files: {named}", located=located, notes=sorting.notes, dropped=sieve.dropped_kinds
    )


def _namespace_labels(objects: Iterable[Kept]) -> dict[str, dict[str, str]]:
    return {
        obj.name: {NAME_LABEL: obj.name, **obj.metadata.labels}
        for obj in objects
        if isinstance(obj, KubeObject) and obj.kind == "Namespace" and obj.group == ""
    }


def build_snapshot(
    reading: Reading, *, assumed: AssumedNamespace | None
) -> tuple[Snapshot, list[str]]:
    """The Snapshot of what was read: objects placed in the assumed namespace, copies merged,
    namespaces from the Namespace objects and the assumed namespace.

    Also returns notes for the user, such as flags that override the input.
    """
    where = None if assumed is None else assumed.name
    kept = merge_copies(
        (placed(obj, namespace=where), str(position)) for obj, position in reading.located
    )
    namespaces = _namespace_labels(kept)
    notes = []
    if assumed is not None and assumed.labels is not None:
        labels = {**assumed.labels, NAME_LABEL: assumed.name}
        given = namespaces.get(assumed.name)
        if given is not None and given != labels:
            notes.append(
                f"--namespace-labels replace the labels of the Namespace {assumed.name} "
                "in the input"
            )
        namespaces[assumed.name] = labels
    snapshot = Snapshot(
        namespaces=namespaces,
        objects=[k for k in kept if isinstance(k, KubeObject)],
        records=[k for k in kept if isinstance(k, WorkloadRecord)],
        scan=Scan(source=reading.source, scanned=Counter(k.kind for k in kept) + reading.dropped),
    )
    return snapshot, notes
