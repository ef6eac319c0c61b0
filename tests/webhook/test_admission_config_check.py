"""The mismatch gauge, reading the webhook configuration from the fake API server."""

import asyncio
import math
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from tests.fakeapi import FakeApiServer
from tests.webhook.certs import make_ca, make_serving, mount
from tiergate.admission_config import (
    RULES_HASH_ANNOTATION,
    WEBHOOK_CONFIGURATION,
    rules_hash,
    webhook_configuration,
)
from tiergate.config import default_config
from tiergate_edge.kube_api import KubeApi
from tiergate_edge.retry import RetryPolicy
from webhook.admission_config_check import AdmissionConfigCheck
from webhook.metrics import ADMISSION_CONFIG_MISMATCH, create_metrics
from webhook.namespaces import FixedNamespaces
from webhook.server import WebhookServer
from webhook.settings import Settings

RESOURCE = "validatingwebhookconfigurations"
GROUP = "admissionregistration.k8s.io"


def _configuration(annotation: str | None) -> dict[str, Any]:
    rendered = webhook_configuration(default_config())
    annotations = rendered["metadata"]["annotations"]
    annotations.pop(RULES_HASH_ANNOTATION)
    if annotation is not None:
        annotations[RULES_HASH_ANNOTATION] = annotation
    return rendered


@pytest.fixture
async def api(fake_api: FakeApiServer) -> AsyncIterator[KubeApi]:
    async with await KubeApi.connect(
        retry=RetryPolicy(attempts=1), kubeconfig=str(fake_api.kubeconfig)
    ) as client:
        yield client


def _check(api: KubeApi) -> tuple[AdmissionConfigCheck, CollectorRegistry]:
    registry = CollectorRegistry()
    gauge = create_metrics(registry).admission_config_mismatch
    check = AdmissionConfigCheck(
        api,
        name=WEBHOOK_CONFIGURATION,
        rules_hash=rules_hash(default_config()),
        gauge=gauge,
        interval=3600,
    )
    return check, registry


def _sample(registry: CollectorRegistry) -> float | None:
    return registry.get_sample_value(ADMISSION_CONFIG_MISMATCH)


@pytest.mark.parametrize(
    ("annotation", "expected"),
    [
        (rules_hash(default_config()), 0.0),
        ("0" * 64, 1.0),
        (None, 1.0),
    ],
    ids=["the same rules", "other rules", "no annotation"],
)
async def test_the_gauge_says_whether_the_configuration_was_rendered_from_these_rules(
    fake_api: FakeApiServer, api: KubeApi, annotation: str | None, expected: float
) -> None:
    fake_api.seed(_configuration(annotation))
    check, registry = _check(api)
    assert await check.check() == expected
    assert _sample(registry) == expected


async def test_a_missing_configuration_is_a_mismatch(api: KubeApi) -> None:
    check, registry = _check(api)
    assert await check.check() == 1.0
    assert _sample(registry) == 1.0


async def test_the_gauge_is_nan_until_the_first_read_and_an_api_error_keeps_it(
    fake_api: FakeApiServer, api: KubeApi
) -> None:
    check, registry = _check(api)
    assert math.isnan(_sample(registry) or 0.0)
    fake_api.fail(verb="get", resource=RESOURCE, status=403, times=1)
    assert math.isnan(await check.check())
    fake_api.seed(_configuration(rules_hash(default_config())))
    assert await check.check() == 0.0
    fake_api.fail(verb="get", resource=RESOURCE, status=503, times=1)
    assert await check.check() == 0.0
    assert _sample(registry) == 0.0


async def test_a_re_rendered_configuration_clears_the_mismatch(
    fake_api: FakeApiServer, api: KubeApi
) -> None:
    fake_api.seed(_configuration("stale"))
    check, _ = _check(api)
    assert await check.check() == 1.0
    fake_api.delete(RESOURCE, name=WEBHOOK_CONFIGURATION, group=GROUP)
    fake_api.seed(_configuration(rules_hash(default_config())))
    assert await check.check() == 0.0


async def test_the_running_webhook_exports_the_gauge_and_stays_ready_without_a_configuration(
    tmp_path: Path, api: KubeApi
) -> None:
    pair = mount(
        tmp_path / "secret",
        make_serving(tmp_path / "s", ca=make_ca(tmp_path / "ca")),
        generation="1",
    )
    settings = Settings(
        config=default_config(),
        config_file=None,
        tls_cert=pair.cert,
        tls_key=pair.key,
        host="127.0.0.1",
        port=0,
        metrics_port=0,
        webhook_configuration="absent",
    )
    server = WebhookServer(settings, namespaces=FixedNamespaces({}), api=api)
    await server.start()
    try:
        assert server.admission_config is not None
        for _ in range(500):  # the first check runs as the server starts
            if server.registry.get_sample_value(ADMISSION_CONFIG_MISMATCH) == 1.0:
                break
            await asyncio.sleep(0.01)
        assert server.registry.get_sample_value(ADMISSION_CONFIG_MISMATCH) == 1.0
        assert server.readiness.missing() == []
    finally:
        await server.stop(delay=0)
