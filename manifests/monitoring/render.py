"""Writes the monitoring files that are derived, so no copy is ever kept by hand.

The PrometheusRule carries the groups of tiergate-alerts.rules.yaml verbatim (comments
included), and the dashboard JSON is built by dashboard.py. `--check` writes nothing
and exits 1 with a diff when a committed file differs from what would be written.
"""

import argparse
import difflib
import json
import sys
from pathlib import Path

from dashboard import build_dashboard

HERE = Path(__file__).resolve().parent
RULES_FILE = "tiergate-alerts.rules.yaml"
PROMETHEUS_RULE_FILE = "prometheus-rule.yaml"
DASHBOARD_FILE = "tiergate-dashboard.json"
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


def render_prometheus_rule(rules_text: str) -> str:
    """The rules file's `groups:` and all after it, indented under `spec:`."""
    lines = rules_text.splitlines()
    if "groups:" not in lines:
        raise ValueError(f"{RULES_FILE}: no top-level `groups:` line")
    body = lines[lines.index("groups:") :]
    return PROMETHEUS_RULE_HEAD + "".join(f"  {line}\n" if line else "\n" for line in body)


def render_dashboard() -> str:
    return json.dumps(build_dashboard(), indent=2, sort_keys=True) + "\n"


def rendered(directory: Path) -> dict[str, str]:
    """Each derived file's name and the text it should hold."""
    rules_text = (directory / RULES_FILE).read_text(encoding="utf-8")
    return {
        PROMETHEUS_RULE_FILE: render_prometheus_rule(rules_text),
        DASHBOARD_FILE: render_dashboard(),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="compare, write nothing")
    parser.add_argument("--directory", type=Path, default=HERE, help="the monitoring folder")
    arguments = parser.parse_args(argv)
    stale = 0
    for name, text in rendered(arguments.directory).items():
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
