"""Small builders for Kubernetes objects as the API returns them, for tests."""

from collections import Counter
from datetime import UTC, datetime
from typing import Any

from tiergate.audit import Scan, Snapshot, audit
from tiergate.config import TiergateConfig, default_config
from tiergate.findings import AuditReport
from tiergate.objects import KubeObject
from tiergate.reading import parse_object
from tiergate.records import WorkloadRecord
from tiergate.sieve import Sieve

EXPORTER_IMAGE = "sapcc/mosquitto-exporter:0.8.0"
BROKER_IMAGE = "eclipse-mosquitto:2.0.18"


def container(name: str, image: str, *, cpu: str = "100m", memory: str = "128Mi") -> dict[str, Any]:
    return {"name": name, "image": image, "resources": {"requests": {"cpu": cpu, "memory": memory}}}


def namespace(name: str, **labels: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": name, "labels": {"kubernetes.io/metadata.name": name, **labels}},
    }


def deployment(
    name: str,
    namespace: str | None,
    *containers: dict[str, Any],
    replicas: int | None = 1,
    labels: dict[str, str] | None = None,
    uid: str | None = None,
) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "selector": {"matchLabels": {"app": name}},
        "template": {
            "metadata": {"labels": {"app": name}},
            "spec": {"containers": list(containers)},
        },
    }
    if replicas is not None:
        spec["replicas"] = replicas
    metadata: dict[str, Any] = {"name": name, "labels": labels or {}, "uid": uid or f"uid-{name}"}
    if namespace is not None:
        metadata["namespace"] = namespace
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": metadata, "spec": spec}


def exporter_init_pod(namespace: str) -> dict[str, Any]:
    """A Pod whose exporter runs only as a run-to-completion init container."""
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "warmup", "namespace": namespace},
        "spec": {
            "initContainers": [container("exporter", EXPORTER_IMAGE)],
            "containers": [container("app", "example/api:2")],
        },
    }


def owned(
    kind: str, name: str, owner: dict[str, Any], *, api_version: str = "apps/v1"
) -> dict[str, Any]:
    """A ReplicaSet or Pod created by `owner`'s controller, with the owner's template."""
    template = owner["spec"]["template"]
    metadata = {
        "name": name,
        "namespace": owner["metadata"].get("namespace"),
        "uid": f"uid-{name}",
        "labels": template["metadata"]["labels"],
        "ownerReferences": [
            {
                "apiVersion": owner["apiVersion"],
                "kind": owner["kind"],
                "name": owner["metadata"]["name"],
                "uid": owner["metadata"]["uid"],
                "controller": True,
            }
        ],
    }
    if kind == "Pod":
        return {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": metadata,
            "spec": template["spec"],
            "status": {"phase": "Running"},
        }
    spec = {**owner["spec"], "replicas": owner["spec"].get("replicas", 1)}
    return {"apiVersion": api_version, "kind": kind, "metadata": metadata, "spec": spec}


def service(
    name: str, namespace: str | None, selector: dict[str, str], port: int = 9234
) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name, "uid": f"uid-svc-{name}"}
    if namespace is not None:
        metadata["namespace"] = namespace
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata,
        "spec": {"selector": selector, "ports": [{"port": port}]},
    }


def parse_all(*documents: dict[str, Any]) -> list[KubeObject]:
    parsed = [parse_object(d) for d in documents]
    return [obj for obj in parsed if obj is not None]


NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
STARTER = namespace("customer-s1", tier="starter")
ENTERPRISE = namespace("customer-e1", tier="enterprise", **{"monitoring.dedicated": "true"})


def run_audit(*documents: dict[str, Any], config: TiergateConfig | None = None) -> AuditReport:
    """Audit the documents through the sieve, as the programs do.

    Namespaces are taken from the Namespace objects among them.
    """
    config = config or default_config()
    sieve = Sieve(config)
    kept = [k for k in map(sieve.keep, documents) if k is not None]
    objects = [k for k in kept if isinstance(k, KubeObject)]
    namespaces = {o.name: o.metadata.labels for o in objects if o.kind == "Namespace"}
    snapshot = Snapshot(
        namespaces=namespaces,
        objects=objects,
        records=[k for k in kept if isinstance(k, WorkloadRecord)],
        scan=Scan(
            source="test",
            scanned=Counter(k.kind for k in kept) + sieve.dropped_kinds,
        ),
    )
    return audit(snapshot, config=config, own_namespace="tiergate-system", now=NOW)


def described(report: AuditReport) -> list[tuple[str, str, str, str]]:
    return [(f.drift, f.namespace, f.kind, f.name) for f in report.findings]


def counting_config(calls: list[str], **fields: object) -> TiergateConfig:
    """The default rules in a configuration that notes each time its exempt namespaces
    are worked out (for `own_namespace`), so a test can see how often that happens."""

    class CountingConfig(TiergateConfig):
        def exempt_namespace_set(self, *, own_namespace: str) -> frozenset[str]:
            calls.append(own_namespace)
            return super().exempt_namespace_set(own_namespace=own_namespace)

    return CountingConfig.model_validate({"rules": default_config().rules, **fields})
