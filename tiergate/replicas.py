"""Where each workload kind keeps its pod template, and how many pods it wants now.

Each kind states "how many pods" differently (replicas, parallelism, a
DaemonSet's scheduled count, suspend flags, a Pod's phase); the answer decides
whether a finding is dormant and what it costs.
"""

from collections.abc import Mapping
from typing import Any, Protocol

_POD_TEMPLATE_PATHS: Mapping[str, tuple[str, ...]] = {
    "Pod": (),
    "ReplicationController": ("spec", "template"),
    "Deployment": ("spec", "template"),
    "StatefulSet": ("spec", "template"),
    "DaemonSet": ("spec", "template"),
    "ReplicaSet": ("spec", "template"),
    "Job": ("spec", "template"),
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
}
_FINISHED_POD_PHASES = frozenset({"Succeeded", "Failed"})

Section = Mapping[str, Any]


def pod_template_path(kind: str) -> tuple[str, ...] | None:
    """The path of the kind's pod template (`()` for a Pod itself), or None."""
    return _POD_TEMPLATE_PATHS.get(kind)


def _count(value: Any, *, field: str) -> int:
    if value is None:
        return 1  # the API's default for replicas and parallelism
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{field}: expected a non-negative integer, got {value!r}")
    return value


def _pod(spec: Section, *, status: Section) -> int:
    del spec
    return 0 if status.get("phase") in _FINISHED_POD_PHASES else 1


def _replicas(spec: Section, *, status: Section) -> int:
    del status
    return _count(spec.get("replicas"), field="spec.replicas")


def _daemon_set(spec: Section, *, status: Section) -> int:
    del spec
    # Only the controller knows how many nodes match; without a status assume it runs.
    return _count(status.get("desiredNumberScheduled"), field="status.desiredNumberScheduled")


def _job(spec: Section, *, status: Section) -> int:
    conditions = status.get("conditions")
    finished = any(
        isinstance(c, Mapping)
        and c.get("type") in ("Complete", "Failed")
        and c.get("status") == "True"
        for c in (conditions if isinstance(conditions, list) else ())
    )
    if finished or spec.get("suspend") is True:
        return 0
    return _count(spec.get("parallelism"), field="spec.parallelism")


def _cron_job(spec: Section, *, status: Section) -> int:
    del status
    if spec.get("suspend") is True:
        return 0
    job_spec = (
        spec.get("jobTemplate", {}).get("spec")
        if isinstance(spec.get("jobTemplate"), Mapping)
        else None
    )
    parallelism = job_spec.get("parallelism") if isinstance(job_spec, Mapping) else None
    return _count(parallelism, field="spec.jobTemplate.spec.parallelism")


class _PodCount(Protocol):
    def __call__(self, spec: Section, *, status: Section) -> int: ...


_DESIRED_PODS: Mapping[str, _PodCount] = {
    "Pod": _pod,
    "Deployment": _replicas,
    "StatefulSet": _replicas,
    "ReplicaSet": _replicas,
    "ReplicationController": _replicas,
    "DaemonSet": _daemon_set,
    "Job": _job,
    "CronJob": _cron_job,
}


def desired_pods(kind: str, *, spec: Section, status: Section) -> int:
    """Pods the object asks to run now; 0 means dormant (scaled down, suspended, done)."""
    count = _DESIRED_PODS.get(kind)
    return 0 if count is None else count(spec, status=status)
