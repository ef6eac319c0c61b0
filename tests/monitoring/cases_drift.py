"""Alert cases for drift and waste: gauges exported by the auditor's leader only."""

from auditor import metric_names as m
from tests.monitoring.case import Alert, Row, cases
from tests.monitoring.series import FOLLOWER_POD, LEADER_POD, RULE, Series, auditor

LIST = (
    "List them: kubectl -n tiergate-system exec deploy/tiergate-auditor -- auditor --once -o table"
)
BY_RULE = {"rule": RULE}


def _drift(
    metric: str, *, values: str, drift: str, dormant: str = "false", pod: str = LEADER_POD
) -> Series:
    labels = {"rule": RULE, "drift": drift, "dormant": dormant}
    return auditor(metric, values=values, pod=pod, labels=labels)


def _unwanted(values: str, *, dormant: str = "false", pod: str = LEADER_POD) -> Series:
    return _drift(m.DRIFT_OBJECTS, values=values, drift="unwanted", dormant=dormant, pod=pod)


def _leadership(*, leader: str = "1+0x90", follower: str = "0+0x90") -> tuple[Series, ...]:
    """The gauges every replica exports: the follower has no drift series at all."""
    return (
        auditor(m.LEADER, values=leader),
        auditor(m.LEADER, values=follower, pod=FOLLOWER_POD),
        auditor(m.INTERVAL, values="60+0x90"),
        auditor(m.INTERVAL, values="60+0x90", pod=FOLLOWER_POD),
    )


LEADERSHIP = _leadership()
UNWANTED = Alert(
    "TiergateUnwantedDrift",
    lambda count: (
        f"{count} running object(s) of rule {RULE} in namespaces the rule does not "
        f"allow (dormant ones not counted), for 15 minutes. {LIST}"
    ),
    BY_RULE,
)
MISSING = Alert(
    "TiergateMissingExporter",
    lambda count: (
        f"{count} namespace(s) allowed by rule {RULE} run the broker but not the "
        f"component (Enterprise tenants without MQTT monitoring). {LIST}"
    ),
    BY_RULE,
)
ORPHANED = Alert(
    "TiergateOrphanedSatellites",
    lambda count: (
        f"{count} orphaned satellite(s) (Service, ServiceMonitor, PodMonitor) of rule "
        f"{RULE} have no component workload left. {LIST}"
    ),
    BY_RULE,
)
WASTE = Alert(
    "TiergateWasteAboveThreshold",
    lambda cores: (
        f"Unwanted running components of rule {RULE} request {cores} CPU cores "
        f"(threshold 1) that nobody uses. {LIST}"
    ),
    BY_RULE,
)
# One row per case: its sentence, then the eval time, the input series, and what a firing
# row's description shows (no value: the alert stays silent).
CASES = (
    *cases(UNWANTED,
        Row("unwanted drift running for 15 minutes fires once per rule, dormant ones not counted",
            "16m", (*LEADERSHIP, _unwanted("3+0x30"), _unwanted("5+0x30", dormant="true")), (3,)),
        Row("unwanted drift exported by two replicas during a failover is not counted twice",
            "20m", (*LEADERSHIP, _unwanted("3+0x30"), _unwanted("_x10 3+0x20", pod=FOLLOWER_POD)),
            (3,)),
        Row("unwanted drift keeps firing while a new leader finishes its first pass",
            "23m", (*LEADERSHIP, _unwanted("3+0x20 stale"),
                    _unwanted("_x25 3+0x20", pod=FOLLOWER_POD)), (3,)),
        Row("unwanted drift younger than 15 minutes does not fire",
            "10m", (*LEADERSHIP, _unwanted("3+0x30"))),
        Row("dormant unwanted drift alone does not fire",
            "30m", (*LEADERSHIP, _unwanted("4+0x40", dormant="true"), _unwanted("0+0x40"))),
        Row("fixed unwanted drift stops firing once the keep-firing time has passed",
            "42m", (*LEADERSHIP, _unwanted("3+0x20 0+0x30"))),
        Row("a follower replica alone exports no drift and fires nothing",
            "30m", _leadership(leader="0+0x90"))),
    *cases(MISSING,
        Row("Enterprise namespaces missing the exporter for 30 minutes fire, counted once",
            "31m", (*LEADERSHIP, _drift(m.DRIFT_NAMESPACES, values="2+0x40", drift="missing"),
                    _drift(m.DRIFT_NAMESPACES, values="2+0x40", drift="missing", pod=FOLLOWER_POD)),
            (2,)),
        Row("namespaces with only unwanted drift are not reported missing",
            "40m", (*LEADERSHIP, _drift(m.DRIFT_NAMESPACES, values="2+0x40", drift="unwanted")))),
    *cases(ORPHANED,
        Row("orphaned satellites for 30 minutes fire",
            "31m", (*LEADERSHIP, _drift(m.DRIFT_OBJECTS, values="1+0x40", drift="orphaned")), (1,)),
        Row("orphaned satellites removed before 30 minutes never fire",
            "40m", (*LEADERSHIP,
                    _drift(m.DRIFT_OBJECTS, values="1+0x10 0+0x30", drift="orphaned")))),
    *cases(WASTE,
        Row("more than a core of waste for an hour fires",
            "61m", (*LEADERSHIP, auditor(m.WASTE_CPU, values="1.5+0x70", labels=BY_RULE)), (1.5,)),
        Row("waste under the threshold does not fire",
            "80m", (*LEADERSHIP, auditor(m.WASTE_CPU, values="0.5+0x90", labels=BY_RULE)))),
)  # fmt: skip
