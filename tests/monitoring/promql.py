"""The metric names a PromQL expression reads, and the queries of the monitoring files.

Not a PromQL parser: strings, label matchers, ranges and grouping clauses are
dropped, then every identifier that is not a keyword or a function call is a
metric name. Good enough for the expressions tiergate ships, and tested on them.
"""

import json
import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
MONITORING = ROOT / "manifests" / "monitoring"
RULES_FILE = MONITORING / "tiergate-alerts.rules.yaml"
PROMETHEUS_RULE_FILE = MONITORING / "prometheus-rule.yaml"
DASHBOARD_FILE = MONITORING / "tiergate-dashboard.json"

_KEYWORDS = frozenset(
    {"and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring", "inf", "nan"}
)
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_MATCHERS = re.compile(r"\{[^}]*\}")
_RANGES = re.compile(r"\[[^\]]*\]")
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
_IDENTIFIER = re.compile(r"(?<![\w:.$])[A-Za-z_:][\w:]*")
_TEMPLATE_QUERY = re.compile(r'query\s+"((?:[^"\\]|\\.)*)"')


def metric_names(expr: str) -> set[str]:
    """The metric names `expr` selects."""
    text = _STRINGS.sub('""', expr)
    for pattern in (_MATCHERS, _RANGES, _GROUPING):
        text = pattern.sub(" ", text)
    names: set[str] = set()
    for match in _IDENTIFIER.finditer(text):
        rest = text[match.end() :].lstrip()
        if match[0].lower() not in _KEYWORDS and not rest.startswith("("):
            names.add(match[0])
    return names


def load_rules(path: Path = RULES_FILE) -> list[dict[str, Any]]:
    """Every rule of a Prometheus rules file, in order."""
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [rule for group in document["groups"] for rule in group["rules"]]


def rule_queries(rules: list[dict[str, Any]]) -> list[str]:
    """Each rule's expression and the queries its annotation templates run."""
    queries: list[str] = []
    for rule in rules:
        queries.append(rule["expr"])
        for text in rule.get("annotations", {}).values():
            queries += [q.replace('\\"', '"') for q in _TEMPLATE_QUERY.findall(text)]
    return queries


def dashboard_queries(path: Path = DASHBOARD_FILE) -> list[str]:
    """Each panel target's PromQL."""
    dashboard = json.loads(path.read_text(encoding="utf-8"))
    return [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
