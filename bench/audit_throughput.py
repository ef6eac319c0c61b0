"""How fast `auditor --once -f` judges a large snapshot, against parsing alone.

Generates a List of N tenant namespaces (a drifted cluster like examples/, with
the metadata and status kubectl prints), then measures, in the same run:

- in-process: the baseline (parsing the text alone: YAML with the same C
  loader, or JSON) against the whole pipeline (read, parse, sieve, validate the
  candidates, build the snapshot, audit), and the sieve's cost per object;
- `--whole`: the real `auditor --once -f FILE` process against a process that
  only runs `json.load` on the same file: wall time and peak RSS of each.

    .venv/bin/python bench/audit_throughput.py [--tenants 2000] [--repeat 3] [--format json]
    .venv/bin/python bench/audit_throughput.py --whole --tenants 10000
"""

import argparse
import gc
import io
import json
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from child import measure

from auditor.file_source import build_snapshot, read_inputs
from tiergate.audit import audit
from tiergate.config import default_config
from tiergate.findings import AuditReport
from tiergate.objects import KubeObject
from tiergate.records import WorkloadRecord
from tiergate.sieve import Sieve

Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
COMPONENTS = {
    "postgres": "postgres:16.4",
    "mosquitto": "eclipse-mosquitto:2.0.18",
    "api": "registry.example.com:5000/platform/customer-api:3.12.0",
    "dashboard": "registry.example.com:5000/platform/customer-dashboard:3.12.0",
    "opencost": "ghcr.io/opencost/opencost:1.111.0",
}
EXPORTER = "sapcc/mosquitto-exporter:0.8.0"


def _metadata(name: str, *, tenant: str, labels: dict[str, str]) -> dict[str, Any]:
    return {
        "name": name,
        "namespace": f"customer-{tenant}",
        "uid": f"6f1c2a7e-{tenant[:4]}-4b1e-9c3d-{abs(hash(name)) % 10**12:012d}",
        "resourceVersion": str(abs(hash(name)) % 10**8),
        "generation": 3,
        "creationTimestamp": "2024-06-03T09:12:44Z",
        "labels": {**labels, "app.kubernetes.io/managed-by": "Helm", "helm.sh/chart": "ci-1.4.2"},
        "annotations": {
            "meta.helm.sh/release-name": tenant,
            "meta.helm.sh/release-namespace": f"customer-{tenant}",
            "deployment.kubernetes.io/revision": "3",
        },
    }


def _deployment(tenant: str, component: str, image: str) -> dict[str, Any]:
    name = f"{tenant}-customer-instance-{component}"
    labels = {"app.kubernetes.io/instance": tenant, "app.kubernetes.io/component": component}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _metadata(name, tenant=tenant, labels=labels),
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": labels},
            "strategy": {"type": "RollingUpdate"},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "containers": [
                        {
                            "name": component,
                            "image": image,
                            "ports": [{"containerPort": 8080, "protocol": "TCP"}],
                            "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}},
                        }
                    ]
                },
            },
        },
        "status": {"replicas": 1, "readyReplicas": 1, "availableReplicas": 1},
    }


def _service(tenant: str, component: str) -> dict[str, Any]:
    name = f"{tenant}-customer-instance-{component}"
    selector = {"app.kubernetes.io/instance": tenant, "app.kubernetes.io/component": component}
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _metadata(name, tenant=tenant, labels=selector),
        "spec": {
            "type": "ClusterIP",
            "selector": selector,
            "ports": [{"name": "http", "port": 80, "targetPort": 8080, "protocol": "TCP"}],
        },
    }


def tenant_objects(index: int) -> list[dict[str, Any]]:
    """One tenant: its Namespace, a Deployment and a Service per component."""
    tenant = f"{index:08x}"
    enterprise = index % 5 == 0
    leftover = index % 7 == 0
    labels = {"tier": "enterprise" if enterprise else "starter"}
    if enterprise:
        labels["monitoring.dedicated"] = "true"
    namespace = {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": f"customer-{tenant}", "labels": labels},
    }
    components = {
        **COMPONENTS,
        **({"mosquitto-exporter": EXPORTER} if enterprise or leftover else {}),
    }
    objects = [namespace]
    for component, image in components.items():
        objects += [_deployment(tenant, component, image), _service(tenant, component)]
    return objects


def _best(repeat: int, work: Callable[[], Any]) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - started)
    return best, result


