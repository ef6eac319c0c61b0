"""Every rendered object is valid for the API: core kinds against the Kubernetes JSON schemas
of the oldest supported version (strict: an unknown field is an error), and the custom
resources, which have no schema there, against the fields their operators require."""

import functools
import json
from collections.abc import Callable
from typing import Any

import kubernetes_validate
import pytest

from tests.manifests.conftest import Renders
from tests.manifests.rendered import VARIANTS, Object, Variant

KUBERNETES_VERSION = "1.30.0"  # the oldest supported cluster (DESIGN.md)


def _problems(check: Callable[[Object], list[str]], objects: list[Object]) -> list[str]:
    return [f"{o['kind']} {o['metadata']['name']}: {p}" for o in objects for p in check(o)]


def _path(document: Object, dotted: str) -> Any:
    value: Any = document
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def _issuer_ref(o: Object) -> list[str]:
    reference = _path(o, "spec.issuerRef") or {}
    if reference.get("name") and reference.get("kind") in {"Issuer", "ClusterIssuer"}:
        return []
    return ["spec.issuerRef needs a name and kind Issuer or ClusterIssuer"]


def _certificate(o: Object) -> list[str]:
    spec = o.get("spec", {})
    problems = _issuer_ref(o)
    if not spec.get("secretName"):
        problems.append("spec.secretName is required")
    if not (spec.get("dnsNames") or spec.get("commonName")):
        problems.append("spec.dnsNames or spec.commonName is required")
    unknown = set(spec) - _CERTIFICATE_FIELDS
    if unknown:
        problems.append(f"unknown spec fields {sorted(unknown)}")
    if spec.get("privateKey", {}).get("rotationPolicy", "Never") not in {"Never", "Always"}:
        problems.append("spec.privateKey.rotationPolicy is Never or Always")
    return problems


_CERTIFICATE_FIELDS = {
    "secretName", "commonName", "dnsNames", "duration", "renewBefore", "usages",
    "privateKey", "issuerRef", "isCA", "subject", "ipAddresses", "uris", "secretTemplate",
}  # fmt: skip


def _issuer(o: Object) -> list[str]:
    kinds = set(o.get("spec", {})) & {"selfSigned", "ca", "acme", "vault", "venafi"}
    problems = [] if len(kinds) == 1 else ["spec needs exactly one issuer type"]
    if "ca" in kinds and not _path(o, "spec.ca.secretName"):
        problems.append("spec.ca.secretName is required")
    return problems


def _monitor(o: Object) -> list[str]:
    spec = o.get("spec", {})
    endpoints = spec.get("endpoints" if o["kind"] == "ServiceMonitor" else "podMetricsEndpoints")
    problems = [] if isinstance(spec.get("selector"), dict) else ["spec.selector is required"]
    if not endpoints or not all(e.get("port") for e in endpoints):
        problems.append("every endpoint names a port")
    return problems


def _rule(o: Object) -> list[str]:
    groups = _path(o, "spec.groups") or []
    ok = groups and all(g.get("name") and g.get("rules") for g in groups)
    return [] if ok else ["spec.groups need a name and rules"]


CUSTOM: dict[tuple[str, str], Callable[[Object], list[str]]] = {
    ("cert-manager.io/v1", "Certificate"): _certificate,
    ("cert-manager.io/v1", "Issuer"): _issuer,
    ("monitoring.coreos.com/v1", "ServiceMonitor"): _monitor,
    ("monitoring.coreos.com/v1", "PodMonitor"): _monitor,
    ("monitoring.coreos.com/v1", "PrometheusRule"): _rule,
}


def _schema(o: Object) -> list[str]:
    return list(_validated(json.dumps(o, sort_keys=True)))


@functools.cache
def _validated(document: str) -> tuple[str, ...]:
    # Most objects render alike in every variant: each distinct one is validated once.
    try:
        kubernetes_validate.validate(json.loads(document), KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.ValidationError as error:
        return (f"{'.'.join(str(p) for p in error.path)}: {error.message}",)
    except kubernetes_validate.SchemaNotFoundError as error:
        return (str(error.message),)
    return ()


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.name)
def test_every_core_object_matches_the_kubernetes_schemas(
    renders: Renders, variant: Variant
) -> None:
    core = [o for o in renders[variant] if (o["apiVersion"], o["kind"]) not in CUSTOM]
    assert core
    assert _problems(_schema, core) == []


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.name)
def test_every_custom_resource_has_the_fields_its_operator_requires(
    renders: Renders, variant: Variant
) -> None:
    custom = [o for o in renders[variant] if (o["apiVersion"], o["kind"]) in CUSTOM]
    problems = [p for o in custom for p in _problems(CUSTOM[o["apiVersion"], o["kind"]], [o])]
    assert problems == []


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}, "spec": {"prots": []}},
         "'prots' was unexpected"),
        ({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
          "spec": {"replicas": "two", "selector": {}, "template": {}}}, "spec.replicas"),
        ({"apiVersion": "policy/v1beta1", "kind": "PodSecurityPolicy", "metadata": {"name": "p"}},
         "Couldn't find schema"),
    ],
    ids=["an unknown field", "a wrong type", "a kind 1.30 does not serve"],
)  # fmt: skip
def test_the_schema_check_refuses_what_the_api_would(document: Object, problem: str) -> None:
    assert problem in " ".join(_schema(document))


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ({"apiVersion": "cert-manager.io/v1", "kind": "Certificate", "metadata": {"name": "c"},
          "spec": {"dnsName": ["x"], "issuerRef": {"name": "i", "kind": "Issuer"}}},
         "unknown spec fields ['dnsName']"),
        ({"apiVersion": "cert-manager.io/v1", "kind": "Issuer", "metadata": {"name": "i"},
          "spec": {"ca": {}}}, "spec.ca.secretName is required"),
        ({"apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor",
          "metadata": {"name": "m"}, "spec": {"selector": {}, "endpoints": [{"path": "/m"}]}},
         "every endpoint names a port"),
    ],
    ids=["a misspelt Certificate field", "a CA Issuer without its Secret", "an unnamed port"],
)  # fmt: skip
def test_the_structural_check_refuses_a_broken_custom_resource(
    document: Object, problem: str
) -> None:
    check = CUSTOM[document["apiVersion"], document["kind"]]
    assert problem in " ".join(check(document))
