"""What an after-pass hook of the continuous auditor is built from.

Apart from `auditor.continuous` so that remediation's hook can name it without
importing the loop that installs the hook.
"""

import random
from collections.abc import Callable
from dataclasses import dataclass

from prometheus_client import CollectorRegistry

from auditor.clock import Clock
from auditor.leadership import LeaseElector
from auditor.metrics import AuditorMetrics
from auditor.service import AfterPass, AuditorService
from auditor.settings import AuditorSettings
from tiergate.config import TiergateConfig
from tiergate_edge.kube_api import KubeApi


@dataclass(frozen=True)
class Wiring:
    """What an after-pass hook may use: the same session, Lease, clock and registry."""

    settings: AuditorSettings
    config: TiergateConfig
    api: KubeApi
    elector: LeaseElector
    clock: Clock
    registry: CollectorRegistry


AfterPassFactory = Callable[[Wiring], AfterPass]


def wired_service(
    wiring: Wiring,
    *,
    metrics: AuditorMetrics,
    after_pass: AfterPass,
    jitter: Callable[[], float] = random.random,
) -> AuditorService:
    """The service on the wiring's session, Lease and clock, told when leadership changes."""
    settings = wiring.settings
    service = AuditorService(
        wiring.api,
        config=wiring.config,
        clock=wiring.clock,
        elector=wiring.elector,
        metrics=metrics,
        own_namespace=settings.own_namespace,
        interval_seconds=settings.interval,
        page_size=settings.page_size,
        after_pass=after_pass,
        jitter=jitter,
    )
    wiring.elector.on_change = service.leadership_changed
    return service
