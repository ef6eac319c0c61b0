"""`auditor`: the command line entry point.

Parses the settings once, wires the file source, the policy core and the report
together, and turns every expected failure into a message and exit code 2.
"""

import sys
import traceback
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TextIO

from auditor.documents import InputError
from auditor.file_source import build_snapshot, read_objects
from auditor.report import RENDERERS
from auditor.settings import AuditorSettings, SettingsError, parse_settings
from tiergate.audit import audit
from tiergate.config import ConfigError, TiergateConfig, default_config, parse_config_text
from tiergate.findings import AuditReport

EXIT_CLEAN = 0
EXIT_DRIFT = 1
EXIT_INCOMPLETE = 2


def load_config(settings: AuditorSettings) -> TiergateConfig:
    if settings.config is None:
        return default_config()
    try:
        text = settings.config.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"{settings.config}: cannot read: {error.strerror}") from error
    return parse_config_text(text, source=str(settings.config))


def _hints(report: AuditReport, *, settings: AuditorSettings) -> list[str]:
    """What the user can add to make an incomplete audit complete."""
    hints = []
    if any(u.namespace is None for u in report.undetermined):
        hints.append(
            "objects carry no namespace (helm template output): pass --namespace NAME "
            "and --namespace-labels K=V,... to judge them as if applied there"
        )
    for namespace in sorted({u.namespace for u in report.undetermined if u.namespace}):
        if namespace == settings.namespace:
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


def run(settings: AuditorSettings, *, stdin: TextIO, stdout: TextIO, stderr: TextIO) -> int:
    config = load_config(settings)
    objects = read_objects(settings.files, stdin=stdin)
    snapshot, notes = build_snapshot(objects, assumed=settings.assumed_namespace)
    for note in notes:
        stderr.write(f"auditor: note: {note}\n")
    report = audit(
        snapshot, config=config, own_namespace=settings.own_namespace, now=datetime.now(UTC)
    )
    stdout.write(RENDERERS[settings.output](report))
    if not report.complete:
        for hint in _hints(report, settings=settings):
            stderr.write(f"auditor: incomplete: {hint}\n")
        return EXIT_INCOMPLETE
    return EXIT_DRIFT if report.has_violations else EXIT_CLEAN


def main(argv: Sequence[str] | None = None) -> int:
    try:
        settings = parse_settings(sys.argv[1:] if argv is None else argv)
        return run(settings, stdin=sys.stdin, stdout=sys.stdout, stderr=sys.stderr)
    except (SettingsError, ConfigError, InputError) as error:
        sys.stderr.write(f"auditor: {error}\n")
        return EXIT_INCOMPLETE
    except Exception:  # noqa: BLE001 - a bug must never read as exit 1, "drift found"
        sys.stderr.write("auditor: internal error, the audit did not complete:\n")
        traceback.print_exc(file=sys.stderr)
        return EXIT_INCOMPLETE


if __name__ == "__main__":
    sys.exit(main())
