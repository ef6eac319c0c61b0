"""Alert cases for the webhook: its own metrics, and kube-apiserver's view of it."""

from tests.monitoring.case import Case, Fired
from tests.monitoring.series import (
    TIERGATE_WEBHOOK_NAME,
    WEBHOOK_PODS,
    Series,
    apiserver,
    go_le,
    histogram,
    webhook,
)
from webhook import metrics as m

DAY = 86400
LOGS = "Check: kubectl -n tiergate-system logs deploy/tiergate-webhook"
ENDPOINTS = "Check: kubectl -n tiergate-system get endpoints tiergate-webhook"
APISERVER_BOUNDS = (0.005, 0.025, 0.1, 0.5, 1.0, 2.5, 10, 25)  # kube-apiserver's buckets
OTHER_WEBHOOK = "validate.other-vendor.example.com"


def _both_replicas(metric: str, *, values: str, others: str) -> tuple[Series, ...]:
    return (
        webhook(metric, values=values, pod=WEBHOOK_PODS[0]),
        webhook(metric, values=others, pod=WEBHOOK_PODS[1]),
    )


def _latency(landing: float) -> tuple[Series, ...]:
    return histogram(
        webhook, m.DURATION, bounds=m.LATENCY_BUCKETS, landing=landing, per_minute=60, minutes=40
    )


def _rejections(*, name: str, error_type: str, code: str) -> Series:
    labels = {
        "name": name,
        "type": "validating",
        "operation": "CREATE",
        "error_type": error_type,
        "rejection_code": code,
    }
    return apiserver("apiserver_admission_webhook_rejection_count", values="0+1x40", labels=labels)


def _fail_open(name: str) -> Series:
    labels = {"name": name, "type": "validating"}
    return apiserver("apiserver_admission_webhook_fail_open_count", values="0+1x40", labels=labels)


def _apiserver_latency(landing: float) -> tuple[Series, ...]:
    labels = {"name": TIERGATE_WEBHOOK_NAME, "type": "validating", "operation": "CREATE"}
    return histogram(
        apiserver,
        "apiserver_admission_webhook_admission_duration_seconds",
        bounds=APISERVER_BOUNDS,
        landing=landing,
        per_minute=60,
        minutes=40,
        labels={**labels, "rejected": "false"},
        le=go_le,
    )


