"""The serving certificate: a TLS >= 1.2 context, re-read when the files change.

A mounted Secret is rotated by a symlink swap and sends no file event, so the
files' hash is polled (kopf does the same). The new pair is loaded into the same
SSLContext: handshakes after the load use it, connections already open keep theirs,
and no request is dropped. A half-rotated pair that does not load keeps the old one.
"""

import asyncio
import hashlib
import logging
import re
import ssl
from datetime import UTC, datetime
from pathlib import Path

from webhook.metrics import WebhookMetrics

LOGGER = logging.getLogger("tiergate.webhook.certificates")
_PEM_CERTIFICATE = re.compile(
    r"-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----", re.DOTALL
)


def _der_item(der: bytes, position: int) -> tuple[int, int, int]:
    """(tag, start of content, end of content) of the DER item at `position`."""
    tag, length = der[position], der[position + 1]
    start = position + 2
    if length & 0x80:
        size = length & 0x7F
        length = int.from_bytes(der[start : start + size], "big")
        start += size
    return tag, start, start + length


def not_after(pem: str) -> datetime:
    """When the first certificate in `pem` expires (RFC 5280 `validity.notAfter`)."""
    found = _PEM_CERTIFICATE.search(pem)
    if found is None:
        raise ValueError("no PEM certificate found")
    der = ssl.PEM_cert_to_DER_cert(found[0])
    _, certificate, _ = _der_item(der, 0)
    _, position, _ = _der_item(der, certificate)  # tbsCertificate
    tag, _, end = _der_item(der, position)
    if tag == 0xA0:  # an explicit version
        position = end
    for _ in range(3):  # serialNumber, signature, issuer
        _, _, position = _der_item(der, position)
    _, validity, _ = _der_item(der, position)
    _, _, after = _der_item(der, validity)  # skip notBefore
    tag, start, end = _der_item(der, after)
    text = der[start:end].decode("ascii")
    shape = "%y%m%d%H%M%SZ" if tag == 0x17 else "%Y%m%d%H%M%SZ"  # UTCTime, GeneralizedTime
    return datetime.strptime(text, shape).replace(tzinfo=UTC)


class ServingCertificate:
    """The context the TLS site serves with, and the files it was loaded from."""

    def __init__(self, cert: Path, key: Path, *, metrics: WebhookMetrics) -> None:
        self._cert, self._key = cert, key
        self._metrics = metrics
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.minimum_version = ssl.TLSVersion.TLSv1_2
        self.context.set_alpn_protocols(["http/1.1"])  # kube-apiserver never speaks HTTP/2 here
        self._digest = ""
        self.reload()

    def _read(self) -> tuple[str, bytes]:
        cert, key = self._cert.read_bytes(), self._key.read_bytes()
        return hashlib.sha256(cert + b"\0" + key).hexdigest(), cert

    def reload(self) -> bool:
        """Load the files if they changed; True when a new pair is in use.

        Raises OSError or ssl.SSLError when the very first load fails.
        """
        digest, cert = self._read()
        if digest == self._digest:
            return False
        self.context.load_cert_chain(self._cert, self._key)
        self._digest = digest
        self._metrics.certificate_expiry.set(not_after(cert.decode("ascii")).timestamp())
        return True

    async def poll(self, *, interval: float) -> None:
        """Re-read the files every `interval` seconds until cancelled."""
        while True:
            await asyncio.sleep(interval)
            try:
                changed = self.reload()
            except (OSError, ssl.SSLError, ValueError) as error:
                # Mid-rotation the cert and key may not match yet: keep serving the old pair.
                self._metrics.certificate_reloads.labels("error").inc()
                LOGGER.warning("serving certificate not reloaded", extra={"error": str(error)})
                continue
            if changed:
                self._metrics.certificate_reloads.labels("loaded").inc()
                LOGGER.info("serving certificate reloaded")
