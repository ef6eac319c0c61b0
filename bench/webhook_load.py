"""How fast the `webhook` process answers reviews over TLS, against a no-op aiohttp server.

In one run, each server is started as a child process with the same serving
certificate (for `tiergate-webhook.tiergate-system.svc`, signed by a CA made
here with openssl) and the same TLS settings (>= 1.2, ALPN http/1.1):

- ours: `python -m webhook`, its KUBECONFIG pointing at a stand-in API server
  (another child) that serves the namespace list, a watch that stays open and
  GET by name; it is measured once `/readyz` on its metrics port says ready;
- the baseline: an aiohttp TLS server that parses the body with stdlib `json`
  and answers `allowed: true` with the request's uid.

A load generator (a child of its own) calls them as kube-apiserver does: POST
`/validate?timeout=10s`, keep-alive, the CA verified, SNI the service name. Each
review is an `admission.k8s.io/v1` UPDATE of a Deployment with its old object
(the recorded tests/fixtures/admission-reviews/deployment-update.request.json,
padded with Helm annotations and container environment to ~15 KiB), in two
mixes: 10% components (exporter Deployments in a Starter namespace, allowed
with a warning, and in an Enterprise namespace, allowed) among 90% other
Deployments, and 100% components. For each server and mix:

- closed loop: `--connections` connections send back to back for `--seconds`;
  throughput and latency p50/p99/p99.9;
- open loop: `--rate` requests/s on schedule for `--seconds` (latency counted
  from the scheduled time, so a stall is not hidden); p99;
- `--rounds` of each, the two servers taking turns (each after a 2 s warm-up);
- the server's CPU time per request (utime + stime from /proc/<pid>/stat).

Targets (ratios ours/baseline): throughput >= 0.85 (10% mix) and >= 0.70
(100% mix); p99 at `--rate` requests/s <= 2.

    .venv/bin/python bench/webhook_load.py [--seconds 5] [--rounds 3] [--connections 8] [--rate 500]

(Named webhook_load, not webhook: bench/ is on the path when it runs, and the
name would hide the webhook package.)
"""

import argparse
import asyncio
import hashlib
import json
import multiprocessing
import os
import random
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from child import ROOT, write_kubeconfig

SERVICE_NAME = "tiergate-webhook.tiergate-system.svc"
OPENSSL = "/usr/bin/openssl"
FIXTURE = ROOT / "tests" / "fixtures" / "admission-reviews" / "deployment-update.request.json"
EXPORTER_IMAGE = "registry.example.com/sapcc/mosquitto-exporter:0.8.0"
STARTER, ENTERPRISE = "customer-5a1e7c01", "customer-e0e0e0e1"
TENANTS = 200  # other namespaces in the stand-in cluster
REVIEW_BYTES = 15 * 1024
UID_SLOT = "00000000-0000-0000-0000-000000000000"
TICKS = os.sysconf("SC_CLK_TCK")
MIXES = {"10% components": 0.1, "100% components": 1.0}
TARGETS = {"10% components": 0.85, "100% components": 0.70}
P99_TARGET = 2.0

BASELINE = """
import json, ssl, sys
from aiohttp import web

cert, key, port = sys.argv[1], sys.argv[2], int(sys.argv[3])

async def validate(request):
    review = json.loads(await request.read())
    answer = {
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "response": {"uid": review["request"]["uid"], "allowed": True},
    }
    return web.Response(body=json.dumps(answer).encode(), content_type="application/json")

context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.minimum_version = ssl.TLSVersion.TLSv1_2
context.set_alpn_protocols(["http/1.1"])
context.load_cert_chain(cert, key)
app = web.Application(client_max_size=8 * 1024 * 1024 + 1)
app.router.add_post("/validate", validate)
web.run_app(app, host="127.0.0.1", port=port, ssl_context=context, access_log=None, print=None)
"""


# --- certificates (as tests/webhook/certs.py makes them) ---------------------------------


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run([OPENSSL, *args], cwd=cwd, check=True, capture_output=True, timeout=30)  # noqa: S603


