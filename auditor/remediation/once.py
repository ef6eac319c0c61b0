"""`auditor --once --remediate dry-run|apply`: one pass and one remediation round, under the Lease.

The run takes the Lease before it reads anything and keeps renewing it until
it is done, so it never remediates next to the continuous auditor; while
another replica holds the Lease it refuses (exit 2) without reading a thing.
"""

import asyncio
import dataclasses
import secrets
from collections.abc import Awaitable, Callable

from auditor.clock import Clock
from auditor.leadership import LeaseElector, LeaseTiming
from auditor.remediation.remediator import RemediationSettings, Remediator
from tiergate.config import TiergateConfig
from tiergate.findings import AuditReport
from tiergate_edge.failures import InputError
from tiergate_edge.kube_api import KubeApi

LEASE_NAME = "tiergate-auditor"


class LeaseHeldError(InputError):
    """Another replica holds the Lease: this run must not remediate next to it."""


async def remediate_once(
    api: KubeApi,
    *,
    audit_pass: Callable[[], Awaitable[AuditReport]],
    config: TiergateConfig,
    settings: RemediationSettings,
    clock: Clock,
    lease_name: str = LEASE_NAME,
    timing: LeaseTiming | None = None,
) -> AuditReport:
    """Take the Lease, run the pass, remediate, release; the report with its remediation."""
    # A name of the run's own: started with `kubectl exec` in an auditor's pod, it inherits
    # that replica's POD_NAME, and the leader's Lease must not read as already ours.
    settings = dataclasses.replace(
        settings, identity=f"{settings.identity}-once-{secrets.token_hex(4)}"
    )
    elector = LeaseElector(
        api,
        namespace=settings.own_namespace,
        name=lease_name,
        identity=settings.identity,
        clock=clock,
        timing=timing,
    )
    if not await elector.acquire_once():
        raise LeaseHeldError(
            f"another auditor holds the Lease {settings.own_namespace}/{lease_name} and "
            "remediates: stop it (or wait for it to let go) before `--once --remediate`"
        )
    stop = asyncio.Event()
    renewing = asyncio.create_task(elector.run(stop=stop))  # renews; releases when stopped
    try:
        report = await audit_pass()
        remediator = Remediator(
            api, config=config, settings=settings, leadership=elector, clock=clock
        )
        section = await remediator.after_pass(report)
        return report.model_copy(update={"remediation": section})
    finally:
        stop.set()
        await renewing
