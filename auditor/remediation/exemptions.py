"""An exemption's expiry judged again on the API server's clock before a round records or acts.

A pass judges on the server's time when it knows it; one that did not (no usable
Date yet) judged on the replica's clock, which, ahead of the server's, ends an
exemption early and would start its grace early. Only that direction is corrected:
what the pass found exempt stays exempt until a pass finds otherwise (later, never sooner).
"""

from datetime import datetime

from tiergate.config import TiergateConfig
from tiergate.findings import AuditReport, Finding
from tiergate.verdicts import exemption_for


def exempt_on_server_clock(
    report: AuditReport, *, config: TiergateConfig, now: datetime
) -> AuditReport:
    """`report` with each violation whose admin exemption is in force at `now` (the API
    server's time) marked exempt, as the core would have judged it at that time."""
    rules = {rule.name: rule for rule in config.rules}

    def judged(finding: Finding) -> Finding:
        rule = rules.get(finding.rule)
        if rule is None or not finding.is_violation:
            return finding
        excuse = exemption_for(rule, namespace=finding.namespace, name=finding.name, now=now)
        if excuse is None or not excuse.applies:
            return finding
        exemption = f"{excuse.reason} (in force on the API server's clock)"
        return finding.model_copy(update={"exempt": True, "exemption": exemption})

    return report.model_copy(update={"findings": [judged(f) for f in report.findings]})
