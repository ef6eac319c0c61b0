"""Alert cases for the auditor's loop: passes, leadership, remediation, the breaker."""

from auditor import metric_names as m
from tests.monitoring.case import Alert, Row, cases
from tests.monitoring.series import FOLLOWER_POD, RULE, Series, auditor, histogram, webhook
from tiergate.config import Remediation
from tiergate.remediation_report import ActionResult, RemediateMode
from webhook import metrics as webhook_metrics

LEASE_CHECK = (
    "Check: kubectl -n tiergate-system get lease tiergate-auditor; kubectl -n tiergate-system "
    "get pods -l app.kubernetes.io/component=auditor"
)
# Label values as the remediation code writes them (tiergate/remediation_report.py, config.py).
DELETES = {"rule": RULE, "action": Remediation.DELETE.value}


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
        *REPLICAS,
        auditor(m.PASSES, values=complete, labels={"result": "complete"}),
        auditor(m.PASSES, values=incomplete, labels={"result": "incomplete"}),
        *histogram(
            auditor, m.PASS_DURATION, bounds=(1, 5, 30, 60), landing=5, per_minute=1, minutes=90
        ),
    )


def _leaders(leader: str, *, follower: str) -> tuple[Series, ...]:
    return (auditor(m.LEADER, values=leader), auditor(m.LEADER, values=follower, pod=FOLLOWER_POD))


def _remediations(
    values: str, *, result: ActionResult, mode: RemediateMode = RemediateMode.APPLY
) -> Series:
    labels = {**DELETES, "mode": mode.value, "result": result.value}
    return auditor(m.REMEDIATIONS, values=values, labels=labels)


REPLICAS = _replicas()
# A pass a minute until 10m, then the timestamp stays at 600 s.
STOPPED_AT_10M = auditor(m.LAST_COMPLETE_PASS, values="0+60x10 600+0x80")
STALE = Alert(
    "TiergateAuditorPassStale",
    lambda ago: (
        f"The last complete audit pass ended {ago} ago, more than three intervals: drift alerts "
        "show an old picture. Check: kubectl -n tiergate-system logs deploy/tiergate-auditor"
    ),
)
INCOMPLETE = Alert(
    "TiergateAuditorPassesIncomplete",
    lambda percent: (
        f"{percent}% of the audit passes of the last 30 minutes were incomplete, failed or "
        "abandoned. See which kinds could not be listed: kubectl -n tiergate-system exec "
        "deploy/tiergate-auditor -- auditor --once -o json"
    ),
)
OVERRUNS = Alert(
    "TiergateAuditorPassesOverrunning",
    lambda count: (
        f"{count} audit passes in the last 30 minutes took longer than the interval of 1m 0s."
    ),
)
NO_LEADER = Alert(
    "TiergateAuditorNoLeader",
    lambda: (
        "No auditor replica has been the leader for 5 minutes (or none is scraped): no pass "
        f"runs and drift gauges are not exported. {LEASE_CHECK}"
    ),
)
REMEDIATION = Alert(
    "TiergateRemediationFailing",
    lambda count: (
        f"{count} delete remediation(s) of rule {RULE} failed in the last 30 minutes. Check: "
        "kubectl -n tiergate-system get events; kubectl -n tiergate-system logs "
        "deploy/tiergate-auditor"
    ),
    DELETES,
)
BREAKER = Alert(
    "TiergateCircuitBreakerOpen",
    lambda: (
        "The picture changed suspiciously between passes (allowed namespaces dropped, or "
        "unwanted findings jumped), so remediation is stopped until the breaker is reset. "
        "Check: kubectl -n tiergate-system exec deploy/tiergate-auditor -- auditor --once -o table"
    ),
)
# One row per case: its sentence, then the eval time, the input series, and what a firing
# row's description shows (no value: the alert stays silent).
CASES = (
    *cases(STALE,
        Row("no complete pass for three intervals fires",
            "15m", (*REPLICAS, STOPPED_AT_10M), ("5m 0s",)),
        Row("with a ten-minute interval, thirty-two minutes without a pass fire",
            "42m", (*_replicas(interval="600"), STOPPED_AT_10M), ("32m 0s",)),
        Row("a pass within its interval keeps the staleness alert silent",
            "60m", (*REPLICAS, auditor(m.LAST_COMPLETE_PASS, values="0+60x90"))),
        # 25 minutes without a pass: stale at a 1-minute interval, not at 10 minutes.
        Row("staleness is measured in the exported interval, not a fixed period",
            "35m", (*_replicas(interval="600"), STOPPED_AT_10M))),
    *cases(INCOMPLETE,
        Row("most passes incomplete for 15 minutes fires",
            "50m", _passes(complete="5+0x90", incomplete="0+1x90"), (100,)),
        Row("an occasional incomplete pass does not fire",
            "60m", _passes(complete="0+1x90", incomplete="0+0.1x90"))),
    *cases(OVERRUNS,
        Row("passes overrunning their interval fire",
            "40m", (*REPLICAS, auditor(m.PASS_OVERRUNS, values="0+1x60")), (30,)),
        Row("passes within their interval do not fire",
            "40m", (*REPLICAS, auditor(m.PASS_OVERRUNS, values="0+0x60")))),
    *cases(NO_LEADER,
        Row("no replica holding the Lease for 5 minutes fires once",
            "10m", _leaders("0+0x20", follower="0+0x20"), ()),
        Row("no auditor scraped at all fires",
            "10m", (webhook(webhook_metrics.ADMISSION_CONFIG_MISMATCH, values="0+0x20"),), ()),
        Row("a leader and a follower do not fire",
            "30m", REPLICAS),
        Row("a leader change shorter than 5 minutes does not fire",
            "14m", _leaders("1+0x10 0+0x20", follower="0+0x12 1+0x18"))),
    *cases(REMEDIATION,
        Row("failed remediations fire per rule and action",
            "20m", (*REPLICAS, _remediations("0+0x10 2+0x20", result=ActionResult.FAILED)), (2,)),
        Row("done, dry-run and skipped remediations do not fire",
            "20m", (*REPLICAS, _remediations("0+1x30", result=ActionResult.DONE),
                    _remediations("0+1x30", result=ActionResult.SKIPPED),
                    _remediations("0+1x30", result=ActionResult.DRY_RUN,
                                  mode=RemediateMode.DRY_RUN)))),
    *cases(BREAKER,
        Row("an open circuit breaker fires",
            "5m", (*REPLICAS, auditor(m.CIRCUIT_BREAKER_OPEN, values="1+0x30")), ()),
        Row("an open circuit breaker keeps firing across a leader change",
            "13m", (*REPLICAS, auditor(m.CIRCUIT_BREAKER_OPEN, values="1+0x10 stale"),
                    auditor(m.CIRCUIT_BREAKER_OPEN, values="_x15 1+0x15", pod=FOLLOWER_POD)), ()),
        Row("a closed circuit breaker does not fire (only the leader exports it)",
            "20m", (*REPLICAS, auditor(m.CIRCUIT_BREAKER_OPEN, values="0+0x30")))),
)  # fmt: skip
