"""The static overlay's inputs: the Secret tiergate-webhook-tls and the caBundle to trust.

The caBundle is a ConfigMap marked `config.kubernetes.io/local-config`: kustomize
reads it to fill every webhook's `clientConfig.caBundle` and never applies it.
"""

import base64
from collections.abc import Iterable

import yaml
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from certs.authority import Pair

SECRET_FILE = "tls-secret.yaml"  # noqa: S105 - a file name, not a secret
CA_BUNDLE_FILE = "ca-bundle.yaml"
CA_BUNDLE_NAME = "tiergate-ca-bundle"
_LABELS = {
    "app.kubernetes.io/name": "tiergate",
    "app.kubernetes.io/part-of": "tiergate",
    "app.kubernetes.io/component": "webhook",
}


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def bundle_pem(certificates: Iterable[x509.Certificate]) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certificates)


def secret_manifest(serving: Pair, *, ca: x509.Certificate, name: str, namespace: str) -> str:
    """The kubernetes.io/tls Secret the webhook mounts (tls.crt, tls.key, ca.crt)."""
    document = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name, "namespace": namespace, "labels": _LABELS},
        "type": "kubernetes.io/tls",
        "data": {
            "tls.crt": _b64(serving.certificate_pem()),
            "tls.key": _b64(serving.key_pem()),
            "ca.crt": _b64(bundle_pem([ca])),
        },
    }
    header = "# Written by tiergate-certs: holds a private key, never commit it.\n"
    return header + yaml.safe_dump(document, sort_keys=False)


def ca_bundle_manifest(trusted: Iterable[x509.Certificate]) -> str:
    """The CAs the webhook configuration trusts, for the static overlay's replacement."""
    document = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": CA_BUNDLE_NAME,
            "annotations": {"config.kubernetes.io/local-config": "true"},
        },
        "data": {"caBundle": _b64(bundle_pem(trusted))},
    }
    header = "# Written by tiergate-certs: the caBundle; read by kustomize, never applied.\n"
    return header + yaml.safe_dump(document, sort_keys=False)
