"""`auditor --once --remediate dry-run|apply`: one pass and one remediation round, under the Lease.

The run takes the Lease before it reads anything and keeps renewing it until
it is done, so it never remediates next to the continuous auditor; while
another replica holds the Lease (or whether its Lease has expired cannot be
judged on the API server's clock) it refuses (exit 2) without reading a thing.
"""

import asyncio
import dataclasses
import secrets
from collections.abc import Awaitable, Callable

from auditor.clock import Clock
from auditor.leadership import LeaseElector, LeaseTiming
from auditor.lease_record import LeaseOutcome
from auditor.remediation.remediator import RemediationSettings, Remediator
from tiergate.config import TiergateConfig
from tiergate.findings import AuditReport
from tiergate_edge.failures import InputError
from tiergate_edge.kube_api import KubeApi

LEASE_NAME = "tiergate-auditor"
# Why the run cannot lead, by what taking the Lease came to; {lease} is namespace/name.
_STOP_IT = ": stop it (or wait for it to let go) before `--once --remediate`"
REFUSALS = {
    LeaseOutcome.HELD: "another auditor holds the Lease {lease} and remediates" + _STOP_IT,
    LeaseOutcome.UNJUDGED: (
        "another auditor holds the Lease {lease}, and the API server's time is unknown (its "
        "responses carry no usable Date header): whether that Lease has expired is judged on "
        "the server's clock only, so it is not taken" + _STOP_IT
    ),
    LeaseOutcome.FAILED: (
        "the Lease {lease} could not be read or taken (the API did not answer, see the "
        "warning above): nothing was read or remediated"
    ),
}


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
    outcome = await elector.acquire_once()
    if outcome is not LeaseOutcome.TAKEN:
        raise LeaseHeldError(
            REFUSALS[outcome].format(lease=f"{settings.own_namespace}/{lease_name}")
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