CONFIG = "TiergateAdmissionConfigOutOfDate"
EXPIRING = "TiergateWebhookCertificateExpiring"
RELOAD = "TiergateWebhookCertificateReloadFailing"
ERRORS = "TiergateWebhookErrors"
LOOKUPS = "TiergateWebhookNamespaceLookupsFailing"
SLOW = "TiergateWebhookSlow"
CALLS = "TiergateWebhookCallsFailing"
FAIL_OPEN = "TiergateWebhookFailingOpen"
SLOW_APISERVER = "TiergateWebhookSlowFromApiServer"
CASES = (
    Case(
        "a webhook replica whose configuration was rendered from other rules fires once",
        CONFIG,
        at="16m",
        series=_both_replicas(m.ADMISSION_CONFIG_MISMATCH, values="1+0x20", others="1+0x20"),
        fired=(
            Fired(
                "The ValidatingWebhookConfiguration tiergate was rendered from rules other than "
                "the ones the webhook runs: requests may reach the webhook, or skip it, against "
                "the rules. Check: kubectl get validatingwebhookconfiguration tiergate -o "
                "jsonpath='{.metadata.annotations.tiergate\\.io/rules-hash}'"
            ),
        ),
    ),
    Case(
        "a configuration that matches the rules does not fire",
        CONFIG,
        at="30m",
        series=_both_replicas(m.ADMISSION_CONFIG_MISMATCH, values="0+0x40", others="0+0x40"),
    ),
    Case(
        "a certificate expiring within 14 days on one replica fires",
        EXPIRING,
        at="61m",
        series=_both_replicas(
            m.CERTIFICATE_EXPIRY, values=f"{10 * DAY}+0x90", others=f"{60 * DAY}+0x90"
        ),
        fired=(
            Fired(
                "A webhook replica serves a certificate that expires in 9d 22h 59m 0s. "
                "Check: kubectl -n tiergate-system get secret tiergate-webhook-tls -o "
                "jsonpath='{.data.tls\\.crt}' | base64 -d | openssl x509 -noout -enddate"
            ),
        ),
    ),
    Case(
        "a certificate valid for a month does not fire",
        EXPIRING,
        at="80m",
        series=_both_replicas(
            m.CERTIFICATE_EXPIRY, values=f"{30 * DAY}+0x90", others=f"{30 * DAY}+0x90"
        ),
    ),
    Case(
        "failed certificate reloads fire",
        RELOAD,
        at="10m",
        series=(webhook(m.CERTIFICATE_RELOADS, values="0+0x5 1+0x20", labels={"result": "error"}),),
        fired=(
            Fired(
                "1 certificate reload(s) failed in the last 15 minutes; the webhook keeps "
                f"serving the old certificate. {LOGS}"
            ),
        ),
    ),
    Case(
        "successful certificate reloads do not fire",
        RELOAD,
        at="10m",
        series=(
            webhook(m.CERTIFICATE_RELOADS, values="0+0x5 1+0x20", labels={"result": "loaded"}),
        ),
    ),
    Case(
        "internal errors fire with their reason",
        ERRORS,
        at="10m",
        series=(webhook(m.ERRORS, values="0+0x5 3+0x20", labels={"reason": "internal"}),),
        fired=(
            Fired(
                "3 admission review(s) answered with an error (reason internal) in the last "
                f"10 minutes. {LOGS}",
                {"reason": "internal"},
            ),
        ),
    ),
    Case(
        "old errors no longer fire",
        ERRORS,
        at="30m",
        series=(webhook(m.ERRORS, values="0+0x5 3+0x30", labels={"reason": "not_json"}),),
    ),
    Case(
        "failing namespace lookups for 5 minutes fire",
        LOOKUPS,
        at="10m",
        series=(
            webhook(m.NAMESPACE_LOOKUPS, values="0+1x20", labels={"result": "error"}),
            webhook(m.NAMESPACE_LOOKUPS, values="0+100x20", labels={"result": "cached"}),
        ),
        fired=(
            Fired(
                "10 namespace label lookup(s) failed in the last 10 minutes; a component "
                f"request whose namespace cannot be read is denied. {LOGS}"
            ),
        ),
    ),
    Case(
        "namespace lookups from the cache do not fire",
        LOOKUPS,
        at="10m",
        series=(webhook(m.NAMESPACE_LOOKUPS, values="0+100x20", labels={"result": "cached"}),),
    ),
    Case(
        "answers slower than half a second for 10 minutes fire",
        SLOW,
        at="20m",
        series=_latency(1),
        fired=(
            Fired(
                "99% of admission reviews are answered within 995ms (threshold 500ms), "
                "measured by the webhook."
            ),
        ),
    ),
    Case(
        "answers within milliseconds do not fire",
        SLOW,
        at="20m",
        series=_latency(0.002),
    ),
    Case(
        "the API server failing to call the webhook fires per webhook",
        CALLS,
        at="10m",
        series=(
            _rejections(name=TIERGATE_WEBHOOK_NAME, error_type="calling_webhook_error", code="0"),
        ),
        fired=(
            Fired(
                "The API server rejected 10 request(s) in the last 10 minutes because calling "
                f"webhook {TIERGATE_WEBHOOK_NAME} failed (failurePolicy Fail). {ENDPOINTS}",
                {"name": TIERGATE_WEBHOOK_NAME},
            ),
        ),
    ),
    Case(
        "the webhook's own denials and other webhooks' failures do not fire",
        CALLS,
        at="10m",
        series=(
            _rejections(name=TIERGATE_WEBHOOK_NAME, error_type="no_error", code="403"),
            _rejections(name=OTHER_WEBHOOK, error_type="calling_webhook_error", code="0"),
        ),
    ),
    Case(
        "the API server admitting requests without the webhook fires",
        FAIL_OPEN,
        at="10m",
        series=(_fail_open(TIERGATE_WEBHOOK_NAME),),
        fired=(
            Fired(
                "The API server admitted 10 request(s) unchecked in the last 10 minutes because "
                f"calling webhook {TIERGATE_WEBHOOK_NAME} failed (failurePolicy Ignore). "
                f"{ENDPOINTS}",
                {"name": TIERGATE_WEBHOOK_NAME},
            ),
        ),
    ),
    Case(
        "another webhook failing open does not fire",
        FAIL_OPEN,
        at="10m",
        series=(_fail_open(OTHER_WEBHOOK),),
    ),
    Case(
        "the API server waiting over a second for the webhook fires",
        SLOW_APISERVER,
        at="20m",
        series=_apiserver_latency(2),
        fired=(
            Fired(
                f"The API server's 99th percentile wait for webhook {TIERGATE_WEBHOOK_NAME} is "
                "2.485s (threshold 1s). Check: kubectl -n tiergate-system top pods -l "
                "app.kubernetes.io/component=webhook",
                {"name": TIERGATE_WEBHOOK_NAME},
            ),
        ),
    ),
    Case(
        "the API server waiting milliseconds for the webhook does not fire",
        SLOW_APISERVER,
        at="20m",
        series=_apiserver_latency(0.003),
    ),
)
