"""The pieces meet: the webhook configuration calls the Service that reaches the serving port,
its caBundle trusts the certificate in the Secret the pods mount, and the network lets
exactly those calls through."""

import base64
from typing import Any

import pytest
import yaml

from certs.authority import service_names
from tests.manifests.conftest import Renders
from tests.manifests.rendered import (
    MANIFESTS,
    WEBHOOK_VARIANTS,
    Object,
    Variant,
    container,
    flag,
    generated,
    of_kind,
    one,
)

NAMES = list(service_names("tiergate-webhook", namespace="tiergate-system"))
CONFIGURATION = "webhook/validating-webhook-configuration.yaml"


def _configuration(objects: list[Object]) -> Object:
    return one(objects, "ValidatingWebhookConfiguration", "tiergate")


@pytest.mark.parametrize("variant", WEBHOOK_VARIANTS, ids=lambda v: v.name)
def test_every_webhook_calls_the_service_s_https_port_at_validate(
    renders: Renders, variant: Variant
) -> None:
    objects = renders[variant]
    service = one(objects, "Service", "tiergate-webhook")
    deployment = one(objects, "Deployment", "tiergate-webhook")
    (port,) = service["spec"]["ports"]
    ports = {p["name"]: p["containerPort"] for p in container(deployment)["ports"]}
    assert (port["name"], port["port"]) == ("https", 443)
    assert ports[port["targetPort"]] == int(flag(container(deployment), "--port") or 0) == 8443
    assert service["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]
    for webhook in _configuration(objects)["webhooks"]:
        assert webhook["clientConfig"]["service"] == {
            "name": "tiergate-webhook",
            "namespace": "tiergate-system",
            "port": 443,
            "path": "/validate",
        }


@pytest.mark.parametrize("variant", WEBHOOK_VARIANTS, ids=lambda v: v.name)
def test_the_webhook_configuration_is_the_generated_one_with_only_the_ca_changed(
    renders: Renders, variant: Variant
) -> None:
    path = generated(renders.manifests, variant) / CONFIGURATION
    expected = yaml.safe_load(path.read_text(encoding="utf-8"))
    rendered = _configuration(renders[variant])

    def without_ca(configuration: Object) -> Any:
        webhooks = [
            {**w, "clientConfig": {k: v for k, v in w["clientConfig"].items() if k != "caBundle"}}
            for w in configuration["webhooks"]
        ]
        annotations = dict(configuration["metadata"].get("annotations", {}))
        annotations.pop("cert-manager.io/inject-ca-from", None)
        return webhooks, annotations

    assert without_ca(rendered) == without_ca(expected)


@pytest.mark.parametrize(
    "variant", [Variant("overlays/static"), Variant("own/static")], ids=lambda v: v.name
)
def test_the_static_ca_bundle_is_tiergate_certs_bundle_on_every_webhook(
    renders: Renders, variant: Variant
) -> None:
    objects = renders[variant]
    secret = one(objects, "Secret", "tiergate-webhook-tls")
    bundles = {w["clientConfig"]["caBundle"] for w in _configuration(objects)["webhooks"]}
    assert bundles == {secret["data"]["ca.crt"]}
    assert base64.b64decode(bundles.pop()).startswith(b"-----BEGIN CERTIFICATE-----")


@pytest.mark.parametrize(
    "variant", [Variant("overlays/cert-manager"), Variant("own/cert-manager")], ids=lambda v: v.name
)
def test_cert_manager_issues_the_mounted_secret_for_every_service_name_and_injects_its_ca(
    renders: Renders, variant: Variant
) -> None:
    objects = renders[variant]
    serving = one(objects, "Certificate", "tiergate-webhook")
    ca = one(objects, "Certificate", "tiergate-ca")
    ca_issuer = one(objects, "Issuer", serving["spec"]["issuerRef"]["name"])
    annotations = _configuration(objects)["metadata"]["annotations"]
    assert annotations["cert-manager.io/inject-ca-from"] == "tiergate-system/tiergate-webhook"
    assert serving["spec"]["dnsNames"] == NAMES
    assert "server auth" in serving["spec"]["usages"]
    assert ca_issuer["spec"]["ca"]["secretName"] == ca["spec"]["secretName"]
    assert ca["spec"]["isCA"] is True
    assert one(objects, "Issuer", ca["spec"]["issuerRef"]["name"])["spec"] == {"selfSigned": {}}
    assert list(of_kind(objects, "Secret")) == [], "cert-manager writes the Secret"


@pytest.mark.parametrize("variant", WEBHOOK_VARIANTS, ids=lambda v: v.name)
def test_the_pods_mount_the_secret_that_holds_the_serving_pair(
    renders: Renders, variant: Variant
) -> None:
    objects = renders[variant]
    deployment = one(objects, "Deployment", "tiergate-webhook")
    volumes = {v["name"]: v for v in deployment["spec"]["template"]["spec"]["volumes"]}
    mounts = {m["name"]: m["mountPath"] for m in container(deployment)["volumeMounts"]}
    mounted = volumes["tls"]["secret"]["secretName"]
    issued = [c["spec"]["secretName"] for c in of_kind(objects, "Certificate")]
    shipped = [s["metadata"]["name"] for s in of_kind(objects, "Secret")]
    assert mounted == "tiergate-webhook-tls"
    assert mounted in issued + shipped
    assert flag(container(deployment), "--tls-cert") == f"{mounts['tls']}/tls.crt"
    assert flag(container(deployment), "--tls-key") == f"{mounts['tls']}/tls.key"


def _policy(objects: list[Object], name: str) -> Object:
    return one(objects, "NetworkPolicy", name)


def _ports(rule: Object) -> set[tuple[str, int]]:
    return {(p["protocol"], p["port"]) for p in rule.get("ports", [])}


@pytest.mark.parametrize(
    ("name", "serving", "metrics"),
    [("tiergate-webhook", 8443, 9090), ("tiergate-auditor", None, 9091)],
)
def test_network_policies_open_the_serving_port_to_all_and_metrics_to_prometheus_only(
    renders: Renders, name: str, serving: int | None, metrics: int
) -> None:
    policy = _policy(renders[Variant("base")], name)["spec"]
    open_to_all = [r for r in policy["ingress"] if "from" not in r]
    from_peers = [r for r in policy["ingress"] if "from" in r]
    assert [_ports(r) for r in open_to_all] == ([{("TCP", serving)}] if serving else [])
    assert [_ports(r) for r in from_peers] == [{("TCP", metrics)}]
    (peer,) = from_peers[0]["from"]
    assert peer == {
        "namespaceSelector": {},
        "podSelector": {"matchLabels": {"app.kubernetes.io/name": "prometheus"}},
    }


@pytest.mark.parametrize("name", ["tiergate-webhook", "tiergate-auditor"])
def test_network_policies_let_each_program_reach_the_api_and_dns_and_nothing_else(
    renders: Renders, name: str
) -> None:
    policy = _policy(renders[Variant("base")], name)["spec"]
    assert policy["policyTypes"] == ["Ingress", "Egress"]
    assert [_ports(r) for r in policy["egress"]] == [
        {("TCP", 443), ("TCP", 6443)},
        {("UDP", 53), ("TCP", 53)},
    ]


@pytest.mark.parametrize("variant", WEBHOOK_VARIANTS, ids=lambda v: v.name)
def test_no_network_policy_invents_an_address_range(renders: Renders, variant: Variant) -> None:
    text = yaml.safe_dump(list(of_kind(renders[variant], "NetworkPolicy")))
    assert "ipBlock" not in text
    default = _policy(renders[variant], "tiergate-default-deny")["spec"]
    assert default == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}


