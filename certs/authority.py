"""Certificates as the API server checks them: a CA, and a serving pair for the Service's names.

Pure: keys and certificates in, keys and certificates out, the time passed in, so
tests can age a certificate without a clock. Nothing here reads or writes a file.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

# Issued a little in the past: a node whose clock lags must not see a future notBefore.
_BACKDATE = timedelta(minutes=5)


@dataclass(frozen=True)
class Pair:
    """A certificate and its private key (kept out of `repr`, so a log line never shows it)."""

    certificate: x509.Certificate
    key: ec.EllipticCurvePrivateKey

    def __repr__(self) -> str:
        return f"Pair({self.certificate.subject.rfc4514_string()}, serial {self.serial_hex})"

    @property
    def serial_hex(self) -> str:
        return f"{self.certificate.serial_number:x}"

    def certificate_pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    def key_pem(self) -> bytes:
        return self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )


def service_names(service: str, *, namespace: str) -> tuple[str, ...]:
    """Every name a client in the cluster may call the Service by; the API server uses the third."""
    return (
        service,
        f"{service}.{namespace}",
        f"{service}.{namespace}.svc",
        f"{service}.{namespace}.svc.cluster.local",
    )


def _new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _serial() -> int:
    return secrets.randbits(126) + 1  # positive, at most 16 bytes (RFC 5280)


def make_ca(*, now: datetime, validity: timedelta, name: str) -> Pair:
    """A self-signed CA that may sign end-entity certificates only (path length 0)."""
    key = _new_key()
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    public = key.public_key()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(public)
        .serial_number(_serial())
        .not_valid_before(now - _BACKDATE)
        .not_valid_after(now + validity)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(digital_signature=False, cert_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )
    return Pair(certificate, key)


def issue_serving(ca: Pair, *, names: tuple[str, ...], now: datetime, validity: timedelta) -> Pair:
    """A serving certificate for `names`, signed by `ca`, never outliving it."""
    key = _new_key()
    public = key.public_key()
    not_after = min(now + validity, ca.certificate.not_valid_after_utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[2])]))
        .issuer_name(ca.certificate.subject)
        .public_key(public)
        .serial_number(_serial())
        .not_valid_before(now - _BACKDATE)
        .not_valid_after(not_after)
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(digital_signature=True, cert_sign=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()),
            critical=False,
        )
        .sign(ca.key, hashes.SHA256())
    )
    return Pair(certificate, key)


def _usage(*, digital_signature: bool, cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def dns_names(certificate: x509.Certificate) -> tuple[str, ...]:
    try:
        extension = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return ()
    return tuple(extension.value.get_values_for_type(x509.DNSName))


def signed_by(certificate: x509.Certificate, *, ca: x509.Certificate) -> bool:
    """Whether `ca` issued `certificate` (name and signature, not only the name)."""
    try:
        certificate.verify_directly_issued_by(ca)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def renewal_due(certificate: x509.Certificate, *, now: datetime, renew_before: timedelta) -> bool:
    return certificate.not_valid_after_utc - renew_before <= now
