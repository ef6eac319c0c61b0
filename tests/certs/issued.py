"""`tiergate-certs` run in-process on temporary directories, and its output read back."""

import base64
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from cryptography import x509

from certs.__main__ import main
from certs.overlay_files import CA_BUNDLE_FILE, SECRET_FILE
from certs.settings import parser, settings_from


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str


@dataclass(frozen=True)
class Output:
    """What the overlay got: the Secret's data and the caBundle, decoded."""

    secret: dict[str, Any]
    tls_crt: bytes
    tls_key: bytes
    ca_crt: bytes
    bundle: bytes

    @property
    def certificate(self) -> x509.Certificate:
        return x509.load_pem_x509_certificate(self.tls_crt)

    @property
    def trusted(self) -> list[x509.Certificate]:
        return x509.load_pem_x509_certificates(self.bundle)

    def write_pair(self, directory: Path) -> tuple[Path, Path, Path]:
        """tls.crt, tls.key and the caBundle as files, as the webhook and a client read them."""
        directory.mkdir(parents=True, exist_ok=True)
        paths = directory / "tls.crt", directory / "tls.key", directory / "bundle.pem"
        for path, content in zip(paths, (self.tls_crt, self.tls_key, self.bundle), strict=True):
            path.write_bytes(content)
        return paths


def run_certs(*args: str, pki: Path, out: Path, capsys: Any) -> Run:
    capsys.readouterr()
    code = main(["--pki-dir", str(pki), "--out", str(out), *args], environ={})
    captured = capsys.readouterr()
    return Run(code, captured.out, captured.err)


def read_output(out: Path) -> Output:
    secret = yaml.safe_load((out / SECRET_FILE).read_text(encoding="utf-8"))
    bundle = yaml.safe_load((out / CA_BUNDLE_FILE).read_text(encoding="utf-8"))
    data = {key: base64.b64decode(value) for key, value in secret["data"].items()}
    return Output(
        secret=secret,
        tls_crt=data["tls.crt"],
        tls_key=data["tls.key"],
        ca_crt=data["ca.crt"],
        bundle=base64.b64decode(bundle["data"]["caBundle"]),
    )


def settings(*args: str) -> Any:
    return settings_from(parser("tiergate-certs").parse_args(["--pki-dir", "pki", *args]))


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)
