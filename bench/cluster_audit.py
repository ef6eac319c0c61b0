"""How fast, and in how much memory, `auditor --once` audits a large live cluster.

A stand-in API server runs in its own process and serves every list of a
cluster of N namespaces (5 Deployments and 5 Services each, 2% of them
running an unwanted exporter) from pages serialised in advance, so that the
server is not what is measured. In the same run, three children are timed
with their peak RSS: `auditor --once -o json` against it, a baseline that
only pages through the same lists with plain aiohttp and parses each page,
and `auditor --once` against a tenth of the cluster (memory must follow the
page, not the cluster). The auditor and the baseline take turns, so a busy
moment of a shared machine falls on both; the best of the runs is reported.
tiergate's own modules are compiled to bytecode first, as the image's
`pip install` does (with PYTHONDONTWRITEBYTECODE set, every run would
compile them again).

    .venv/bin/python bench/cluster_audit.py [--namespaces 10000] [--repeat 5]

(Named cluster_audit, not auditor: bench/ is on the path when it runs, and the
name would hide the auditor package.)
"""

import argparse
import compileall
import json
import multiprocessing
import socket
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from aiohttp import web
from audit_throughput import COMPONENTS, EXPORTER, _deployment, _service
from child import ROOT, Run, measure, write_kubeconfig

from tiergate.kinds import JUDGED_KINDS

PAGE_SIZE = 500
PACKAGES = ("tiergate", "tiergate_edge", "auditor")
BASELINE = """
import asyncio, json, sys
import aiohttp

async def main(server, paths):
    async with aiohttp.ClientSession() as session:
        for path in paths:
            token = ""
            while True:
                params = {"limit": "500", **({"continue": token} if token else {})}
                async with session.get(server + path, params=params) as response:
                    if response.status == 404:
                        break
                    page = json.loads(await response.read())
                token = page["metadata"].get("continue", "")
                if not token:
                    break

asyncio.run(main(sys.argv[1], sys.argv[2:]))
"""


def _cluster(namespaces: int) -> Iterator[dict[str, Any]]:
    for index in range(namespaces):
        tenant = f"{index:08x}"
        unwanted = index % 50 == 0  # 2% of the namespaces
        yield {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": f"customer-{tenant}", "labels": {"tier": "starter"}},
        }
        components = dict(list(COMPONENTS.items())[:4])
        components["mosquitto-exporter" if unwanted else "opencost"] = (
            EXPORTER if unwanted else COMPONENTS["opencost"]
        )
        for component, image in components.items():
            yield _deployment(tenant, component, image)
            yield _service(tenant, component)


def _path(group: str, version: str, plural: str) -> str:
    return f"/apis/{group}/{version}/{plural}" if group else f"/api/{version}/{plural}"


def _pages(namespaces: int) -> dict[str, list[bytes]]:
    """Every list the auditor asks for, as pages of JSON keyed by path."""
    by_kind: dict[str, list[dict[str, Any]]] = {k.kind: [] for k in JUDGED_KINDS}
    for obj in _cluster(namespaces):
        by_kind[obj["kind"]].append(
            {key: value for key, value in obj.items() if key not in ("kind", "apiVersion")}
        )
    pages: dict[str, list[bytes]] = {}
    for kind in JUDGED_KINDS:
        if kind.group == "monitoring.coreos.com":
            continue  # the Prometheus Operator's CRDs are not installed: 404
        items = by_kind[kind.kind]
        chunks = [items[i : i + PAGE_SIZE] for i in range(0, len(items), PAGE_SIZE)] or [[]]
        pages[_path(kind.group, kind.version, kind.plural)] = [
            json.dumps(
                {
                    "kind": f"{kind.kind}List",
                    "apiVersion": kind.api_version,
                    "metadata": {
                        "resourceVersion": "1",
                        **({"continue": str(n + 1)} if n + 1 < len(chunks) else {}),
                    },
                    "items": chunk,
                }
            ).encode()
            for n, chunk in enumerate(chunks)
        ]
    return pages


def _serve(namespaces: int, port: int) -> None:
    pages = _pages(namespaces)

    async def page(request: web.Request) -> web.Response:
        served = pages.get(request.path)
        if served is None:
            return web.json_response(
                {"kind": "Status", "code": 404, "reason": "NotFound"}, status=404
            )
        return web.Response(
            body=served[int(request.query.get("continue") or 0)], content_type="application/json"
        )

    app = web.Application()
    app.router.add_get("/{tail:.*}", page)
    web.run_app(app, host="127.0.0.1", port=port, print=None, handle_signals=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for(port: int) -> None:
    for _ in range(600):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        multiprocessing.Event().wait(0.05)
    raise SystemExit("the stand-in API server did not start")


def _against(namespaces: int, *, repeat: int, directory: Path) -> tuple[list[Run], list[Run]]:
    """(auditor runs, baseline runs) against a stand-in cluster of `namespaces`."""
    port = _free_port()
    server = multiprocessing.Process(target=_serve, args=(namespaces, port), daemon=True)
    server.start()
    try:
        _wait_for(port)
        kubeconfig = write_kubeconfig(directory, port=port)
        auditor = [sys.executable, "-m", "auditor", "--once", "-o", "json"]
        paths = [_path(k.group, k.version, k.plural) for k in JUDGED_KINDS]
        baseline = [sys.executable, "-c", BASELINE, f"http://127.0.0.1:{port}", *paths]
        audits: list[Run] = []
        bases: list[Run] = []
        for _ in range(repeat):
            audits.append(measure(auditor, environment={"KUBECONFIG": str(kubeconfig)}))
            bases.append(measure(baseline))
    finally:
        server.terminate()
        server.join()
    failed = [r for r in audits if r.exit_code not in (0, 1)]
    if failed:
        raise SystemExit(f"the auditor failed (exit {failed[0].exit_code}): {failed[0].first_line}")
    return audits, bases


def _best(runs: list[Run]) -> tuple[float, float]:
    return min(r.seconds for r in runs), max(r.peak_rss_mib for r in runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--namespaces", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    for package in PACKAGES:
        compileall.compile_dir(ROOT / package, quiet=1)
    with tempfile.TemporaryDirectory() as directory:
        small = max(1, args.namespaces // 10)
        audits, bases = _against(args.namespaces, repeat=args.repeat, directory=Path(directory))
        small_audits, _ = _against(small, repeat=args.repeat, directory=Path(directory))
    objects = args.namespaces * 11
    (seconds, rss), (base_seconds, base_rss) = _best(audits), _best(bases)
    _, small_rss = _best(small_audits)
    print(f"cluster: {args.namespaces} namespaces, {objects} objects, pages of {PAGE_SIZE}")
    print(f"baseline (page through, parse): {base_seconds:6.2f} s  peak RSS {base_rss:5.0f} MiB")
    print(f"auditor --once -o json:         {seconds:6.2f} s  peak RSS {rss:5.0f} MiB")
    print(f"ratio auditor/baseline: time {seconds / base_seconds:.2f}x, RSS {rss / base_rss:.2f}x")
    print(
        f"auditor peak RSS at {small} namespaces: {small_rss:.0f} MiB; at {args.namespaces}: "
        f"{rss:.0f} MiB ({(rss / small_rss - 1) * 100:+.0f}%)"
    )


if __name__ == "__main__":
    main()