@pytest.mark.parametrize("name", ["tiergate-webhook-metrics", "tiergate-auditor-metrics"])
def test_each_metrics_service_exposes_the_metrics_port_of_its_program(
    renders: Renders, name: str
) -> None:
    objects = renders[Variant("base")]
    service = one(objects, "Service", name)
    deployment = one(objects, "Deployment", name.removesuffix("-metrics"))
    (port,) = service["spec"]["ports"]
    assert port["name"] == port["targetPort"] == "metrics"
    assert str(port["port"]) == flag(container(deployment), "--metrics-port")
    assert service["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]


MONITORING = Variant("monitoring")


@pytest.mark.skipif(
    not (MANIFESTS / "monitoring/kustomization.yaml").exists(),
    reason="manifests/monitoring is not in this tree",
)
def test_each_service_monitor_scrapes_exactly_one_metrics_service(renders: Renders) -> None:
    services = list(of_kind(renders[Variant("base")], "Service"))
    scraped = {}
    for monitor in of_kind(renders[MONITORING], "ServiceMonitor"):
        wanted = monitor["spec"]["selector"]["matchLabels"].items()
        ports = {e["port"] for e in monitor["spec"]["endpoints"]}
        scraped[monitor["metadata"]["name"]] = sorted(
            s["metadata"]["name"]
            for s in services
            if s["metadata"]["labels"].items() >= wanted
            and ports & {p["name"] for p in s["spec"]["ports"]}
        )
    assert scraped == {
        "tiergate-webhook": ["tiergate-webhook-metrics"],
        "tiergate-auditor": ["tiergate-auditor-metrics"],
    }
