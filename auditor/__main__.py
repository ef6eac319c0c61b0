"""`auditor`: the command line entry point.

Parses the settings once, wires the file source, the policy core and the report
together; every failure becomes `auditor: message` and exit code 2.
"""

import asyncio
import os
import sys
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import BinaryIO, TextIO

from auditor.file_source import build_snapshot, collector_paused, read_inputs
from auditor.report import RENDERERS
from auditor.settings import AuditorSettings, parse_settings
from tiergate.audit import Snapshot, audit
from tiergate.config import TiergateConfig
from tiergate.findings import AuditReport
from tiergate.remediation_report import RemediateMode
from tiergate.sieve import Sieve
from tiergate_edge.config_file import load_config
from tiergate_edge.failures import EXIT_FAILED, run_program, standard_output, write_message

PROG = "auditor"
EXIT_CLEAN = 0
EXIT_DRIFT = 1
EXIT_INCOMPLETE = EXIT_FAILED


def _hints(report: AuditReport, *, settings: AuditorSettings) -> list[str]:
    """What the user can add to make an incomplete audit complete."""
    hints = []
    if any(u.namespace is None for u in report.undetermined):
        hints.append(
            "objects carry no namespace (helm template output): pass --namespace NAME "
            "and --namespace-labels K=V,... to judge them as if applied there"
        )
    hints += report.incomplete_reasons
    for namespace in sorted({u.namespace for u in report.undetermined if u.namespace}):
        if not settings.files:
            source = "the namespace is gone, or could not be read from the API"
        elif namespace == settings.namespace:
            source = "pass --namespace-labels"
        elif namespace == "default" and settings.namespace:
            source = (
                f"the objects name namespace default (helm template without -n): "
                f"render with -n {settings.namespace}"
            )
        else:
            source = "include its Namespace object (kubectl get namespace NAME -o yaml)"
        hints.append(f"the labels of namespace {namespace} are unknown: {source}")
    return hints


def _snapshot_of_files(
    settings: AuditorSettings, *, sieve: Sieve, stdin: BinaryIO | None
) -> tuple[Snapshot, list[str]]:
    reading = read_inputs(
        settings.files, stdin=stdin, max_bytes=settings.max_input_bytes, sieve=sieve
    )
    snapshot, notes = build_snapshot(reading, assumed=settings.assumed_namespace)
    return snapshot, [*reading.notes, *notes]


def _judged(
    snapshot: Snapshot, *, settings: AuditorSettings, config: TiergateConfig
) -> AuditReport:
    return audit(
        snapshot, config=config, own_namespace=settings.own_namespace, now=datetime.now(UTC)
    )


async def _report_of_cluster(
    settings: AuditorSettings, *, sieve: Sieve, config: TiergateConfig
) -> AuditReport:
    # Imported here: the API client (aiohttp, kubernetes-asyncio) is for the cluster only,
    # and a run on files starts faster without it.
    from auditor.cluster_source import read_cluster  # noqa: PLC0415
    from tiergate_edge.kube_api import KubeApi  # noqa: PLC0415

    async with await KubeApi.connect(retry=settings.retry) as api:

        async def audit_pass() -> AuditReport:
            snapshot = await read_cluster(
                api, sieve=sieve, config=config, page_size=settings.page_size
            )
            return _judged(snapshot, settings=settings, config=config)

        if settings.remediate == RemediateMode.OFF:
            return await audit_pass()
        from auditor.clock import SystemClock  # noqa: PLC0415
        from auditor.leadership import identity_of  # noqa: PLC0415
        from auditor.remediation.once import remediate_once  # noqa: PLC0415
        from auditor.remediation.remediator import RemediationSettings  # noqa: PLC0415

        remediation = RemediationSettings(
            mode=settings.remediate,
            grace_seconds=settings.grace,
            max_remediations=settings.max_remediations,
            own_namespace=settings.own_namespace,
            identity=identity_of(os.environ),
            page_size=settings.page_size,
        )
        return await remediate_once(
            api, audit_pass=audit_pass, config=config, settings=remediation, clock=SystemClock()
        )


def run(
    settings: AuditorSettings, *, stdin: BinaryIO | None, stdout: TextIO, stderr: TextIO
) -> int:
    """One pass over the files named with -f, or over the cluster (and a remediation round,
    with --remediate); the report; the exit code."""
    config = load_config(settings.config, max_bytes=settings.max_input_bytes)
    sieve = Sieve(config, default_namespace=settings.namespace, remember_drops=bool(settings.files))
    started = time.monotonic()
    notes: list[str] = []
    with collector_paused():
        if settings.files:
            snapshot, notes = _snapshot_of_files(settings, sieve=sieve, stdin=stdin)
            report = _judged(snapshot, settings=settings, config=config)
        else:
            report = asyncio.run(_report_of_cluster(settings, sieve=sieve, config=config))
    duration = round(time.monotonic() - started, 3)
    report = report.model_copy(update={"duration_seconds": duration})
    for note in notes:
        write_message(stderr, prog=PROG, message=f"note: {note}")
    stdout.write(RENDERERS[settings.output](report))
    if not report.complete:
        for hint in _hints(report, settings=settings):
            write_message(stderr, prog=PROG, message=f"incomplete: {hint}")
        return EXIT_INCOMPLETE
    return EXIT_DRIFT if report.has_violations else EXIT_CLEAN


def main(argv: Sequence[str] | None = None, *, environ: Mapping[str, str] = os.environ) -> int:
    def body() -> int:
        settings = parse_settings(sys.argv[1:] if argv is None else argv, environ=environ)
        # Started with `<&-`, standard input is None; only `-f -` minds.
        stdin = sys.stdin.buffer if sys.stdin is not None else None
        return run(settings, stdin=stdin, stdout=standard_output(), stderr=sys.stderr)

    return run_program(body, prog=PROG, stderr=sys.stderr, environ=environ)


if __name__ == "__main__":
    sys.exit(main())
