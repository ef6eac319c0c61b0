"""Test certificates made with openssl: a CA, and serving pairs for `<svc>.<ns>.svc`."""

import subprocess
from dataclasses import dataclass
from pathlib import Path

SERVICE_NAME = "tiergate-webhook.tiergate-system.svc"
OPENSSL = "/usr/bin/openssl"


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run([OPENSSL, *args], cwd=cwd, check=True, capture_output=True, timeout=30)


@dataclass(frozen=True)
class Pair:
    cert: Path
    key: Path


def make_ca(directory: Path) -> Pair:
    directory.mkdir(parents=True, exist_ok=True)
    _openssl(
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", "ca.key", "-out", "ca.crt", "-subj", "/CN=tiergate-test-ca", "-days", "2",
        cwd=directory,
    )  # fmt: skip
    return Pair(directory / "ca.crt", directory / "ca.key")


def make_serving(directory: Path, *, ca: Pair, days: int = 1, name: str = SERVICE_NAME) -> Pair:
    """A serving pair signed by `ca`, with `name` as its only SAN, valid `days` days."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "ext.cnf").write_text(
        f"subjectAltName=DNS:{name}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
        encoding="utf-8",
    )
    _openssl(
        "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", "tls.key", "-out", "tls.csr", "-subj", f"/CN={name}",
        cwd=directory,
    )  # fmt: skip
    _openssl(
        "x509", "-req", "-in", "tls.csr", "-CA", str(ca.cert), "-CAkey", str(ca.key),
        "-CAcreateserial", "-out", "tls.crt", "-days", str(days), "-extfile", "ext.cnf",
        cwd=directory,
    )  # fmt: skip
    return Pair(directory / "tls.crt", directory / "tls.key")


def mount(secret: Path, pair: Pair, *, generation: str) -> Pair:
    """Publish `pair` as the kubelet publishes a Secret: a new directory, then a symlink swap."""
    data = secret / f"..{generation}"
    data.mkdir(parents=True)
    (data / "tls.crt").write_bytes(pair.cert.read_bytes())
    (data / "tls.key").write_bytes(pair.key.read_bytes())
    link = secret / "..data_tmp"
    link.symlink_to(data.name)
    link.replace(secret / "..data")  # rename(2) over the old link: atomic
    for name in ("tls.crt", "tls.key"):
        if not (secret / name).is_symlink():
            (secret / name).symlink_to(f"..data/{name}")
    return Pair(secret / "tls.crt", secret / "tls.key")