def _certificates(directory: Path) -> tuple[Path, Path, Path]:
    """(CA certificate, serving certificate, its key) for SERVICE_NAME."""
    _openssl(
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", "ca.key", "-out", "ca.crt", "-subj", "/CN=tiergate-bench-ca", "-days", "1",
        cwd=directory,
    )  # fmt: skip
    (directory / "ext.cnf").write_text(
        f"subjectAltName=DNS:{SERVICE_NAME}\nbasicConstraints=CA:FALSE\n"
        "extendedKeyUsage=serverAuth\n",
        encoding="utf-8",
    )
    _openssl(
        "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", "tls.key", "-out", "tls.csr", "-subj", f"/CN={SERVICE_NAME}",
        cwd=directory,
    )  # fmt: skip
    _openssl(
        "x509", "-req", "-in", "tls.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", "tls.crt", "-days", "1", "-extfile", "ext.cnf",
        cwd=directory,
    )  # fmt: skip
    return directory / "ca.crt", directory / "tls.crt", directory / "tls.key"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


# --- the stand-in API server ---------------------------------------------------------------


def _namespaces() -> list[dict[str, Any]]:
    def namespace(name: str, **labels: str) -> dict[str, Any]:
        return {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {
                "name": name,
                "uid": _digest(name)[:32],
                "resourceVersion": "1",
                "labels": {"kubernetes.io/metadata.name": name, **labels},
            },
            "status": {"phase": "Active"},
        }

    found = [namespace(STARTER, tier="starter"), namespace(ENTERPRISE, tier="enterprise")]
    found[1]["metadata"]["labels"]["monitoring.dedicated"] = "true"
    found += [namespace(f"customer-{i:08x}", tier="starter") for i in range(TENANTS)]
    return found


def _serve_api(port: int) -> None:
    items = {n["metadata"]["name"]: n for n in _namespaces()}
    listing = json.dumps(
        {"kind": "NamespaceList", "apiVersion": "v1", "metadata": {"resourceVersion": "1"}}
        | {"items": list(items.values())}
    ).encode()

    async def namespaces(request: web.Request) -> web.StreamResponse:
        if request.query.get("watch") not in ("true", "1"):
            return web.Response(body=listing, content_type="application/json")
        stream = web.StreamResponse(headers={"Content-Type": "application/json"})
        await stream.prepare(request)
        await asyncio.sleep(float(request.query.get("timeoutSeconds", "300")))
        return stream

    async def one(request: web.Request) -> web.Response:
        found = items.get(request.match_info["name"])
        if found is None:
            missing = {"kind": "Status", "status": "Failure", "reason": "NotFound", "code": 404}
            return web.json_response(missing, status=404)
        return web.json_response(found)

    app = web.Application()
    app.router.add_get("/api/v1/namespaces", namespaces)
    app.router.add_get("/api/v1/namespaces/{name}", one)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


def _pad(obj: dict[str, Any], *, tenant: str, component: str) -> None:
    """What a Helm-installed Deployment carries: annotations, labels, a long environment."""
    metadata = obj["metadata"]
    metadata["annotations"] |= {
        "meta.helm.sh/release-name": tenant,
        "meta.helm.sh/release-namespace": metadata["namespace"],
        "checksum/config": _digest(f"{tenant}/{component}/config"),
        "checksum/secret": _digest(f"{tenant}/{component}/secret"),
    }
    metadata["labels"] = {
        "app.kubernetes.io/instance": tenant,
        "app.kubernetes.io/managed-by": "Helm",
        "app.kubernetes.io/name": component,
        "app.kubernetes.io/part-of": "customer-instance",
        "helm.sh/chart": "customer-instance-4.17.2",
    }
    container = obj["spec"]["template"]["spec"]["containers"][0]
    container["resources"] = {
        "requests": {"cpu": "100m", "memory": "128Mi"},
        "limits": {"memory": "256Mi"},
    }
    container["env"] = []


def _environment(index: int) -> dict[str, Any]:
    if index % 3 == 0:
        return {
            "name": f"SECRET_VALUE_{index:03d}",
            "valueFrom": {"secretKeyRef": {"name": "tenant-credentials", "key": f"key-{index}"}},
        }
    return {"name": f"SETTING_{index:03d}", "value": f"https://svc-{index}.internal:8443/v1/x"}