def _pipeline(path: Path) -> AuditReport:
    """What `auditor --once -f PATH` does, in this process."""
    config = default_config()
    reading = read_inputs([str(path)], stdin=None, max_bytes=2**31, sieve=Sieve(config))
    snapshot, _ = build_snapshot(reading, assumed=None)
    return audit(snapshot, config=config, own_namespace="tiergate-system", now=datetime.now(UTC))


def _sieve_cost(items: list[dict[str, Any]], *, repeat: int) -> str:
    """Microseconds an object: the sieve alone, and with the typed views it asks for.

    Measured as the pipeline runs it, with the garbage collector paused.
    """
    sieve = Sieve(default_config())
    kept = [sieve.keep(item) for item in items]
    typed = [i for i, k in zip(items, kept, strict=True) if isinstance(k, KubeObject)]
    plain = [i for i, k in zip(items, kept, strict=True) if not isinstance(k, KubeObject)]
    records = sum(isinstance(k, WorkloadRecord) for k in kept)
    gc.disable()
    try:
        plain_s, _ = _best(repeat, lambda: [sieve.keep(item) for item in plain])
        typed_s, _ = _best(repeat, lambda: [sieve.keep(item) for item in typed])
    finally:
        gc.enable()
    return (
        f"sieve: {plain_s / len(plain) * 1e6:.1f} us an object it records or drops "
        f"({records} records, {len(plain) - records} dropped); "
        f"{typed_s / len(typed) * 1e6:.1f} us an object it sends to the typed view ({len(typed)})"
    )


def _in_process(args: argparse.Namespace, *, items: list[dict[str, Any]], path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    if args.format == "json":
        baseline, _ = _best(args.repeat, lambda: json.loads(text))
    else:
        baseline, _ = _best(args.repeat, lambda: yaml.load(io.StringIO(text), Loader=Loader))  # noqa: S506
    full, report = _best(args.repeat, lambda: _pipeline(path))
    counts = report.summary.counts
    print(f"findings: {counts.unwanted} unwanted, {counts.missing} missing")
    for name, seconds in ((f"baseline ({args.format} parse only)", baseline), ("whole", full)):
        print(f"{name:<26} {seconds:.3f} s, {len(items) / seconds:,.0f} objects/s")
    print(f"ratio whole/baseline: {full / baseline:.2f}x")
    print(_sieve_cost(items, repeat=args.repeat))


def _whole(args: argparse.Namespace, *, path: Path) -> None:
    load = [sys.executable, "-c", "import json, sys; json.load(open(sys.argv[1]))", str(path)]
    auditor = [sys.executable, "-m", "auditor", "--once", "-f", str(path), "-o", "json"]
    runs = {
        name: [measure(command) for _ in range(args.repeat)]
        for name, command in (("json.load", load), ("auditor --once -f", auditor))
    }
    failed = [r for r in runs["auditor --once -f"] if r.exit_code not in (0, 1)]
    if failed:
        raise SystemExit(f"the auditor failed (exit {failed[0].exit_code}): {failed[0].first_line}")
    for name, measured in runs.items():
        best = min(r.seconds for r in measured)
        rss = max(r.peak_rss_mib for r in measured)
        print(f"{name:<18} {best:7.2f} s  peak RSS {rss:6.0f} MiB  exit {measured[0].exit_code}")
    base, ours = runs["json.load"], runs["auditor --once -f"]
    time_ratio = min(r.seconds for r in ours) / min(r.seconds for r in base)
    rss_ratio = max(r.peak_rss_mib for r in ours) / max(r.peak_rss_mib for r in base)
    print(f"ratio auditor/json.load: time {time_ratio:.2f}x, peak RSS {rss_ratio:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tenants", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--format", choices=["yaml", "json"], default="yaml")
    parser.add_argument("--whole", action="store_true", help="time the real processes (JSON)")
    args = parser.parse_args()
    items = [o for i in range(args.tenants) for o in tenant_objects(i)]
    snapshot = {"apiVersion": "v1", "kind": "List", "items": items}
    fmt = "json" if args.whole else args.format
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / f"snapshot.{fmt}"
        if fmt == "json":
            path.write_text(json.dumps(snapshot), encoding="utf-8")
        else:
            path.write_text(yaml.dump(snapshot, Dumper=yaml.CSafeDumper), encoding="utf-8")
        size = path.stat().st_size / 2**20
        print(f"snapshot: {args.tenants} tenants, {len(items)} objects, {size:.1f} MiB of {fmt}")
        if args.whole:
            _whole(args, path=path)
        else:
            _in_process(args, items=items, path=path)


if __name__ == "__main__":
    main()
