"""The webhook's applications wired for tests: fixed namespaces, a fresh registry."""

from collections.abc import Mapping
from dataclasses import dataclass

from aiohttp import web
from prometheus_client import CollectorRegistry

from tests.reviews import STARTER_LABELS, STARTER_NS
from tiergate.admission import Admission
from tiergate.config import TiergateConfig, default_config
from webhook.app import Transport, review_app
from webhook.health import Readiness
from webhook.metrics import create_metrics
from webhook.namespaces import FixedNamespaces, NamespaceSource
from webhook.serving import Reviewer

NAMESPACES = {STARTER_NS: STARTER_LABELS}


@dataclass
class Wired:
    app: web.Application
    registry: CollectorRegistry
    readiness: Readiness

    def sample(self, name: str, **labels: str) -> float:
        return self.registry.get_sample_value(name, labels) or 0.0


def wired(
    *,
    config: TiergateConfig | None = None,
    namespaces: NamespaceSource | None = None,
    labels: Mapping[str, Mapping[str, str]] = NAMESPACES,
    max_body_bytes: int = 8 * 1024 * 1024,
) -> Wired:
    registry = CollectorRegistry()
    metrics = create_metrics(registry)
    reviewer = Reviewer(
        Admission(config or default_config(), own_namespace="tiergate-system"),
        namespaces=namespaces or FixedNamespaces(labels),
        metrics=metrics,
    )
    readiness = Readiness(certificates=True, rules=True)
    transport = Transport(reviewer=reviewer, metrics=metrics, max_body_bytes=max_body_bytes)
    return Wired(review_app(transport, readiness=readiness), registry, readiness)
