"""The fake API server calling the real `webhook` program, driven by the real kubectl.

The configuration here is written by hand for the fake's own tests; the end-to-end
scenario (tests/e2e) applies the one the project renders.
"""

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.builders import EXPORTER_IMAGE, container, deployment, namespace
from tests.fakeapi import FakeApiServer
from tests.fakeapi.fixtures import kubectl
from tests.webhook.process import WebhookProcess, running_webhook

STARTER = "customer-s1"
HOOK = "workloads.tiergate.test"
IS_EXPORTER = (
    "object.metadata.name.contains('mosquitto-exporter') || (has(object.spec.template) && "
    "object.spec.template.spec.containers.exists(c, c.image.contains('mosquitto-exporter')))"
)


def configuration(ca_bundle: str) -> dict[str, Any]:
    exempt = ["kube-system", "kube-public", "kube-node-lease", "tiergate-system"]
    return {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingWebhookConfiguration",
        "metadata": {"name": "tiergate"},
        "webhooks": [
            {
                "name": HOOK,
                "admissionReviewVersions": ["v1"],
                "sideEffects": "None",
                "failurePolicy": "Fail",
                "timeoutSeconds": 5,
                "clientConfig": {
                    "service": {
                        "namespace": "tiergate-system",
                        "name": "tiergate-webhook",
                        "path": "/validate",
                    },
                    "caBundle": ca_bundle,
                },
                "namespaceSelector": {
                    "matchExpressions": [
                        {
                            "key": "kubernetes.io/metadata.name",
                            "operator": "NotIn",
                            "values": exempt,
                        }
                    ]
                },
                "rules": [
                    {
                        "operations": ["CREATE", "UPDATE"],
                        "apiGroups": ["apps"],
                        "apiVersions": ["v1"],
                        "resources": ["deployments", "deployments/scale"],
                    }
                ],
                "matchConditions": [{"name": "is-exporter", "expression": IS_EXPORTER}],
            }
        ],
    }


@pytest.fixture
def webhook(fake_api: FakeApiServer, tmp_path: Path) -> Iterator[WebhookProcess]:
    fake_api.seed(namespace(STARTER, tier="starter"))
    with running_webhook(fake_api.kubeconfig, directory=tmp_path / "webhook") as process:
        fake_api.route_service(
            namespace="tiergate-system", name="tiergate-webhook", to=process.port
        )
        bundle = base64.b64encode(process.ca.cert.read_bytes()).decode()
        fake_api.seed(configuration(bundle))
        yield process


def _apply(fake_api: FakeApiServer, obj: dict[str, Any]) -> Any:
    path = fake_api.directory / "object.json"
    path.write_text(json.dumps(obj), encoding="utf-8")
    return kubectl(fake_api, "apply", "--validate=false", "-f", str(path))


def _exporter() -> dict[str, Any]:
    return deployment("mosquitto-exporter", STARTER, container("exporter", EXPORTER_IMAGE))


@pytest.mark.usefixtures("webhook")
def test_kubectl_apply_of_an_exporter_without_the_label_is_refused_by_the_webhook(
    fake_api: FakeApiServer,
) -> None:
    result = _apply(fake_api, _exporter())
    assert result.returncode == 1
    assert f'admission webhook "{HOOK}" denied the request: ' in result.stderr
    assert "monitoring.dedicated" in result.stderr, "the message says how to fix it"
    assert [r.hook for r in fake_api.reviews] == [HOOK]


@pytest.mark.usefixtures("webhook")
def test_kubectl_prints_the_webhooks_warning_for_a_grandfathered_exporter(
    fake_api: FakeApiServer,
) -> None:
    fake_api.seed(_exporter())
    result = kubectl(fake_api, "annotate", "-n", STARTER, "deploy/mosquitto-exporter", "a=b")
    assert result.returncode == 0, result.stderr
    assert result.stderr.startswith("Warning: "), result.stderr


@pytest.mark.usefixtures("webhook")
def test_a_plain_deployment_never_reaches_the_webhook(
    fake_api: FakeApiServer,
) -> None:
    result = _apply(fake_api, deployment("web", STARTER, container("web", "nginx:1.27")))
    assert result.returncode == 0, result.stderr
    assert fake_api.reviews == []
