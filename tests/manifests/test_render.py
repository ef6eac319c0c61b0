"""Every overlay, alone and with each component, renders with `kubectl kustomize`, into the
objects that variant promises and nothing of another's."""

import pytest

from tests.manifests.conftest import Renders
from tests.manifests.rendered import NAMESPACE, VARIANTS, Variant, of_kind

_PROGRAMS = {
    "base": {"tiergate-webhook", "tiergate-auditor"},
    "overlays/cert-manager": {"tiergate-webhook", "tiergate-auditor"},
    "overlays/static": {"tiergate-webhook", "tiergate-auditor"},
    "overlays/vap-only": {"tiergate-auditor"},
    "own/cert-manager": {"tiergate-webhook", "tiergate-auditor"},
    "own/static": {"tiergate-webhook", "tiergate-auditor"},
    "own/vap-only": {"tiergate-auditor"},
    "monitoring": set(),
}
_ADMISSION = {
    "base": set(),
    "overlays/cert-manager": {"ValidatingWebhookConfiguration"},
    "overlays/static": {"ValidatingWebhookConfiguration"},
    "overlays/vap-only": {"ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding"},
    "own/cert-manager": {"ValidatingWebhookConfiguration"},
    "own/static": {"ValidatingWebhookConfiguration"},
    "own/vap-only": {"ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding"},
    "monitoring": set(),
}
_CLUSTER_SCOPED = {
    "Namespace",
    "ClusterRole",
    "ClusterRoleBinding",
    "PriorityClass",
    "ValidatingWebhookConfiguration",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
}
_ADMISSION_KINDS = {
    "ValidatingWebhookConfiguration",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
}


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.name)
def test_the_variant_renders_its_programs_and_admission_objects(
    renders: Renders, variant: Variant
) -> None:
    objects = renders[variant]
    deployments = {o["metadata"]["name"] for o in of_kind(objects, "Deployment")}
    admission = {o["kind"] for o in objects if o["kind"] in _ADMISSION_KINDS}
    expected = set(_ADMISSION[variant.overlay])
    if "components/vap" in variant.components:
        expected |= {"ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding"}
    assert deployments == _PROGRAMS[variant.overlay]
    assert admission == expected


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.name)
def test_every_namespaced_object_lives_in_tiergate_system_with_the_common_labels(
    renders: Renders, variant: Variant
) -> None:
    strays = [
        f"{o['kind']} {o['metadata']['name']}: namespace {o['metadata'].get('namespace')}"
        for o in renders[variant]
        if o["kind"] not in _CLUSTER_SCOPED and o["metadata"].get("namespace") != NAMESPACE
    ]
    strays += [
        f"{o['kind']} {o['metadata']['name']}: label {key}"
        for o in renders[variant]
        for key in ("app.kubernetes.io/name", "app.kubernetes.io/part-of")
        if o["metadata"].get("labels", {}).get(key) != "tiergate"
    ]
    assert strays == []


def test_the_ca_bundle_source_is_read_by_kustomize_and_never_applied(renders: Renders) -> None:
    objects = renders[Variant("overlays/static")]
    assert [o for o in objects if o["kind"] == "ConfigMap"] == []
    assert len(list(of_kind(objects, "Secret"))) == 1
