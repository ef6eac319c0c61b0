"""Alert cases for the auditor's loop: passes, leadership, remediation, the breaker."""

from auditor import metric_names as m
from tests.monitoring.case import Case, Fired
from tests.monitoring.series import FOLLOWER_POD, RULE, Series, auditor, histogram, webhook
from tiergate.config import Remediation
from tiergate.remediation_report import ActionResult, RemediateMode
from webhook import metrics as webhook_metrics

PASSES_CHECK = (
    "See which kinds could not be listed: kubectl -n tiergate-system exec "
    "deploy/tiergate-auditor -- auditor --once -o json"
)
LEASE_CHECK = (
    "Check: kubectl -n tiergate-system get lease tiergate-auditor; kubectl -n tiergate-system "
    "get pods -l app.kubernetes.io/component=auditor"
)

BREAKER_OPEN = Fired(
    "The picture changed suspiciously between passes (allowed namespaces dropped, or unwanted "
    "findings jumped), so remediation is stopped until the breaker is reset. Check: kubectl -n "
    "tiergate-system exec deploy/tiergate-auditor -- auditor --once -o table"
)
NO_LEADER_FIRED = Fired(
    "No auditor replica has been the leader for 5 minutes (or none is scraped): no pass runs "
    f"and drift gauges are not exported. {LEASE_CHECK}"
)


def _replicas(*, interval: str = "60", minutes: int = 90) -> tuple[Series, ...]:
    """Leader and follower: both export leadership and the interval."""
    every_minute = f"{interval}+0x{minutes}"
    return (
        auditor(m.LEADER, values=f"1+0x{minutes}"),
        auditor(m.LEADER, values=f"0+0x{minutes}", pod=FOLLOWER_POD),
        auditor(m.INTERVAL, values=every_minute),
        auditor(m.INTERVAL, values=every_minute, pod=FOLLOWER_POD),
    )


def _passes(*, complete: str, incomplete: str) -> tuple[Series, ...]:
    return (
        auditor(m.PASSES, values=complete, labels={"result": "complete"}),
        auditor(m.PASSES, values=incomplete, labels={"result": "incomplete"}),
        *histogram(
            auditor, m.PASS_DURATION, bounds=(1, 5, 30, 60), landing=5, per_minute=1, minutes=90
        ),
    )


STALE = "TiergateAuditorPassStale"
INCOMPLETE = "TiergateAuditorPassesIncomplete"
OVERRUNS = "TiergateAuditorPassesOverrunning"
NO_LEADER = "TiergateAuditorNoLeader"
REMEDIATION = "TiergateRemediationFailing"
BREAKER = "TiergateCircuitBreakerOpen"
# Label values as the remediation code writes them (tiergate/remediation_report.py, config.py).
DELETES = {"rule": RULE, "action": Remediation.DELETE.value}


def _remediations(values: str, *, result: ActionResult, mode: RemediateMode) -> Series:
    labels = {**DELETES, "mode": mode.value, "result": result.value}
    return auditor(m.REMEDIATIONS, values=values, labels=labels)


