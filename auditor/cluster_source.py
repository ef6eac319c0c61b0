"""The audit's cluster source: every judged kind, listed across the cluster in pages.

Each page goes through the sieve and is dropped before the next is fetched, so
memory is bounded by a page plus what the sieve keeps (candidates, small owner
and broker records, and only the namespace labels the rules read). A kind that
cannot be listed makes the pass incomplete; a CRD that is not served is a kind
not scanned; a namespace created after the Namespace list is read again before
its objects are called undetermined.
"""

from collections import Counter
from dataclasses import dataclass, field

from tiergate.audit import Scan, Snapshot
from tiergate.config import TiergateConfig
from tiergate.kinds import JUDGED_KINDS, JudgedKind, KindRole
from tiergate.objects import KubeObject
from tiergate.ownership import ObjectKey, owners_wanted_by
from tiergate.reading import ObjectError
from tiergate.records import WorkloadRecord
from tiergate.sieve import Kept, Sieve
from tiergate_edge.kube_api import ApiError, GoneError, KubeApi, NotFoundError
from tiergate_edge.listing import list_pages, resource_path

NAME_LABEL = "kubernetes.io/metadata.name"
GONE_RESTARTS = 3  # an expired continue token restarts the kind's listing, this often at most
OPTIONAL_GROUPS = frozenset({"monitoring.coreos.com"})  # CRDs a cluster may not have


def _listing_order() -> list[JudgedKind]:
    """Every judged kind, each before the kinds that create it: Pods before ReplicaSets
    before Deployments. By the time an owner kind is listed, the pass knows which of
    its objects a judgement will look up, and records only those."""
    order: list[JudgedKind] = []
    pending = list(JUDGED_KINDS)
    while pending:
        ready = [k for k in pending if not any(k.kind in other.created_by for other in pending)]
        order += ready
        pending = [k for k in pending if k not in ready]
    return order


LISTING_ORDER = _listing_order()


@dataclass
class _Pass:
    """What a pass has read so far; `owners` are the owners its judgement will look up."""

    keys: frozenset[str]
    owners: set[ObjectKey] = field(default_factory=set)
    namespaces: dict[str, dict[str, str]] = field(default_factory=dict)
    kept: list[Kept] = field(default_factory=list)
    scanned: Counter[str] = field(default_factory=Counter)
    not_scanned: dict[str, str] = field(default_factory=dict)
    incomplete: list[str] = field(default_factory=list)

    def add_namespace(self, namespace: KubeObject) -> None:
        labels = namespace.metadata.labels
        trimmed = {k: v for k, v in labels.items() if k in self.keys}
        self.namespaces[namespace.name] = {**trimmed, NAME_LABEL: namespace.name}


async def _list_kind(
    api: KubeApi,
    *,
    entry: JudgedKind,
    sieve: Sieve,
    page_size: int,
    problems: list[str],
    owners: set[ObjectKey],
    scope: str | None,
) -> tuple[list[Kept], int]:
    """What the sieve keeps of every object of the kind (in the `scope` namespace only, if
    given), and how many objects were listed; an expired listing starts over."""
    namespace = scope if entry.namespaced else None
    path = resource_path(
        group=entry.group, version=entry.version, plural=entry.plural, namespace=namespace
    )
    # The scope's own Namespace object, by a field selector on the cluster-wide list.
    selector = f"metadata.name={scope}" if scope and not entry.namespaced else None
    for restart in range(GONE_RESTARTS + 1):
        kept: list[Kept] = []
        unreadable: list[str] = []  # of this attempt only: a restart reads them again
        listed = 0
        try:
            async for items in list_pages(
                api,
                path=path,
                kind=entry.kind,
                api_version=entry.api_version,
                page_size=page_size,
                field_selector=selector,
            ):
                listed += len(items)
                for item in items:
                    try:
                        found = sieve.keep(item, owners=owners)
                    except ObjectError as error:
                        unreadable.append(f"{entry.kind}: an object could not be read: {error}")
                        continue
                    if found is not None:
                        kept.append(found)
        except GoneError as error:
            if restart == GONE_RESTARTS:
                raise GoneError(
                    f"{error} (the listing was started over {GONE_RESTARTS} times)",
                    code=error.code,
                    reason=error.reason,
                ) from error
            continue
        problems.extend(unreadable)
        return kept, listed
    raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover


async def _read_kind(
    api: KubeApi,
    *,
    entry: JudgedKind,
    sieve: Sieve,
    page_size: int,
    reading: _Pass,
    scope: str | None,
) -> None:
    try:
        kept, listed = await _list_kind(
            api,
            entry=entry,
            sieve=sieve,
            page_size=page_size,
            problems=reading.incomplete,
            owners=reading.owners,
            scope=scope,
        )
    except NotFoundError as error:
        if entry.group in OPTIONAL_GROUPS:
            reading.not_scanned[entry.kind] = (
                f"{entry.plural}.{entry.group}/{entry.version} is not served "
                "(its CRD is not installed)"
            )
        else:
            reading.incomplete.append(f"{entry.kind} could not be listed: {error}")
        return
    except ApiError as error:
        reading.incomplete.append(f"{entry.kind} could not be listed: {error}")
        return
    for obj in kept:
        if entry.role == KindRole.NAMESPACE and isinstance(obj, KubeObject):
            reading.add_namespace(obj)
            continue
        reading.kept.append(obj)
        if entry.role == KindRole.WORKLOAD:
            reading.owners |= owners_wanted_by(obj)
    reading.scanned[entry.kind] += listed


async def _read_late_namespaces(api: KubeApi, *, sieve: Sieve, reading: _Pass) -> None:
    """Namespaces created after the Namespace list: read each one before anything is
    called undetermined; one that is gone (or cannot be read) stays unknown."""
    late = {obj.namespace for obj in reading.kept if obj.namespace} - reading.namespaces.keys()
    for name in sorted(late):
        try:
            document = await api.request("GET", f"/api/v1/namespaces/{name}")
            namespace = sieve.candidate({**document, "kind": "Namespace", "apiVersion": "v1"})
        except (ApiError, ObjectError):
            continue
        if namespace is not None:
            reading.add_namespace(namespace)
            reading.scanned["Namespace"] += 1


async def read_cluster(
    api: KubeApi,
    *,
    sieve: Sieve,
    config: TiergateConfig,
    page_size: int,
    scope: str | None = None,
) -> Snapshot:
    """A snapshot of the cluster (or of the `scope` namespace alone, for a prompt re-audit
    after a relabel), Namespaces first; never raises for a kind it cannot read."""
    reading = _Pass(keys=config.namespace_label_keys)
    for entry in LISTING_ORDER:
        await _read_kind(
            api, entry=entry, sieve=sieve, page_size=page_size, reading=reading, scope=scope
        )
    if "Namespace" not in reading.not_scanned and reading.namespaces:
        await _read_late_namespaces(api, sieve=sieve, reading=reading)
    return Snapshot(
        namespaces=reading.namespaces,
        objects=[k for k in reading.kept if isinstance(k, KubeObject)],
        records=[k for k in reading.kept if isinstance(k, WorkloadRecord)],
        scan=Scan(
            source=f"cluster {api.server}",
            scanned=dict(reading.scanned),
            not_scanned=reading.not_scanned,
            incomplete_reasons=reading.incomplete,
        ),
    )
