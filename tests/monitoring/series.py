"""Input series for promtool, labelled as the programs label them once scraped.

Each series carries the program's own labels and the target labels the
ServiceMonitors give it (job, namespace, pod, ...), so a query that forgets to
aggregate over replicas shows up in the tests as two alerts, not one.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from prometheus_client.utils import floatToGoString

LEADER_POD = "tiergate-auditor-7d9f8-a1"
FOLLOWER_POD = "tiergate-auditor-7d9f8-b2"
WEBHOOK_PODS = ("tiergate-webhook-5c6d7-x1", "tiergate-webhook-5c6d7-y2")
RULE = "mosquitto-exporter"
TIERGATE_WEBHOOK_NAME = "mosquitto-exporter.tiergate.io"


@dataclass(frozen=True)
class Series:
    metric: str
    values: str  # promtool's expanding notation, one sample a minute
    labels: Mapping[str, str] = field(default_factory=dict)  # the program's own
    target: Mapping[str, str] = field(default_factory=dict)  # added by the scrape

    def as_input(self) -> dict[str, Any]:
        pairs = {**self.target, **self.labels}
        rendered = ",".join(f'{key}="{value}"' for key, value in sorted(pairs.items()))
        return {"series": f"{self.metric}{{{rendered}}}", "values": self.values}


def _target(component: str, *, pod: str, port: int) -> dict[str, str]:
    service = f"tiergate-{component}-metrics"
    return {
        "job": service,
        "service": service,
        "namespace": "tiergate-system",
        "endpoint": "metrics",
        "container": component,
        "pod": pod,
        "instance": f"10.0.{len(pod)}.{sum(map(ord, pod)) % 250}:{port}",
    }


def auditor(
    metric: str, *, values: str, pod: str = LEADER_POD, labels: Mapping[str, str] | None = None
) -> Series:
    """A series of one auditor replica (the leader unless `pod` says otherwise)."""
    return Series(metric, values, labels or {}, _target("auditor", pod=pod, port=9091))


def webhook(
    metric: str,
    *,
    values: str,
    pod: str = WEBHOOK_PODS[0],
    labels: Mapping[str, str] | None = None,
) -> Series:
    """A series of one webhook replica."""
    return Series(metric, values, labels or {}, _target("webhook", pod=pod, port=9090))


def apiserver(metric: str, *, values: str, labels: Mapping[str, str]) -> Series:
    """A series of kube-apiserver, as kube-prometheus scrapes it."""
    target = {"job": "apiserver", "instance": "172.18.0.2:6443"}
    return Series(metric, values, labels, target)


def histogram(
    make: Any,
    metric: str,
    *,
    bounds: tuple[float, ...],
    landing: float,
    per_minute: int,
    minutes: int,
    labels: Mapping[str, str] | None = None,
    le: Callable[[float], str] = floatToGoString,
) -> tuple[Series, ...]:
    """Cumulative `_bucket` series where every observation takes `landing` seconds.

    `le` spells a bound as the exporting client does (Python's "1.0", Go's "1").
    """
    series = []
    for bound in (*bounds, float("inf")):
        step = per_minute if bound >= landing else 0
        series.append(
            make(
                f"{metric}_bucket",
                values=f"0+{step}x{minutes}",
                labels={**(labels or {}), "le": le(bound)},
            )
        )
    return tuple(series)


def go_le(bound: float) -> str:
    """A bucket bound as Go's client spells it (kube-apiserver): "1", "2.5", "+Inf"."""
    return "+Inf" if bound == float("inf") else f"{bound:g}"
