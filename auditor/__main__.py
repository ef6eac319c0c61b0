"""`auditor`: the command line entry point.

Parses the settings once, wires the file source, the policy core and the report
together, and turns every expected failure into a message and exit code 2.
"""

import sys
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


def _hints(report: AuditReport, settings: AuditorSettings) -> list[str]:
    """What the user can add to make an incomplete audit complete."""
    hints = []
    if any(u.namespace is None for u in report.undetermined):
        hints.append(
            "objects carry no namespace (helm template output): pass --namespace NAME "
            "and --namespace-labels K=V,... to judge them as if applied there"
        )
    unknown = sorted({u.namespace for u in report.undetermined if u.namespace is not None})
    if unknown:
        hints.append(
            f"labels unknown for namespace(s) {', '.join(unknown)}: include their Namespace "
            "objects (kubectl get namespaces -o yaml) or pass --namespace-labels"
            if settings.namespace
            else f"labels unknown for namespace(s) {', '.join(unknown)}: include their "
            "Namespace objects (kubectl get namespaces -o yaml)"
        )
    return hints


def run(settings: AuditorSettings, *, stdin: TextIO, stdout: TextIO, stderr: TextIO) -> int:
    config = load_config(settings)
    objects = read_objects(settings.files, stdin=stdin)
    snapshot = build_snapshot(objects, assumed=settings.assumed_namespace)
    report = audit(snapshot, config, own_namespace=settings.own_namespace, now=datetime.now(UTC))
    stdout.write(RENDERERS[settings.output](report))
    if not report.complete:
        for hint in _hints(report, settings):
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


if __name__ == "__main__":
    sys.exit(main())
