"""Alert cases for the webhook: its own metrics, and kube-apiserver's view of it."""

from tests.monitoring.case import Alert, Row, cases
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
INTERNAL = {"reason": "internal"}
BY_NAME = {"name": TIERGATE_WEBHOOK_NAME}


def _both_replicas(metric: str, *, values: str, others: str) -> tuple[Series, ...]:
    return (
        webhook(metric, values=values, pod=WEBHOOK_PODS[0]),
        webhook(metric, values=others, pod=WEBHOOK_PODS[1]),
    )


def _latency(landing: float) -> tuple[Series, ...]:
    return histogram(
        webhook, m.DURATION, bounds=m.LATENCY_BUCKETS, landing=landing, per_minute=60, minutes=40
    )


def _reloads(*, result: str) -> Series:
    return webhook(m.CERTIFICATE_RELOADS, values="0+0x5 1+0x20", labels={"result": result})


def _lookups(*, result: str, values: str) -> Series:
    return webhook(m.NAMESPACE_LOOKUPS, values=values, labels={"result": result})


def _rejections(name: str, *, error_type: str, code: str) -> Series:
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


CACHED_LOOKUPS = _lookups(result="cached", values="0+100x20")
CONFIG = Alert(
    "TiergateAdmissionConfigOutOfDate",
    lambda: (
        "The ValidatingWebhookConfiguration tiergate was rendered from rules other than the ones "
        "the webhook runs: requests may reach the webhook, or skip it, against the rules. Check: "
        "kubectl get validatingwebhookconfiguration tiergate -o "
        "jsonpath='{.metadata.annotations.tiergate\\.io/rules-hash}'"
    ),
)
EXPIRING = Alert(
    "TiergateWebhookCertificateExpiring",
    lambda left: (
        f"A webhook replica serves a certificate that expires in {left}. Check: kubectl -n "
        "tiergate-system get secret tiergate-webhook-tls -o jsonpath='{.data.tls\\.crt}' | "
        "base64 -d | openssl x509 -noout -enddate"
    ),
)
RELOAD = Alert(
    "TiergateWebhookCertificateReloadFailing",
    lambda count: (
        f"{count} certificate reload(s) failed in the last 15 minutes; the webhook keeps serving "
        f"the old certificate. {LOGS}"
    ),
)
ERRORS = Alert(
    "TiergateWebhookErrors",
    lambda count: (
        f"{count} admission review(s) answered with an error (reason internal) in the last "
        f"10 minutes. {LOGS}"
    ),
    INTERNAL,
)
LOOKUPS = Alert(
    "TiergateWebhookNamespaceLookupsFailing",
    lambda count: (
        f"{count} namespace label lookup(s) failed in the last 10 minutes; a component request "
        f"whose namespace cannot be read is denied. {LOGS}"
    ),
)
SLOW = Alert(
    "TiergateWebhookSlow",
    lambda within: (
        f"99% of admission reviews are answered within {within} (threshold 500ms), measured by "
        "the webhook."
    ),
)
CALLS = Alert(
    "TiergateWebhookCallsFailing",
    lambda count: (
        f"The API server rejected {count} request(s) in the last 10 minutes because calling "
        f"webhook {TIERGATE_WEBHOOK_NAME} failed (failurePolicy Fail). {ENDPOINTS}"
    ),
    BY_NAME,
)
FAIL_OPEN = Alert(
    "TiergateWebhookFailingOpen",
    lambda count: (
        f"The API server admitted {count} request(s) unchecked in the last 10 minutes because "
        f"calling webhook {TIERGATE_WEBHOOK_NAME} failed (failurePolicy Ignore). {ENDPOINTS}"
    ),
    BY_NAME,
)
SLOW_APISERVER = Alert(
    "TiergateWebhookSlowFromApiServer",
    lambda wait: (
        f"The API server's 99th percentile wait for webhook {TIERGATE_WEBHOOK_NAME} is {wait} "
        "(threshold 1s). Check: kubectl -n tiergate-system top pods -l "
        "app.kubernetes.io/component=webhook"
    ),
    BY_NAME,
)
# One row per case: its sentence, then the eval time, the input series, and what a firing
# row's description shows (no value: the alert stays silent).
CASES = (
    *cases(CONFIG,
        Row("a webhook replica whose configuration was rendered from other rules fires once",
            "16m", _both_replicas(m.ADMISSION_CONFIG_MISMATCH, values="1+0x20", others="1+0x20"),
            ()),
        Row("a configuration that matches the rules does not fire",
            "30m", _both_replicas(m.ADMISSION_CONFIG_MISMATCH, values="0+0x40", others="0+0x40"))),
    *cases(EXPIRING,
        Row("a certificate expiring within 14 days on one replica fires",
            "61m", _both_replicas(m.CERTIFICATE_EXPIRY, values=f"{10 * DAY}+0x90",
                                  others=f"{60 * DAY}+0x90"), ("9d 22h 59m 0s",)),
        Row("a certificate valid for a month does not fire",
            "80m", _both_replicas(m.CERTIFICATE_EXPIRY, values=f"{30 * DAY}+0x90",
                                  others=f"{30 * DAY}+0x90"))),
    *cases(RELOAD,
        Row("failed certificate reloads fire",
            "10m", (_reloads(result="error"),), (1,)),
        Row("successful certificate reloads do not fire",
            "10m", (_reloads(result="loaded"),))),
    *cases(ERRORS,
        Row("internal errors fire with their reason",
            "10m", (webhook(m.ERRORS, values="0+0x5 3+0x20", labels=INTERNAL),), (3,)),
        Row("old errors no longer fire",
            "30m", (webhook(m.ERRORS, values="0+0x5 3+0x30", labels={"reason": "not_json"}),))),
    *cases(LOOKUPS,
        Row("failing namespace lookups for 5 minutes fire",
            "10m", (_lookups(result="error", values="0+1x20"), CACHED_LOOKUPS), (10,)),
        Row("namespace lookups from the cache do not fire",
            "10m", (CACHED_LOOKUPS,))),
    *cases(SLOW,
        Row("answers slower than half a second for 10 minutes fire",
            "20m", _latency(1), ("995ms",)),
        Row("answers within milliseconds do not fire",
            "20m", _latency(0.002))),
    *cases(CALLS,
        Row("the API server failing to call the webhook fires per webhook",
            "10m", (_rejections(TIERGATE_WEBHOOK_NAME, error_type="calling_webhook_error",
                                code="0"),), (10,)),
        Row("the webhook's own denials and other webhooks' failures do not fire",
            "10m", (_rejections(TIERGATE_WEBHOOK_NAME, error_type="no_error", code="403"),
                    _rejections(OTHER_WEBHOOK, error_type="calling_webhook_error", code="0")))),
    *cases(FAIL_OPEN,
        Row("the API server admitting requests without the webhook fires",
            "10m", (_fail_open(TIERGATE_WEBHOOK_NAME),), (10,)),
        Row("another webhook failing open does not fire",
            "10m", (_fail_open(OTHER_WEBHOOK),))),
    *cases(SLOW_APISERVER,
        Row("the API server waiting over a second for the webhook fires",
            "20m", _apiserver_latency(2), ("2.485s",)),
        Row("the API server waiting milliseconds for the webhook does not fire",
            "20m", _apiserver_latency(0.003))),
)  # fmt: skip
