"""Writes the monitoring files that are derived, so no copy is ever kept by hand.

The PrometheusRule carries the groups of tiergate-alerts.rules.yaml verbatim (comments
included) except that each runbook_url points into `--runbook-base`, so a mirror of the
repository can send its alerts to its own runbooks; the dashboard JSON is built by
dashboard.py. `--check` writes nothing and exits 1 with a diff when a file is stale.
"""

import argparse
import difflib
import json
import re
import sys
from pathlib import Path
from urllib.parse import urlsplit

from dashboard import build_dashboard

HERE = Path(__file__).resolve().parent
RULES_FILE = "tiergate-alerts.rules.yaml"
PROMETHEUS_RULE_FILE = "prometheus-rule.yaml"
DASHBOARD_FILE = "tiergate-dashboard.json"
# The page holding the runbooks; an alert's runbook_url is this, "#", its section's anchor.
DEFAULT_RUNBOOK_BASE = "https://github.com/tiergate/tiergate/blob/main/README.md"
RUNBOOK_LINE = re.compile(r"^(\s*runbook_url: )(\S+)$")
# RFC 3986's characters, "#" left out: the anchor is ours to append.
URL_CHARACTERS = re.compile(r"[A-Za-z0-9\-._~:/?\[\]@!$&'()*+,;=%]+")
PROMETHEUS_RULE_HEAD = f"""\
# Rendered from {RULES_FILE} by render.py: edit that file, never this one.
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: tiergate
  labels:
    app.kubernetes.io/name: tiergate
    app.kubernetes.io/part-of: tiergate
spec:
"""


def runbook_base(text: str) -> str:
    """`--runbook-base`: an https URL with a host and no fragment, else a usage error."""
    try:
        host = urlsplit(text).hostname if text.startswith("https://") else None
    except ValueError:  # an unbalanced "[" of an IPv6 host
        host = None
    problem = (
        "is not an https URL with a host"
        if not host
        else "holds a space, quote, '#' or another character that a URL cannot hold unencoded "
        "(the alert's #anchor is appended)"
        if not URL_CHARACTERS.fullmatch(text)
        else None
    )
    if problem is not None:
        raise argparse.ArgumentTypeError(
            f"{text!r} {problem}; give the https address of the page with the runbooks, "
            f"e.g. {DEFAULT_RUNBOOK_BASE}"
        )
    return text


def _with_runbook_base(line: str, *, base: str) -> str:
    found = RUNBOOK_LINE.match(line)
    if found is None:
        return line
    prefix, url = found.groups()
    if "#" not in url:
        raise ValueError(f"{RULES_FILE}: runbook_url {url} has no #anchor")
    return f"{prefix}{base}#{url.split('#', 1)[1]}"


def render_prometheus_rule(rules_text: str, *, runbook_base: str = DEFAULT_RUNBOOK_BASE) -> str:
    """The rules file's `groups:` and all after it, indented under `spec:`."""
    lines = rules_text.splitlines()
    if "groups:" not in lines:
        raise ValueError(f"{RULES_FILE}: no top-level `groups:` line")
    body = [_with_runbook_base(line, base=runbook_base) for line in lines[lines.index("groups:") :]]
    return PROMETHEUS_RULE_HEAD + "".join(f"  {line}\n" if line else "\n" for line in body)


def render_dashboard() -> str:
    return json.dumps(build_dashboard(), indent=2, sort_keys=True) + "\n"


def rendered(directory: Path, *, runbook_base: str = DEFAULT_RUNBOOK_BASE) -> dict[str, str]:
    """Each derived file's name and the text it should hold."""
    rules_text = (directory / RULES_FILE).read_text(encoding="utf-8")
    return {
        PROMETHEUS_RULE_FILE: render_prometheus_rule(rules_text, runbook_base=runbook_base),
        DASHBOARD_FILE: render_dashboard(),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="compare, write nothing")
    parser.add_argument("--directory", type=Path, default=HERE, help="the monitoring folder")
    parser.add_argument(
        "--runbook-base",
        type=runbook_base,
        default=DEFAULT_RUNBOOK_BASE,
        metavar="URL",
        help="the page with the runbooks (https); each alert links to URL#<alert name>",
    )
    arguments = parser.parse_args(argv)
    stale = 0
    for name, text in rendered(arguments.directory, runbook_base=arguments.runbook_base).items():
        path = arguments.directory / name
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if current == text:
            continue
        if arguments.check:
            stale += 1
            sys.stdout.writelines(
                difflib.unified_diff(
                    current.splitlines(keepends=True),
                    text.splitlines(keepends=True),
                    fromfile=f"{name} (committed)",
                    tofile=f"{name} (rendered)",
                )
            )
        else:
            path.write_text(text, encoding="utf-8")
    if stale:
        print(f"{stale} file(s) out of date: run {Path(__file__).name} without --check")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
