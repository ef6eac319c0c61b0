"""What an after-pass hook of the continuous auditor is built from.

Apart from `auditor.continuous` so that remediation's hook can name it without
importing the loop that installs the hook.
"""

from collections.abc import Callable
from dataclasses import dataclass

from prometheus_client import CollectorRegistry

from auditor.clock import Clock
from auditor.leadership import LeaseElector
from auditor.service import AfterPass
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
