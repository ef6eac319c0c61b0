"""The PKI directory and the overlay files: read with errors that name the file, written 0600.

Every file is written to a temporary file created 0600 in the same directory and
renamed over the old one, so a key is never readable by others, not even for a
moment, and an interrupted run leaves the previous file whole.
"""

import contextlib
import os
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from certs.authority import Pair
from certs.pki import Pki
from tiergate_edge.failures import InputError

_FILE_MODE = 0o600
_DIRECTORY_MODE = 0o700
# The PKI directory's files: (certificate, key) for each pair; the retired CA has no key.
CURRENT = ("ca.crt", "ca.key")
INCOMING = ("ca-next.crt", "ca-next.key")
OUTGOING = "ca-previous.crt"
SERVING = ("tls.crt", "tls.key")


def write_private(path: Path, content: bytes) -> None:
    """`content` at `path`, mode 0600 from the first byte on, replacing any old file whole."""
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        path.parent.mkdir(mode=_DIRECTORY_MODE, parents=True, exist_ok=True)
        temporary.unlink(missing_ok=True)
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _FILE_MODE)
    except OSError as error:
        raise InputError(f"{path}: cannot write: {error.strerror}") from None
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(content)
            stream.flush()
            os.fsync(stream.fileno())
        temporary.replace(path)
    except OSError as error:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise InputError(f"{path}: cannot write: {error.strerror}") from None
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise


def _certificate(path: Path) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(path.read_bytes())
    except OSError as error:
        raise InputError(f"{path}: cannot read: {error.strerror}") from None
    except ValueError:
        raise InputError(f"{path}: not a PEM certificate") from None


def _key(path: Path) -> ec.EllipticCurvePrivateKey:
    # The error names the file only: a key's bytes never reach a message.
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except OSError as error:
        raise InputError(f"{path}: cannot read: {error.strerror}") from None
    except (ValueError, TypeError):
        raise InputError(f"{path}: not an unencrypted PEM private key") from None
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise InputError(f"{path}: not an EC private key (tiergate-certs writes P-256 keys)")
    return key


def _pair(directory: Path, names: tuple[str, str]) -> Pair | None:
    certificate, key = (directory / name for name in names)
    if not certificate.exists() and not key.exists():
        return None
    if not key.exists():
        raise InputError(f"{key}: missing, but {certificate.name} is there")
    return Pair(_certificate(certificate), _key(key))


def read_pki(directory: Path) -> Pki:
    """What the PKI directory holds; an empty or absent directory is an empty PKI."""
    if directory.exists() and not directory.is_dir():
        raise InputError(f"{directory}: --pki-dir is not a directory")
    outgoing = directory / OUTGOING
    return Pki(
        current=_pair(directory, CURRENT),
        incoming=_pair(directory, INCOMING),
        outgoing=_certificate(outgoing) if outgoing.exists() else None,
        serving=_pair(directory, SERVING),
    )


def write_pki(directory: Path, pki: Pki) -> None:
    """Write what `pki` holds and remove what it no longer holds (a promoted or retired CA)."""
    pairs = ((CURRENT, pki.current), (INCOMING, pki.incoming), (SERVING, pki.serving))
    for (certificate_name, key_name), pair in pairs:
        if pair is None:
            for name in (certificate_name, key_name):
                (directory / name).unlink(missing_ok=True)
            continue
        write_private(directory / key_name, pair.key_pem())
        write_private(directory / certificate_name, pair.certificate_pem())
    if pki.outgoing is None:
        (directory / OUTGOING).unlink(missing_ok=True)
    else:
        write_private(directory / OUTGOING, pki.outgoing.public_bytes(serialization.Encoding.PEM))