def _review(*, namespace: str, name: str, image: str) -> dict[str, Any]:
    request: dict[str, Any] = json.loads(FIXTURE.read_text(encoding="utf-8"))
    tenant = namespace.removeprefix("customer-")
    request |= {"uid": UID_SLOT, "name": name, "namespace": namespace}
    for key in ("object", "oldObject"):
        obj = request[key]
        obj["metadata"] |= {"name": name, "namespace": namespace}
        obj["spec"]["replicas"] = 1
        obj["spec"]["template"]["spec"]["containers"][0]["image"] = image
        _pad(obj, tenant=tenant, component=name)
    review = {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": request}
    index = 0
    while len(_encode(review)) < REVIEW_BYTES:
        for key in ("object", "oldObject"):
            env = request[key]["spec"]["template"]["spec"]["containers"][0]["env"]
            env.append(_environment(index))
        index += 1
    request["object"]["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = "2"
    return review


def _encode(review: dict[str, Any]) -> bytes:
    # As kube-apiserver sends it: compact JSON and a trailing newline.
    return json.dumps(review, separators=(",", ":")).encode() + b"\n"


@dataclass(frozen=True)
class Template:
    """A review's body split around its uid, so every request gets a fresh uid cheaply."""

    kind: str
    before: bytes
    after: bytes

    def body(self, uid: str) -> bytes:
        return self.before + uid.encode() + self.after


def _template(kind: str, review: dict[str, Any]) -> Template:
    before, slot, after = _encode(review).partition(f'"uid":"{UID_SLOT}"'.encode())
    if not slot:
        raise AssertionError("the uid slot is missing")
    return Template(kind, before + b'"uid":"', b'"' + after)


def _mix(components: float) -> list[Template]:
    """100 reviews in a fixed shuffled order; `components` of them exporter Deployments."""
    count = round(100 * components)
    rng = random.Random(7)  # noqa: S311 - a fixed order, not a secret
    templates = []
    for index in range(count):
        namespace = (STARTER, ENTERPRISE)[index % 2]
        tenant = namespace.removeprefix("customer-")
        name = f"{tenant}-customer-instance-mosquitto-exporter"
        kind = ("starter", "enterprise")[index % 2]
        templates.append(
            _template(kind, _review(namespace=namespace, name=name, image=EXPORTER_IMAGE))
        )
    for index in range(100 - count):
        namespace = f"customer-{rng.randrange(TENANTS):08x}"
        name = f"{namespace.removeprefix('customer-')}-customer-instance-api-{index % 5}"
        image = f"registry.example.com/platform/customer-api:2.{index % 7}.{index % 3}"
        templates.append(_template("other", _review(namespace=namespace, name=name, image=image)))
    rng.shuffle(templates)
    return templates


# --- the load generator (a child process) --------------------------------------------------


@dataclass(frozen=True)
class Load:
    port: int
    ca: Path
    templates: list[Template]
    seconds: float
    server_pid: int
    connections: int = 0  # closed loop with this many connections, or
    rate: float = 0.0  # open loop at this many requests per second


@dataclass(frozen=True)
class Figures:
    requests: int
    seconds: float
    latencies: list[float]
    server_cpu: float
    load_cpu: float
    errors: int

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]

    @property
    def cpu_per_request(self) -> float:
        return self.server_cpu / self.requests


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime (fields 14, 15)


def _client_context(ca: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(ca))
    context.set_alpn_protocols(["http/1.1"])
    return context


async def _drive(load: Load) -> Figures:
    url = f"https://127.0.0.1:{load.port}/validate?timeout=10s"
    headers = {"Content-Type": "application/json", "User-Agent": "kube-apiserver-admission"}
    context = _client_context(load.ca)
    connector = aiohttp.TCPConnector(limit=load.connections or 256, ssl=context)
    counter = iter(range(1 << 62))
    errors = 0
    templates = load.templates

    async with aiohttp.ClientSession(connector=connector) as session:

        async def send() -> None:
            nonlocal errors
            index = next(counter)
            uid = f"{index:08x}-bead-4bad-8bad-{os.getpid():012x}"
            body = templates[index % len(templates)].body(uid)
            async with session.post(
                url, data=body, headers=headers, server_hostname=SERVICE_NAME
            ) as response:
                answer = await response.read()
            if response.status != 200 or uid.encode() not in answer:
                errors += 1

        async def closed(until: float, latencies: list[float]) -> None:
            while time.perf_counter() < until:
                started = time.perf_counter()
                await send()
                latencies.append(time.perf_counter() - started)

        async def on_time(due: float, latencies: list[float]) -> None:
            await send()
            latencies.append(time.perf_counter() - due)

        async def run(seconds: float) -> list[float]:
            latencies: list[float] = []
            started = time.perf_counter()
            if load.connections:
                until = started + seconds
                await asyncio.gather(*(closed(until, latencies) for _ in range(load.connections)))
                return latencies
            tasks = []
            for number in range(int(seconds * load.rate)):
                due = started + number / load.rate
                await asyncio.sleep(max(0.0, due - time.perf_counter()))
                tasks.append(asyncio.create_task(on_time(due, latencies)))
            await asyncio.gather(*tasks)
            return latencies

        await run(min(2.0, load.seconds))  # warm up: connections, caches
        errors = 0
        server_cpu, load_cpu = _cpu_seconds(load.server_pid), time.process_time()
        started = time.perf_counter()
        latencies = await run(load.seconds)
        elapsed = time.perf_counter() - started
        server_cpu = _cpu_seconds(load.server_pid) - server_cpu
        load_cpu = time.process_time() - load_cpu
    return Figures(len(latencies), elapsed, latencies, server_cpu, load_cpu / elapsed, errors)


def _load_child(load: Load, results: Connection) -> None:
    results.send(asyncio.run(_drive(load)))
    results.close()


def _measure(load: Load) -> Figures:
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_load_child, args=(load, sender))
    child.start()
    sender.close()
    figures: Figures = receiver.recv()
    child.join()
    return figures


