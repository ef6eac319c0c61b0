"""`auditor --once -f` on manifests as real projects publish them (tests/fixtures/thirdparty)."""

import json
from pathlib import Path

from tests.auditor.process import auditor

THIRDPARTY = "tests/fixtures/thirdparty/"
REDIS_RULE = (
    "rules:\n  - name: redis\n    component: {images: ['*redis*']}\n"
    "    allowedIn: {matchLabels: {tier: enterprise}}\n    fixHint: use the managed Redis\n"
)


def test_third_party_manifests_are_read_and_the_demo_apps_workloads_judged(tmp_path: Path) -> None:
    config = tmp_path / "rules.yaml"
    config.write_text(REDIS_RULE, encoding="utf-8")
    result = auditor(
        "--once",
        "-f",
        THIRDPARTY,
        "--namespace",
        "online-boutique",
        "--namespace-labels",
        "tier=starter",
        "--config",
        str(config),
        "-o",
        "json",
    )
    assert result.returncode in {0, 1}, result.stderr
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["complete"] is True
    findings = {(f["namespace"], f["kind"], f["name"]) for f in report["findings"]}
    assert findings == {("online-boutique", "Deployment", "redis-cart")}
    # 12 Deployments and 12 Services of the demo, the operator's Deployment, its Namespace.
    assert report["summary"]["objects"] == 26


def test_the_built_in_rule_finds_nothing_in_third_party_manifests() -> None:
    result = auditor(
        "--once", "-f", THIRDPARTY, "--namespace", "online-boutique", "--namespace-labels", ""
    )
    assert (result.returncode, result.stderr) == (0, "")
