"""How many pods a workload asks to run now, kind by kind.

Each kind states "how many pods" differently (replicas, parallelism, a
DaemonSet's scheduled count, suspend flags, a Pod's phase); the answer decides
whether a finding is dormant and what it costs. The kinds table
(`tiergate.kinds`) says which counter each kind uses.
"""

from collections.abc import Mapping
from typing import Any, Protocol

_FINISHED_POD_PHASES = frozenset({"Succeeded", "Failed"})
INT32_MAX = 2**31 - 1  # the API's counts are int32

Section = Mapping[str, Any]


class PodCount(Protocol):
    def __call__(self, spec: Section, *, status: Section) -> int: ...


def _count(value: Any, *, field: str) -> int:
    if value is None:
        return 1  # the API's default for replicas and parallelism
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        shown = str(value).lower() if isinstance(value, bool) else repr(value)
        raise ValueError(f"{field}: expected a non-negative integer, got {shown}")
    if value > INT32_MAX:
        raise ValueError(f"{field}: {value} is beyond the API's limit of {INT32_MAX}")
    return value


def pod(spec: Section, *, status: Section) -> int:
    del spec
    return 0 if status.get("phase") in _FINISHED_POD_PHASES else 1


def replicas(spec: Section, *, status: Section) -> int:
    del status
    return _count(spec.get("replicas"), field="spec.replicas")


def daemon_set(spec: Section, *, status: Section) -> int:
    del spec
    # Only the controller knows how many nodes match; without a status assume it runs.
    return _count(status.get("desiredNumberScheduled"), field="status.desiredNumberScheduled")


def job(spec: Section, *, status: Section) -> int:
    conditions = status.get("conditions")
    finished = any(
        isinstance(c, Mapping)
        and c.get("type") in ("Complete", "Failed")
        and c.get("status") == "True"
        for c in (conditions if isinstance(conditions, list) else ())
    )
    parallelism = _count(spec.get("parallelism"), field="spec.parallelism")
    return 0 if finished or spec.get("suspend") is True else parallelism


def cron_job(spec: Section, *, status: Section) -> int:
    del status
    job_template = spec.get("jobTemplate")
    job_spec = job_template.get("spec") if isinstance(job_template, Mapping) else None
    parallelism = job_spec.get("parallelism") if isinstance(job_spec, Mapping) else None
    count = _count(parallelism, field="spec.jobTemplate.spec.parallelism")
    return 0 if spec.get("suspend") is True else count