# --- the servers ---------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait(ready: Callable[[], bool], *, what: str) -> None:
    for _ in range(400):
        if ready():
            return
        time.sleep(0.05)
    raise SystemExit(f"{what} did not become ready")


def _listening(port: int) -> Callable[[], bool]:
    def probe() -> bool:
        with socket.socket() as attempt:
            return attempt.connect_ex(("127.0.0.1", port)) == 0

    return probe


def _ready(port: int) -> Callable[[], bool]:
    async def status() -> int:
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"http://127.0.0.1:{port}/readyz") as response,
        ):
            return response.status

    def probe() -> bool:
        try:
            return asyncio.run(status()) == 200
        except aiohttp.ClientError:
            return False

    return probe


@dataclass
class Servers:
    ca: Path
    cert: Path
    key: Path
    kubeconfig: Path
    log: Path

    def ours(self, port: int) -> subprocess.Popen[bytes]:
        metrics_port = _free_port()
        command = [
            sys.executable, "-m", "webhook", "--tls-cert", str(self.cert), "--tls-key",
            str(self.key), "--host", "127.0.0.1", "--port", str(port), "--metrics-port",
            str(metrics_port), "--shutdown-delay", "0",
        ]  # fmt: skip
        with self.log.open("ab") as log:
            process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
                command,
                cwd=ROOT,
                env={**os.environ, "KUBECONFIG": str(self.kubeconfig)},
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
        _wait(_ready(metrics_port), what="the webhook")
        return process

    def baseline(self, port: int) -> subprocess.Popen[bytes]:
        command = [sys.executable, "-c", BASELINE, str(self.cert), str(self.key), str(port)]
        process = subprocess.Popen(command, cwd=ROOT)  # noqa: S603 - our own interpreter
        _wait(_listening(port), what="the baseline")
        return process


@dataclass(frozen=True)
class Result:
    server: str
    mix: str
    closed: list[Figures]  # one per round
    opened: list[Figures]

    @property
    def throughput(self) -> float:
        return statistics.median(f.throughput for f in self.closed)

    def percentile(self, fraction: float, *, opened: bool = False) -> float:
        """Over every round's latencies, pooled."""
        runs = self.opened if opened else self.closed
        ordered = sorted(x for f in runs for x in f.latencies)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]

    @property
    def cpu_per_request(self) -> float:
        return sum(f.server_cpu for f in self.closed) / sum(f.requests for f in self.closed)

    @property
    def load_cpu(self) -> float:
        return max(f.load_cpu for f in self.closed)

    @property
    def errors(self) -> int:
        return sum(f.errors for f in [*self.closed, *self.opened])


