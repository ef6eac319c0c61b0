"""Grace: when each unwanted object was first seen, kept across complete passes.

Pure. Times are whole seconds since the epoch, by namespace and uid, so the
state stays compact; it holds only what is unwanted now (pruned each complete
pass), except in namespaces the pass could not judge, whose times are kept.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tiergate.findings import AuditReport

FirstSeen = dict[str, dict[str, int]]  # namespace -> uid -> first seen, epoch seconds


def observe(
    previous: Mapping[str, Mapping[str, int]],
    *,
    report: AuditReport,
    now: datetime,
    keep_namespaces: Iterable[str],
) -> FirstSeen:
    """The first-seen times after a complete pass: old times kept, new ones `now`,
    the rest dropped; namespaces in `keep_namespaces` are kept as they were."""
    stamp = int(now.timestamp())
    seen: FirstSeen = {}
    for finding in report.findings:
        if not finding.is_violation or finding.sidecar or finding.uid is None:
            continue
        before = previous.get(finding.namespace, {}).get(finding.uid, stamp)
        seen.setdefault(finding.namespace, {})[finding.uid] = min(before, stamp)
    for namespace in keep_namespaces:
        if namespace in previous:
            seen[namespace] = {**previous[namespace], **seen.get(namespace, {})}
    return seen


@dataclass(frozen=True)
class Due:
    """When an object was first seen, and when its grace period ends."""

    first_seen: datetime
    due: datetime

    def reached(self, now: datetime) -> bool:
        return now >= self.due


def due(state: Mapping[str, Mapping[str, int]], *, namespace: str, uid: str, grace: float) -> Due:
    """The object's grace; one never seen (it cannot be, after `observe`) is due never."""
    stamp = state.get(namespace, {}).get(uid)
    if stamp is None:
        never = datetime.max.replace(tzinfo=UTC)
        return Due(first_seen=never, due=never)
    first = datetime.fromtimestamp(stamp, tz=UTC)
    return Due(first_seen=first, due=first + timedelta(seconds=grace))
