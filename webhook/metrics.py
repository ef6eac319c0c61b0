"""The webhook's Prometheus metrics: names as constants, one registry passed in.

Labels are bounded (rule, kind, operation, decision, enforcement, dry_run, reason,
result): never a namespace, user or object name, so cardinality never grows
with tenants. Alert rules and dashboards use only the names defined here.
"""

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from tiergate.admission import Response

PREFIX = "tiergate_webhook_"
REQUESTS = PREFIX + "requests_total"
DURATION = PREFIX + "request_duration_seconds"
ERRORS = PREFIX + "errors_total"
NAMESPACE_LOOKUPS = PREFIX + "namespace_lookups_total"
CERTIFICATE_EXPIRY = PREFIX + "certificate_expiry_timestamp_seconds"
CERTIFICATE_RELOADS = PREFIX + "certificate_reloads_total"
# 1 when the ValidatingWebhookConfiguration in the cluster was rendered from other rules.
ADMISSION_CONFIG_MISMATCH = PREFIX + "admission_config_mismatch"
# From 1 ms (a non-candidate answered at once) to the API server's 10 s default timeout.
LATENCY_BUCKETS = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10)
NO_RULE = ""  # the request matched no rule's component


@dataclass(frozen=True)
class WebhookMetrics:
    requests: Counter
    duration: Histogram
    errors: Counter
    namespace_lookups: Counter
    certificate_expiry: Gauge
    certificate_reloads: Counter
    admission_config_mismatch: Gauge

    def count(
        self,
        response: Response,
        *,
        operation: str,
        kind: str,
        dry_run: bool,
        children: "Children | None" = None,
    ) -> None:
        """One sample per rule that judged the request, or one with rule="" if none did."""
        child = children or Children()
        flag = "true" if dry_run else "false"
        judged = response.rules or ()
        for rule in judged:
            child(
                self.requests,
                operation,
                kind,
                rule.rule,
                rule.result.value,
                rule.enforcement.value,
                flag,
            ).inc()
        if not judged:
            result = response.result.value
            child(self.requests, operation, kind, NO_RULE, result, "", flag).inc()


class Children:
    """Labelled children of counters, each found once per distinct set of label values.

    Each review counts twice; finding a child costs more than the increment, and the
    labels are bounded, so a server keeps the children it has used.
    """

    def __init__(self) -> None:
        self._found: dict[tuple[Counter, tuple[str, ...]], Counter] = {}

    def __call__(self, counter: Counter, *values: str) -> Counter:
        """`counter.labels(*values)`."""
        key = (counter, values)
        found = self._found.get(key)
        if found is None:
            found = self._found[key] = counter.labels(*values)
        return found


def create_metrics(registry: CollectorRegistry) -> WebhookMetrics:
    """Register the webhook's metrics in `registry` (never the global one)."""
    return WebhookMetrics(
        requests=Counter(
            REQUESTS,
            "Admission reviews answered, by rule and by what the rule decided.",
            ["operation", "kind", "rule", "decision", "enforcement", "dry_run"],
            registry=registry,
        ),
        duration=Histogram(
            DURATION,
            "Time from a review's arrival to its answer.",
            buckets=LATENCY_BUCKETS,
            registry=registry,
        ),
        errors=Counter(
            ERRORS,
            "Reviews refused as bad requests (400) or failed (500), by reason.",
            ["reason"],
            registry=registry,
        ),
        namespace_lookups=Counter(
            NAMESPACE_LOOKUPS,
            "Namespace label lookups: from the watch cache, by GET, or failed.",
            ["result"],
            registry=registry,
        ),
        certificate_expiry=Gauge(
            CERTIFICATE_EXPIRY,
            "When the serving certificate in use expires (Unix time).",
            registry=registry,
        ),
        certificate_reloads=Counter(
            CERTIFICATE_RELOADS,
            "Serving certificate loads after a change of the files, by result.",
            ["result"],
            registry=registry,
        ),
        admission_config_mismatch=Gauge(
            ADMISSION_CONFIG_MISMATCH,
            "1 when the ValidatingWebhookConfiguration is absent or its tiergate.io/rules-hash "
            "differs from the rules this webhook runs; 0 when equal; NaN until first read.",
            registry=registry,
        ),
    )
