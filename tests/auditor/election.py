"""The Lease the tests elect on, and an elector for it on a clock the test moves."""

from collections.abc import Callable

from auditor.clock import Clock
from auditor.leadership import LeaseElector, LeaseTiming
from tiergate_edge.kube_api import KubeApi

OWN = "tiergate-system"
LEASE = "tiergate-auditor"
TIMING = LeaseTiming()  # 12 s lease, 10 s renew deadline, 2 s retry period


def elector(
    api: KubeApi,
    *,
    identity: str,
    clock: Clock,
    on_change: Callable[[bool], None] | None = None,
    timing: LeaseTiming = TIMING,
) -> LeaseElector:
    """An elector whose followers always wait their longest jittered pause."""
    return LeaseElector(
        api,
        namespace=OWN,
        name=LEASE,
        identity=identity,
        clock=clock,
        timing=timing,
        on_change=on_change,
        jitter=lambda: 1.0,
    )
