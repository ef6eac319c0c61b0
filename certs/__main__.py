"""`tiergate-certs` (or `python -m certs`): one idempotent run that leaves the static overlay valid.

It creates the CA on the first run, reissues the serving certificate when it is
missing, due (`--renew-before`), for other names or signed by another CA, takes one
CA rollover step with `--rotate-ca`, and rewrites the overlay's two files. It prints
names, serial numbers and dates, never a key.
"""

import os
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import TextIO

from certs.authority import service_names
from certs.overlay_files import (
    CA_BUNDLE_FILE,
    SECRET_FILE,
    ca_bundle_manifest,
    secret_manifest,
)
from certs.pki import Pki, Step, ca_due, ensure, rotate_ca
from certs.settings import Settings, parser, settings_from
from certs.store import read_pki, write_pki, write_private
from tiergate_edge.failures import UsageError, exit_process, run_program

PROG = "tiergate-certs"
EXIT_OK = 0
_NEXT = {
    Step.INTRODUCE: "step 1 of 3: the new CA is trusted beside the old one, which still signs. "
    "Apply the overlay, check that the webhook configuration's caBundle holds both CAs, "
    "then run with --rotate-ca again.",
    Step.SWITCH: "step 2 of 3: the new CA signs a new serving certificate; both CAs are "
    "still trusted. Apply the overlay, wait until every webhook pod serves the new "
    "certificate (the kubelet updates the Secret within about a minute, the webhook "
    "re-reads it within --certificate-poll), then run with --rotate-ca again.",
    Step.RETIRE: "step 3 of 3: the old CA is no longer trusted. Apply the overlay: the "
    "rollover is done.",
}


def run(settings: Settings, *, now: datetime, stdout: TextIO, stderr: TextIO) -> int:
    pki = read_pki(settings.pki_dir)
    lifetimes = settings.lifetimes
    names = service_names(settings.service, namespace=settings.namespace)
    step: Step | None = None
    if settings.rotate_ca:
        if pki.current is None or pki.serving is None:
            raise UsageError("--rotate-ca: there is no CA yet; run once without it first")
        pki, step = rotate_ca(pki, now=now, lifetimes=lifetimes)
        stdout.write(f"CA rollover {_NEXT[step]}\n")
    pki, reason = ensure(pki, names=names, now=now, lifetimes=lifetimes)
    if reason is None and step is Step.SWITCH:
        reason = "signed by the new CA"
    write_pki(settings.pki_dir, pki)
    _write_overlay(settings, pki)
    _describe(pki, reason=reason, settings=settings, stdout=stdout)
    if ca_due(pki, now=now, renew_before=lifetimes.renew_before):
        stderr.write(
            f"{PROG}: the CA expires within --renew-before: roll it over with --rotate-ca "
            "(three runs, each applied before the next)\n"
        )
    return EXIT_OK


def _write_overlay(settings: Settings, pki: Pki) -> None:
    if pki.serving is None or pki.current is None:
        raise AssertionError("ensure() always leaves a CA and a serving certificate")
    secret = secret_manifest(
        pki.serving,
        ca=pki.current.certificate,
        name=settings.secret,
        namespace=settings.namespace,
    )
    write_private(settings.out / SECRET_FILE, secret.encode("utf-8"))
    write_private(settings.out / CA_BUNDLE_FILE, ca_bundle_manifest(pki.trusted()).encode())


def _describe(pki: Pki, *, reason: str | None, settings: Settings, stdout: TextIO) -> None:
    serving = pki.serving
    if serving is None:
        return
    certificate = serving.certificate
    action = "kept" if reason is None else f"issued ({reason})"
    stdout.write(
        f"serving certificate {action}: serial {serving.serial_hex}, expires "
        f"{certificate.not_valid_after_utc:%Y-%m-%d %H:%M} UTC, issuer "
        f"{certificate.issuer.rfc4514_string()}\n"
    )
    for ca in pki.trusted():
        stdout.write(
            f"trusted CA: {ca.subject.rfc4514_string()}, expires "
            f"{ca.not_valid_after_utc:%Y-%m-%d %H:%M} UTC\n"
        )
    stdout.write(
        f"wrote {settings.out / SECRET_FILE} and {settings.out / CA_BUNDLE_FILE}; "
        f"apply with: kubectl apply -k {settings.out}\n"
    )


def _run(argv: Sequence[str], *, stdout: TextIO, stderr: TextIO) -> int:
    settings = settings_from(parser(PROG).parse_args(argv))
    return run(settings, now=datetime.now(tz=UTC), stdout=stdout, stderr=stderr)


def main(argv: Sequence[str] | None = None, *, environ: Mapping[str, str] = os.environ) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    return run_program(
        lambda: _run(arguments, stdout=sys.stdout, stderr=sys.stderr),
        prog=PROG,
        stderr=sys.stderr,
        environ=environ,
    )


def command() -> None:
    """The `certs` command: main(), then the process ends."""
    exit_process(main())


if __name__ == "__main__":
    command()
