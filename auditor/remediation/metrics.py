"""The remediation metrics, registered on the registry the program passes in.

Counters by rule, action, result and mode; the breaker as a gauge (it alerts);
stacks still within their grace period by rule. Both gauges are the last round's
picture and come from a collector that yields them only while this replica leads,
so a replica that lost the Lease never keeps an alert firing after a reset.
Names come from metric_names.
"""

from collections import Counter
from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry
from prometheus_client import Counter as CounterMetric
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from auditor.metric_names import CIRCUIT_BREAKER_OPEN, GRACE_PENDING, REMEDIATIONS


class RoundPicture(Collector):
    """The breaker and the pending stacks of the last round, while `leading()`."""

    def __init__(self, leading: Callable[[], bool]) -> None:
        self._leading = leading
        self.breaker_open: bool | None = None  # None before the first round
        self.pending: dict[str, int] = {}

    def collect(self) -> Iterator[Metric]:
        if self.breaker_open is None or not self._leading():
            return
        yield GaugeMetricFamily(
            CIRCUIT_BREAKER_OPEN,
            "1 while the remediation circuit breaker is open (reset it by hand, see README)",
            value=1 if self.breaker_open else 0,
        )
        pending = GaugeMetricFamily(
            GRACE_PENDING,
            "Unwanted stacks waiting out the grace period before remediation",
            labels=["rule"],
        )
        for rule, count in sorted(self.pending.items()):
            pending.add_metric([rule], count)
        yield pending


class RemediationMetrics:
    def __init__(
        self, registry: CollectorRegistry, *, leading: Callable[[], bool] = lambda: True
    ) -> None:
        self.remediations = CounterMetric(
            REMEDIATIONS.removesuffix("_total"),
            "Writes (or dry-run writes) of remediation, and objects left alone when judged again",
            ["rule", "action", "result", "mode"],
            registry=registry,
        )
        self.picture = RoundPicture(leading)
        registry.register(self.picture)

    def counted(self, *, rule: str, action: str, result: str, mode: str) -> None:
        self.remediations.labels(rule=rule, action=action, result=result, mode=mode).inc()

    def show(self, *, breaker_open: bool, pending: Counter[str], rules: list[str]) -> None:
        self.picture.breaker_open = breaker_open
        self.picture.pending = {rule: pending[rule] for rule in rules}
