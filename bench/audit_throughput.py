"""How fast `auditor --once -f` judges a large snapshot, against parsing alone.

Generates a List of N tenant namespaces (a drifted cluster like examples/, with
the metadata and status kubectl prints), then times, in the same run:

- in-process: the baseline (parsing the text alone: YAML with the same C
  loader, or JSON) against the full pipeline (parse, sieve, validate the
  candidates, build the snapshot, audit), and the sieve's cost per object;
- `--whole`: the real `auditor --once -f FILE` process against a process that
  only runs `json.load` on the same file: wall time and peak RSS of each.

    .venv/bin/python bench/audit_throughput.py [--tenants 2000] [--repeat 3] [--format json]
    .venv/bin/python bench/audit_throughput.py --whole --tenants 10000
"""

import argparse
import io
import json
import resource
import time
from datetime import UTC, datetime
from typing import Any

import yaml

from auditor.documents import parse_objects
from auditor.file_source import build_snapshot
from tiergate.audit import audit
from tiergate.config import default_config

Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _deployment(tenant: str, component: str, image: str) -> dict[str, Any]:
    name = f"{tenant}-customer-instance-{component}"
    labels = {"app.kubernetes.io/instance": tenant, "app.kubernetes.io/component": component}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": name,
            "namespace": f"customer-{tenant}",
            "uid": f"u-{name}",
            "labels": {**labels, "app.kubernetes.io/managed-by": "Helm"},
        },
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "containers": [
                        {
                            "name": component,
                            "image": image,
                            "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}},
                        }
                    ]
                },
            },
        },
    }


def _tenant(index: int) -> list[dict[str, Any]]:
    tenant = f"{index:08x}"
    enterprise = index % 5 == 0
    leftover = index % 7 == 0
    labels = {"tier": "enterprise" if enterprise else "starter"}
    if enterprise:
        labels["monitoring.dedicated"] = "true"
    objects: list[dict[str, Any]] = [
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": f"customer-{tenant}", "labels": labels},
        },
    ]
    components = {
        "postgres": "postgres:16.4",
        "mosquitto": "eclipse-mosquitto:2.0.18",
        "api": "registry.example.com:5000/platform/customer-api:3.12.0",
        "dashboard": "registry.example.com:5000/platform/customer-dashboard:3.12.0",
        "opencost": "ghcr.io/opencost/opencost:1.111.0",
    }
    if enterprise or leftover:
        components["mosquitto-exporter"] = "sapcc/mosquitto-exporter:0.8.0"
    for component, image in components.items():
        objects.append(_deployment(tenant, component, image))
        objects.append(
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {
                    "name": f"{tenant}-customer-instance-{component}",
                    "namespace": f"customer-{tenant}",
                },
                "spec": {
                    "selector": {
                        "app.kubernetes.io/instance": tenant,
                        "app.kubernetes.io/component": component,
                    }
                },
            }
        )
    return objects


def _best(repeat: int, work: Any) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tenants", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--format", choices=["yaml", "json"], default="yaml")
    args = parser.parse_args()
    items = [o for i in range(args.tenants) for o in _tenant(i)]
    snapshot_list = {"apiVersion": "v1", "kind": "List", "items": items}
    config = default_config()
    now = datetime.now(UTC)
    if args.format == "json":
        text = json.dumps(snapshot_list)
        baseline, _ = _best(args.repeat, lambda: json.loads(text))
    else:
        text = yaml.dump(snapshot_list, Dumper=yaml.CSafeDumper)
        baseline, _ = _best(args.repeat, lambda: yaml.load(io.StringIO(text), Loader=Loader))  # noqa: S506

    def pipeline() -> Any:
        objects = list(parse_objects(text, source="bench"))
        snapshot, _ = build_snapshot(objects, assumed=None)
        return audit(snapshot, config=config, own_namespace="tiergate-system", now=now)

    full, report = _best(args.repeat, pipeline)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    counts = report.summary.counts
    print(
        f"snapshot: {args.tenants} tenants, {len(items)} objects, "
        f"{len(text) / 2**20:.1f} MiB of {args.format}"
    )
    print(f"findings: {counts.unwanted} unwanted, {counts.missing} missing")
    print(
        f"baseline ({args.format} parse only): {baseline:.3f} s, "
        f"{len(items) / baseline:,.0f} objects/s"
    )
    print(f"full audit pipeline:        {full:.3f} s, {len(items) / full:,.0f} objects/s")
    print(f"ratio full/baseline: {full / baseline:.2f}x; peak RSS {peak_mib:.0f} MiB")


if __name__ == "__main__":
    main()
