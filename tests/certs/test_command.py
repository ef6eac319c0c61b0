"""`tiergate-certs` as users run it: files and modes, renewal, rollover, errors, no key shown."""

import base64
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509

from certs.store import CURRENT, SERVING
from tests.auditor.process import ROOT
from tests.certs.issued import read_output, run_certs


def _key_fragments(*pems: bytes) -> list[str]:
    """Lines of each key's PEM body, and the base64 of the whole PEM (the Secret's form)."""
    fragments = []
    for pem in pems:
        fragments += [line for line in pem.decode().splitlines() if "-----" not in line]
        fragments.append(base64.b64encode(pem).decode()[:40])
    return fragments


def test_a_first_run_writes_the_pki_and_the_overlay_files_readable_by_the_owner_only(
    tmp_path: Path, capsys: Any
) -> None:
    pki, out = tmp_path / "pki", tmp_path / "overlay"
    assert run_certs(pki=pki, out=out, capsys=capsys).code == 0
    written = {p.name: stat.S_IMODE(p.stat().st_mode) for p in (*pki.iterdir(), *out.iterdir())}
    assert written == {
        "ca.crt": 0o600,
        "ca.key": 0o600,
        "tls.crt": 0o600,
        "tls.key": 0o600,
        "tls-secret.yaml": 0o600,
        "ca-bundle.yaml": 0o600,
    }
    assert stat.S_IMODE(pki.stat().st_mode) == 0o700


def test_the_secret_is_the_webhooks_tls_secret_with_the_pki_s_pair_and_ca(
    tmp_path: Path, capsys: Any
) -> None:
    pki, out = tmp_path / "pki", tmp_path / "overlay"
    run_certs(pki=pki, out=out, capsys=capsys)
    output = read_output(out)
    assert output.secret["type"] == "kubernetes.io/tls"
    assert output.secret["metadata"]["name"] == "tiergate-webhook-tls"
    assert output.secret["metadata"]["namespace"] == "tiergate-system"
    assert output.tls_crt == (pki / SERVING[0]).read_bytes()
    assert output.tls_key == (pki / SERVING[1]).read_bytes()
    assert output.ca_crt == output.bundle == (pki / CURRENT[0]).read_bytes()


def test_no_run_prints_a_private_key(tmp_path: Path, capsys: Any) -> None:
    pki, out = tmp_path / "pki", tmp_path / "overlay"
    runs = [run_certs(pki=pki, out=out, capsys=capsys)]
    runs += [run_certs("--rotate-ca", pki=pki, out=out, capsys=capsys) for _ in range(3)]
    keys = [(pki / name).read_bytes() for name in ("ca.key", "tls.key")]
    printed = "".join(run.stdout + run.stderr for run in runs)
    assert "PRIVATE KEY" not in printed
    assert [f for f in _key_fragments(*keys) if f in printed] == []
    assert "serial" in printed, "it does report what it did"


def test_a_second_run_keeps_a_certificate_that_is_not_due(tmp_path: Path, capsys: Any) -> None:
    pki, out = tmp_path / "pki", tmp_path / "overlay"
    run_certs(pki=pki, out=out, capsys=capsys)
    first = read_output(out).certificate
    second = run_certs(pki=pki, out=out, capsys=capsys)
    assert read_output(out).certificate.serial_number == first.serial_number
    assert "serving certificate kept" in second.stdout


def test_a_certificate_within_renew_before_of_expiry_is_reissued_by_the_same_ca(
    tmp_path: Path, capsys: Any
) -> None:
    pki, out = tmp_path / "pki", tmp_path / "overlay"
    run_certs("--validity", "2d", "--renew-before", "1d", pki=pki, out=out, capsys=capsys)
    short = read_output(out)
    renewed = run_certs("--renew-before", "3d", pki=pki, out=out, capsys=capsys)
    long = read_output(out)
    assert "serving certificate issued (it expires" in renewed.stdout
    assert long.certificate.serial_number != short.certificate.serial_number
    assert long.certificate.not_valid_after_utc > short.certificate.not_valid_after_utc
    assert long.bundle == short.bundle, "renewal alone leaves the caBundle as it is"


def test_a_ca_rollover_takes_three_runs_and_overlaps_the_bundle(
    tmp_path: Path, capsys: Any
) -> None:
    pki, out = tmp_path / "pki", tmp_path / "overlay"
    run_certs(pki=pki, out=out, capsys=capsys)
    old_ca = read_output(out).ca_crt
    steps = []
    for _ in range(3):
        run = run_certs("--rotate-ca", pki=pki, out=out, capsys=capsys)
        output = read_output(out)
        steps.append(
            (
                run.stdout.split(":")[0],
                len(output.trusted),
                output.certificate.issuer == x509.load_pem_x509_certificate(old_ca).subject,
            )
        )
    assert steps == [
        ("CA rollover step 1 of 3", 2, True),
        ("CA rollover step 2 of 3", 2, False),
        ("CA rollover step 3 of 3", 1, False),
    ]
    assert sorted(p.name for p in pki.iterdir()) == ["ca.crt", "ca.key", "tls.crt", "tls.key"]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--validity", "0d"], "--validity: '0d' is not a lifetime"),
        (["--validity", "90"], "--validity: '90' is not a lifetime"),
        (["--renew-before", "90d"], "--renew-before must be shorter than --validity"),
        (["--validity", "4000d"], "--validity must not exceed --ca-validity"),
        (["--service", "Tiergate_Webhook"], "--service: 'Tiergate_Webhook' is not a DNS label"),
        (["--namespace", ""], "--namespace: '' is not a DNS label"),
        (["--rotate-ca"], "--rotate-ca: there is no CA yet"),
    ],
    ids=str,
)
def test_bad_flags_exit_2_naming_the_flag(
    tmp_path: Path, capsys: Any, arguments: list[str], message: str
) -> None:
    run = run_certs(*arguments, pki=tmp_path / "pki", out=tmp_path / "out", capsys=capsys)
    assert run.code == 2
    assert run.stderr.startswith("tiergate-certs: ")
    assert message in run.stderr
    assert not (tmp_path / "out").exists()


def test_a_damaged_key_file_is_named_and_never_echoed(tmp_path: Path, capsys: Any) -> None:
    pki, out = tmp_path / "pki", tmp_path / "overlay"
    run_certs(pki=pki, out=out, capsys=capsys)
    (pki / "ca.key").write_text("-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWJ5dGVz\n", encoding="utf-8")
    run = run_certs(pki=pki, out=out, capsys=capsys)
    assert run.code == 2
    assert f"{pki / 'ca.key'}: not an unencrypted PEM private key" in run.stderr
    assert "c2VjcmV0LWJ5dGVz" not in run.stderr + run.stdout


def test_an_overlay_directory_that_cannot_be_written_is_named(tmp_path: Path, capsys: Any) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("", encoding="utf-8")
    run = run_certs(pki=tmp_path / "pki", out=blocked / "overlay", capsys=capsys)
    assert run.code == 2
    assert f"{blocked / 'overlay' / 'tls-secret.yaml'}: cannot write" in run.stderr


def test_python_dash_m_certs_runs_the_same_command(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "certs", "--pki-dir", str(tmp_path / "p"), "--out", str(tmp_path)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "tls-secret.yaml").is_file()
