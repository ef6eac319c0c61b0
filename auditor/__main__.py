"""`auditor`: the command line entry point.

Parses the settings once; `--once` runs one pass (files or the cluster) and prints
the report, otherwise the service runs until SIGTERM (auditor.continuous). Every
failure becomes `auditor: message` and exit code 2.
"""

import asyncio
import os
import sys
from collections.abc import Mapping, Sequence
from typing import BinaryIO, TextIO

from auditor.clock import SystemClock
from auditor.file_source import collector_paused
from auditor.passes import ClusterSource, FileSource, run_once
from auditor.report import RENDERERS
from auditor.settings import AuditorSettings, parse_settings
from tiergate.config import TiergateConfig
from tiergate.findings import AuditReport
from tiergate.remediation_report import RemediateMode
from tiergate_edge.config_file import load_config
from tiergate_edge.failures import (
    EXIT_FAILED,
    exit_process,
    run_program,
    standard_output,
    write_message,
)
from tiergate_edge.json_logs import log_json

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


async def _report_of_cluster(settings: AuditorSettings, *, config: TiergateConfig) -> AuditReport:
    # Imported here: the API client (aiohttp, kubernetes-asyncio) is for the cluster only,
    # and a run on files starts faster without it.
    from tiergate_edge.kube_api import KubeApi  # noqa: PLC0415

    clock = SystemClock()
    async with await KubeApi.connect(retry=settings.retry, monotonic=clock.monotonic) as api:

        async def audit_pass() -> AuditReport:
            source = ClusterSource(api, page_size=settings.page_size)
            return await run_once(
                source, config=config, clock=clock, own_namespace=settings.own_namespace
            )

        if settings.remediate == RemediateMode.OFF:
            return await audit_pass()
        from auditor.leadership import LeaseTiming  # noqa: PLC0415
        from auditor.remediation.once import remediate_once  # noqa: PLC0415
        from auditor.remediation.remediator import RemediationSettings  # noqa: PLC0415

        return await remediate_once(
            api,
            audit_pass=audit_pass,
            config=config,
            settings=RemediationSettings.of(settings),
            clock=clock,
            lease_name=settings.lease_name,
            timing=LeaseTiming.from_retry_period(settings.lease_retry_period),
        )


def run(
    settings: AuditorSettings, *, stdin: BinaryIO | None, stdout: TextIO, stderr: TextIO
) -> int:
    """One pass over the files named with -f, or over the cluster; the report; the exit code."""
    config = load_config(settings.config, max_bytes=settings.max_input_bytes)
    notes: list[str] = []
    if settings.files:
        source = FileSource(
            settings.files,
            stdin=stdin,
            max_bytes=settings.max_input_bytes,
            assumed=settings.assumed_namespace,
        )
        report = asyncio.run(
            run_once(
                source, config=config, clock=SystemClock(), own_namespace=settings.own_namespace
            )
        )
        notes = source.notes
    elif settings.once:
        # Paused from the start: loading the API client makes some 60,000 objects (its
        # models), which the collector would otherwise walk again and again as they come.
        with collector_paused():
            report = asyncio.run(_report_of_cluster(settings, config=config))
    else:
        # Imported here: `--once` on files needs neither aiohttp nor the service.
        from auditor.continuous import serve_until_signalled  # noqa: PLC0415

        log_json(stderr)
        return serve_until_signalled(settings, config=config)
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


def command() -> None:
    """The `auditor` command: main(), then the process ends."""
    exit_process(main())


if __name__ == "__main__":
    command()