def _run_all(servers: Servers, args: argparse.Namespace) -> Iterator[Result]:
    """Both servers run side by side; each round measures one, then the other, so that
    a noisy neighbour on the machine weighs on both alike."""
    ports = {"baseline": _free_port(), "ours": _free_port()}
    processes = {"baseline": servers.baseline(ports["baseline"])}
    try:
        processes["ours"] = servers.ours(ports["ours"])
        for mix, share in MIXES.items():
            templates = _mix(share)
            runs: dict[str, tuple[list[Figures], list[Figures]]] = {s: ([], []) for s in ports}
            for _ in range(args.rounds):
                for server, (closed, opened) in runs.items():
                    load = Load(
                        port=ports[server],
                        ca=servers.ca,
                        templates=templates,
                        seconds=args.seconds,
                        server_pid=processes[server].pid,
                        connections=args.connections,
                    )
                    closed.append(_measure(load))
                    opened.append(_measure(replace(load, connections=0, rate=args.rate)))
            for server, (closed, opened) in runs.items():
                yield Result(server, mix, closed, opened)
    finally:
        for process in processes.values():
            process.terminate()
            process.wait()


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:7.2f}"


def _print(results: list[Result], args: argparse.Namespace) -> None:
    print(
        f"reviews ~{REVIEW_BYTES // 1024} KiB; closed loop {args.connections} connections, "
        f"open loop {args.rate:g}/s; {args.rounds} rounds of {args.seconds:g} s each, "
        "alternating servers; req/s the rounds' median; latencies in ms"
    )
    header = (
        f"{'server':<9} {'mix':<16} {'req/s':>7} {'p50':>7} {'p99':>7} {'p99.9':>7} "
        f"{'p99@rate':>8} {'CPU/req':>8} {'load CPU':>8} {'errors':>6}"
    )
    print(header)
    for r in results:
        print(
            f"{r.server:<9} {r.mix:<16} {r.throughput:7.0f} {_ms(r.percentile(0.5))} "
            f"{_ms(r.percentile(0.99))} {_ms(r.percentile(0.999))} "
            f"{_ms(r.percentile(0.99, opened=True)):>8} {r.cpu_per_request * 1e6:6.0f}us "
            f"{r.load_cpu * 100:7.0f}% {r.errors:6d}"
        )
    print()
    print(f"{'mix':<16} {'throughput':>10} {'target':>7} {'p99@rate':>8} {'CPU/req':>8}")
    by = {(r.server, r.mix): r for r in results}
    for mix in MIXES:
        ours, base = by["ours", mix], by["baseline", mix]
        throughput = ours.throughput / base.throughput
        p99 = ours.percentile(0.99, opened=True) / base.percentile(0.99, opened=True)
        cpu = ours.cpu_per_request / base.cpu_per_request
        verdict = "ok" if throughput >= TARGETS[mix] and p99 <= P99_TARGET else "MISSED"
        print(f"{mix:<16} {throughput:10.2f} {TARGETS[mix]:>7.2f} {p99:8.2f} {cpu:8.2f}  {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="each measurement's length")
    parser.add_argument("--rounds", type=int, default=3, help="measurements of each server")
    parser.add_argument("--connections", type=int, default=8, help="closed-loop connections")
    parser.add_argument("--rate", type=float, default=500.0, help="open-loop requests/s")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        directory = Path(name)
        ca, cert, key = _certificates(directory)
        api_port = _free_port()
        api = multiprocessing.get_context("fork").Process(
            target=_serve_api, args=(api_port,), daemon=True
        )
        api.start()
        try:
            _wait(_listening(api_port), what="the stand-in API server")
            kubeconfig = write_kubeconfig(directory, port=api_port)
            servers = Servers(ca, cert, key, kubeconfig, directory / "webhook.log")
            results = list(_run_all(servers, args))
        finally:
            api.terminate()
            api.join()
    _print(results, args)


if __name__ == "__main__":
    main()
