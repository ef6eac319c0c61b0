"""Alert cases for drift and waste: gauges exported by the auditor's leader only."""

from auditor import metric_names as m
from tests.monitoring.case import Case, Fired
from tests.monitoring.series import FOLLOWER_POD, LEADER_POD, RULE, Series, auditor

LIST = (
    "List them: kubectl -n tiergate-system exec deploy/tiergate-auditor -- auditor --once -o table"
)
BY_RULE = {"rule": RULE}


def _drift(metric: str, *, drift: str, dormant: str, values: str, pod: str = LEADER_POD) -> Series:
    labels = {"rule": RULE, "drift": drift, "dormant": dormant}
    return auditor(metric, values=values, pod=pod, labels=labels)


def _leadership(*, leader: str = "1+0x90", follower: str = "0+0x90") -> tuple[Series, ...]:
    """The gauges every replica exports: the follower has no drift series at all."""
    return (
        auditor(m.LEADER, values=leader),
        auditor(m.LEADER, values=follower, pod=FOLLOWER_POD),
        auditor(m.INTERVAL, values="60+0x90"),
        auditor(m.INTERVAL, values="60+0x90", pod=FOLLOWER_POD),
    )


def _unwanted(count: int) -> Fired:
    return Fired(
        f"{count} running object(s) of rule {RULE} in namespaces the rule does not allow "
        f"(dormant ones not counted), for 15 minutes. {LIST}",
        BY_RULE,
    )


UNWANTED = "TiergateUnwantedDrift"
MISSING = "TiergateMissingExporter"
ORPHANED = "TiergateOrphanedSatellites"
WASTE = "TiergateWasteAboveThreshold"
CASES = (
    Case(
        "unwanted drift running for 15 minutes fires once per rule, dormant ones not counted",
        UNWANTED,
        at="16m",
        series=(
            *_leadership(),
            _drift(m.DRIFT_OBJECTS, drift="unwanted", dormant="false", values="3+0x30"),
            _drift(m.DRIFT_OBJECTS, drift="unwanted", dormant="true", values="5+0x30"),
        ),
        fired=(_unwanted(3),),
    ),
    Case(
        "unwanted drift exported by two replicas during a failover is not counted twice",
        UNWANTED,
        at="20m",
        series=(
            *_leadership(),
            _drift(m.DRIFT_OBJECTS, drift="unwanted", dormant="false", values="3+0x30"),
            _drift(
                m.DRIFT_OBJECTS,
                drift="unwanted",
                dormant="false",
                values="_x10 3+0x20",
                pod=FOLLOWER_POD,
            ),
        ),
        fired=(_unwanted(3),),
    ),
    Case(
        "unwanted drift keeps firing while a new leader finishes its first pass",
        UNWANTED,
        at="23m",
        series=(
            *_leadership(),
            _drift(m.DRIFT_OBJECTS, drift="unwanted", dormant="false", values="3+0x20 stale"),
            _drift(
                m.DRIFT_OBJECTS,
                drift="unwanted",
                dormant="false",
                values="_x25 3+0x20",
                pod=FOLLOWER_POD,
            ),
        ),
        fired=(_unwanted(3),),
    ),
    Case(
        "unwanted drift younger than 15 minutes does not fire",
        UNWANTED,
        at="10m",
        series=(
            *_leadership(),
            _drift(m.DRIFT_OBJECTS, drift="unwanted", dormant="false", values="3+0x30"),
        ),
    ),
    Case(
        "dormant unwanted drift alone does not fire",
        UNWANTED,
        at="30m",
        series=(
            *_leadership(),
            _drift(m.DRIFT_OBJECTS, drift="unwanted", dormant="true", values="4+0x40"),
            _drift(m.DRIFT_OBJECTS, drift="unwanted", dormant="false", values="0+0x40"),
        ),
    ),
    Case(
        "fixed unwanted drift stops firing once the keep-firing time has passed",
        UNWANTED,
        at="42m",
        series=(
            *_leadership(),
            _drift(m.DRIFT_OBJECTS, drift="unwanted", dormant="false", values="3+0x20 0+0x30"),
        ),
    ),
    Case(
        "a follower replica alone exports no drift and fires nothing",
        UNWANTED,
        at="30m",
        series=_leadership(leader="0+0x90"),
    ),
    Case(
        "Enterprise namespaces missing the exporter for 30 minutes fire, counted once",
        MISSING,
        at="31m",
        series=(
            *_leadership(),
            _drift(m.DRIFT_NAMESPACES, drift="missing", dormant="false", values="2+0x40"),
            _drift(
                m.DRIFT_NAMESPACES,
                drift="missing",
                dormant="false",
                values="2+0x40",
                pod=FOLLOWER_POD,
            ),
        ),
        fired=(
            Fired(
                f"2 namespace(s) allowed by rule {RULE} run the broker but not the component "
                f"(Enterprise tenants without MQTT monitoring). {LIST}",
                BY_RULE,
            ),
        ),
    ),
    Case(
        "namespaces with only unwanted drift are not reported missing",
        MISSING,
        at="40m",
        series=(
            *_leadership(),
            _drift(m.DRIFT_NAMESPACES, drift="unwanted", dormant="false", values="2+0x40"),
        ),
    ),
    Case(
        "orphaned satellites for 30 minutes fire",
        ORPHANED,
        at="31m",
        series=(
            *_leadership(),
            _drift(m.DRIFT_OBJECTS, drift="orphaned", dormant="false", values="1+0x40"),
        ),
        fired=(
            Fired(
                f"1 orphaned satellite(s) (Service, ServiceMonitor, PodMonitor) of rule {RULE} "
                f"have no component workload left. {LIST}",
                BY_RULE,
            ),
        ),
    ),
    Case(
        "orphaned satellites removed before 30 minutes never fire",
        ORPHANED,
        at="40m",
        series=(
            *_leadership(),
            _drift(m.DRIFT_OBJECTS, drift="orphaned", dormant="false", values="1+0x10 0+0x30"),
        ),
    ),
    Case(
        "more than a core of waste for an hour fires",
        WASTE,
        at="61m",
        series=(*_leadership(), auditor(m.WASTE_CPU, values="1.5+0x70", labels=BY_RULE)),
        fired=(
            Fired(
                f"Unwanted running components of rule {RULE} request 1.5 CPU cores "
                f"(threshold 1) that nobody uses. {LIST}",
                BY_RULE,
            ),
        ),
    ),
    Case(
        "waste under the threshold does not fire",
        WASTE,
        at="80m",
        series=(*_leadership(), auditor(m.WASTE_CPU, values="0.5+0x90", labels=BY_RULE)),
    ),
)