CASES = (
    Case(
        "no complete pass for three intervals fires",
        STALE,
        at="15m",
        # A pass a minute until 10m, then the timestamp stays at 600 s.
        series=(*_replicas(), auditor(m.LAST_COMPLETE_PASS, values="0+60x10 600+0x80")),
        fired=(
            Fired(
                "The last complete audit pass ended 5m 0s ago, more than three intervals: "
                "drift alerts show an old picture. "
                "Check: kubectl -n tiergate-system logs deploy/tiergate-auditor"
            ),
        ),
    ),
    Case(
        "with a ten-minute interval, thirty-two minutes without a pass fire",
        STALE,
        at="42m",
        series=(
            *_replicas(interval="600"),
            auditor(m.LAST_COMPLETE_PASS, values="0+60x10 600+0x80"),
        ),
        fired=(
            Fired(
                "The last complete audit pass ended 32m 0s ago, more than three intervals: "
                "drift alerts show an old picture. "
                "Check: kubectl -n tiergate-system logs deploy/tiergate-auditor"
            ),
        ),
    ),
    Case(
        "a pass within its interval keeps the staleness alert silent",
        STALE,
        at="60m",
        series=(*_replicas(), auditor(m.LAST_COMPLETE_PASS, values="0+60x90")),
    ),
    Case(
        "staleness is measured in the exported interval, not a fixed period",
        STALE,
        at="35m",
        # 25 minutes without a pass: stale at a 1-minute interval, not at 10 minutes.
        series=(
            *_replicas(interval="600"),
            auditor(m.LAST_COMPLETE_PASS, values="0+60x10 600+0x80"),
        ),
    ),
    Case(
        "most passes incomplete for 15 minutes fires",
        INCOMPLETE,
        at="50m",
        series=(*_replicas(), *_passes(complete="5+0x90", incomplete="0+1x90")),
        fired=(
            Fired(
                "100% of the audit passes of the last 30 minutes were incomplete, failed or "
                f"abandoned. {PASSES_CHECK}"
            ),
        ),
    ),
    Case(
        "an occasional incomplete pass does not fire",
        INCOMPLETE,
        at="60m",
        series=(*_replicas(), *_passes(complete="0+1x90", incomplete="0+0.1x90")),
    ),
    Case(
        "passes overrunning their interval fire",
        OVERRUNS,
        at="40m",
        series=(*_replicas(), auditor(m.PASS_OVERRUNS, values="0+1x60")),
        fired=(
            Fired("30 audit passes in the last 30 minutes took longer than the interval of 1m 0s."),
        ),
    ),
    Case(
        "passes within their interval do not fire",
        OVERRUNS,
        at="40m",
        series=(*_replicas(), auditor(m.PASS_OVERRUNS, values="0+0x60")),
    ),
    Case(
        "no replica holding the Lease for 5 minutes fires once",
        NO_LEADER,
        at="10m",
        series=(
            auditor(m.LEADER, values="0+0x20"),
            auditor(m.LEADER, values="0+0x20", pod=FOLLOWER_POD),
        ),
        fired=(NO_LEADER_FIRED,),
    ),
    Case(
        "no auditor scraped at all fires",
        NO_LEADER,
        at="10m",
        series=(webhook(webhook_metrics.ADMISSION_CONFIG_MISMATCH, values="0+0x20"),),
        fired=(NO_LEADER_FIRED,),
    ),
    Case(
        "a leader and a follower do not fire",
        NO_LEADER,
        at="30m",
        series=_replicas(),
    ),
    Case(
        "a leader change shorter than 5 minutes does not fire",
        NO_LEADER,
        at="14m",
        series=(
            auditor(m.LEADER, values="1+0x10 0+0x20"),
            auditor(m.LEADER, values="0+0x12 1+0x18", pod=FOLLOWER_POD),
        ),
    ),
    Case(
        "failed remediations fire per rule and action",
        REMEDIATION,
        at="20m",
        series=(
            *_replicas(),
            _remediations("0+0x10 2+0x20", result=ActionResult.FAILED, mode=RemediateMode.APPLY),
        ),
        fired=(
            Fired(
                f"2 delete remediation(s) of rule {RULE} failed in the last 30 minutes. "
                "Check: kubectl -n tiergate-system get events; kubectl -n tiergate-system "
                "logs deploy/tiergate-auditor",
                DELETES,
            ),
        ),
    ),
    Case(
        "done, dry-run and skipped remediations do not fire",
        REMEDIATION,
        at="20m",
        series=(
            *_replicas(),
            _remediations("0+1x30", result=ActionResult.DONE, mode=RemediateMode.APPLY),
            _remediations("0+1x30", result=ActionResult.SKIPPED, mode=RemediateMode.APPLY),
            _remediations("0+1x30", result=ActionResult.DRY_RUN, mode=RemediateMode.DRY_RUN),
        ),
    ),
    Case(
        "an open circuit breaker fires",
        BREAKER,
        at="5m",
        series=(*_replicas(), auditor(m.CIRCUIT_BREAKER_OPEN, values="1+0x30")),
        fired=(BREAKER_OPEN,),
    ),
    Case(
        "an open circuit breaker keeps firing across a leader change",
        BREAKER,
        at="13m",
        series=(
            *_replicas(),
            auditor(m.CIRCUIT_BREAKER_OPEN, values="1+0x10 stale"),
            auditor(m.CIRCUIT_BREAKER_OPEN, values="_x15 1+0x15", pod=FOLLOWER_POD),
        ),
        fired=(BREAKER_OPEN,),
    ),
    Case(
        "a closed circuit breaker does not fire (only the leader exports it)",
        BREAKER,
        at="20m",
        series=(*_replicas(), auditor(m.CIRCUIT_BREAKER_OPEN, values="0+0x30")),
    ),
)
