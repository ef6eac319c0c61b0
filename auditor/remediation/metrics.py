"""The remediation metrics, registered on the registry the program passes in.

Counters by rule, action, result and mode; the breaker as a gauge (it alerts);
stacks still within their grace period by rule. Names come from metric_names.
"""

from collections import Counter

from prometheus_client import CollectorRegistry, Gauge
from prometheus_client import Counter as CounterMetric

from auditor.metric_names import CIRCUIT_BREAKER_OPEN, GRACE_PENDING, REMEDIATIONS


class RemediationMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.remediations = CounterMetric(
            REMEDIATIONS.removesuffix("_total"),
            "Writes (or dry-run writes) of remediation, and objects left alone when judged again",
            ["rule", "action", "result", "mode"],
            registry=registry,
        )
        self.breaker = Gauge(
            CIRCUIT_BREAKER_OPEN,
            "1 while the remediation circuit breaker is open (reset it by hand, see README)",
            registry=registry,
        )
        self.pending = Gauge(
            GRACE_PENDING,
            "Unwanted stacks waiting out the grace period before remediation",
            ["rule"],
            registry=registry,
        )

    def counted(self, *, rule: str, action: str, result: str, mode: str) -> None:
        self.remediations.labels(rule=rule, action=action, result=result, mode=mode).inc()

    def show(self, *, breaker_open: bool, pending: Counter[str], rules: list[str]) -> None:
        self.breaker.set(1 if breaker_open else 0)
        for rule in rules:
            self.pending.labels(rule=rule).set(pending[rule])
