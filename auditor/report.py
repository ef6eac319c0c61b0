"""Render an AuditReport for a terminal (table), for scripts (JSON) or for docs (markdown).

The JSON form is the documented, versioned schema; the other two are for people
and say what to do next: the rule's fix and, for Helm releases, where to make it.
"""

import json
from collections.abc import Callable, Iterable
from enum import StrEnum

from tiergate.findings import AuditReport, Finding
from tiergate.text import printable


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    MARKDOWN = "markdown"


def _count(number: int, *, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _state(finding: Finding) -> str:
    notes = []
    if finding.replicas:
        requests = finding.requests
        notes.append(
            f"{_count(finding.replicas, noun='pod')}, {requests.cpu} CPU, {requests.memory} memory"
            if requests.cpu_millicores or requests.memory_bytes
            else f"{_count(finding.replicas, noun='pod')}, no requests"
        )
    if finding.dormant:
        notes.append("dormant")
    if finding.sidecar:
        notes.append("init container" if finding.init_container else "sidecar")
    if finding.exempt:
        notes.append("exempt")
    if finding.helm_release:
        notes.append(f"Helm release {finding.helm_release}")
    return "; ".join(notes) or "-"


def _rows(report: AuditReport) -> list[tuple[str, ...]]:
    return [
        tuple(
            printable(cell)
            for cell in (f.drift, f.rule, f.namespace, f"{f.kind}/{f.name}", _state(f))
        )
        for f in report.findings
    ]


def _lines(lines: list[str]) -> str:
    """The report's text; every line printable, so no object can add or repaint one."""
    return "\n".join(printable(line) for line in lines) + "\n"


def _fixes(report: AuditReport) -> list[str]:
    """One line per namespace and fix: what to change, and which Helm releases to change."""
    releases: dict[tuple[str, str], set[str]] = {}
    for f in report.findings:
        if not f.exempt:
            found = releases.setdefault((f.namespace, f.fix_hint), set())
            found.update([f.helm_release] if f.helm_release else [])
    lines = []
    for (namespace, fix_hint), names in releases.items():
        helm = (
            f" (Helm release {', '.join(sorted(names))}: change its values, then helm upgrade)"
            if names
            else ""
        )
        lines.append(f"{namespace}: {fix_hint}{helm}")
    return lines


def _summary_lines(report: AuditReport) -> list[str]:
    counts = report.summary.counts
    waste = report.summary.waste
    lines = [
        (
            f"{counts.unwanted} unwanted ({counts.dormant} of them dormant), "
            f"{counts.missing} missing, {counts.orphaned} orphaned, {counts.exempt} exempt, "
            f"{counts.undetermined} undetermined; "
            f"{_count(report.summary.namespaces, noun='namespace')}, "
            f"{_count(report.summary.objects, noun='object')}"
        ),
    ]
    if waste.workloads:
        lines.append(
            f"waste: {_count(waste.workloads, noun='unwanted workload')} "
            f"in {_count(waste.namespaces, noun='namespace')}, requesting "
            f"{waste.requests.cpu} CPU and {waste.requests.memory} memory"
        )
    for kind, why in report.not_scanned.items():
        lines.append(f"not scanned: {kind}: {why}")
    lines += [f"INCOMPLETE: {reason}" for reason in report.incomplete_reasons]
    if report.undetermined:
        lines.append("INCOMPLETE: some objects could not be judged (see 'undetermined')")
    lines += _remediation_lines(report)
    if report.source:
        duration = "" if report.duration_seconds is None else f" in {report.duration_seconds} s"
        lines.append(f"source: {report.source}{duration}")
    return lines


def _remediation_lines(report: AuditReport) -> list[str]:
    """What remediation did, one line per action, and why it stopped if it did."""
    section = report.remediation
    if section is None:
        return []
    lines = [
        (
            f"remediation ({section.mode}): {_count(len(section.actions), noun='action')}, "
            f"{len(section.pending)} within the grace period, {len(section.deferred)} deferred "
            f"by the cap, {len(section.held)} held"
        )
    ]
    if section.blocked:
        lines.append(f"remediation stopped: {section.blocked}")
    lines += [
        f"  {a.result}: {a.action} {a.namespace} {a.kind}/{a.name}: {a.reason}"
        for a in section.actions
    ]
    return lines


def _aligned(rows: Iterable[tuple[str, ...]]) -> list[str]:
    rows = list(rows)
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows
    ]


def render_table(report: AuditReport) -> str:
    lines: list[str] = []
    if report.findings:
        lines += _aligned([("DRIFT", "RULE", "NAMESPACE", "OBJECT", "STATE"), *_rows(report)])
        lines += ["", "Why:"]
        lines += [f"  {f.namespace} {f.kind}/{f.name}: {f.reason}" for f in report.findings]
    elif report.complete:
        lines.append("No drift found.")
    else:
        lines.append("No drift found among the objects that could be judged.")
    if report.undetermined:
        lines += ["", "Undetermined (not judged):"]
        lines += [
            f"  {u.namespace or '(no namespace)'} {u.kind}/{u.name}: {u.reason}"
            for u in report.undetermined
        ]
    fixes = _fixes(report)
    if fixes:
        lines += ["", "Fix:"] + [f"  {line}" for line in fixes]
    lines += ["", *_summary_lines(report)]
    return _lines(lines)


def _cell(text: str) -> str:
    """Text that stays on its line (and in its table cell) and is shown literally."""
    escaped = "".join(f"\\{c}" if c in "\\|*_`[]<>#" else c for c in printable(text))
    return " ".join(escaped.split())


def render_markdown(report: AuditReport) -> str:
    lines = ["# tiergate audit", ""]
    lines += [f"- {line}" for line in _summary_lines(report)]
    if report.findings:
        lines += [
            "",
            "| drift | rule | namespace | object | state | reason |",
            "|---|---|---|---|---|---|",
        ]
        lines += [
            "| " + " | ".join(_cell(c) for c in (*row, f.reason)) + " |"
            for row, f in zip(_rows(report), report.findings, strict=True)
        ]
    if report.undetermined:
        lines += ["", "## Undetermined", ""]
        lines += [
            f"- {_cell(u.namespace or '(no namespace)')} {_cell(f'{u.kind}/{u.name}')}: "
            f"{_cell(u.reason)}"
            for u in report.undetermined
        ]
    fixes = _fixes(report)
    if fixes:
        lines += ["", "## Fix", ""] + [f"- {_cell(line)}" for line in fixes]
    return _lines(lines)


def render_json(report: AuditReport) -> str:
    return json.dumps(report.model_dump(mode="json"), indent=2) + "\n"


RENDERERS: dict[OutputFormat, Callable[[AuditReport], str]] = {
    OutputFormat.TABLE: render_table,
    OutputFormat.JSON: render_json,
    OutputFormat.MARKDOWN: render_markdown,
}
