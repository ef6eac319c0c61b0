"""The continuous auditor's `after_pass` hook: one remediation round after each complete pass.

Built from the service's wiring, so it shares the API session, the Lease (its
`confirm()` before every write; its holder alone exports the round's gauges), the
clock and the metrics registry.
"""

import logging

from auditor.remediation.metrics import RemediationMetrics
from auditor.remediation.remediator import OFF, RemediationSettings, Remediator
from auditor.service import AfterPass
from auditor.wiring import Wiring
from tiergate.findings import AuditReport

LOGGER = logging.getLogger("tiergate.auditor.remediation")


def remediation_after_pass(wiring: Wiring) -> AfterPass:
    """The hook for `serve(..., after_pass=remediation_after_pass)`, in every --remediate mode."""
    remediator = Remediator(
        wiring.api,
        config=wiring.config,
        settings=RemediationSettings.of(wiring.settings),
        leadership=wiring.elector,
        clock=wiring.clock,
        metrics=RemediationMetrics(wiring.registry, leading=wiring.elector.is_leader),
    )

    async def after_pass(report: AuditReport) -> None:
        section = await remediator.after_pass(report)
        # No report is printed in this mode: a round that stopped (the state unreadable or
        # not saved, the breaker, the Lease) says so in the log; `off` is no news.
        if section.blocked not in (None, OFF):
            LOGGER.warning("remediation stopped", extra={"reason": section.blocked})

    return after_pass
