"""The real `webhook` program as a process, serving TLS for `tiergate-webhook.tiergate-system.svc`.

End-to-end tests route the fake API server's webhook calls to it, so what kubectl
sees is what the program answers, through the same flags and certificates as a pod.
"""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.auditor.process import ROOT
from tests.webhook.certs import Pair, make_ca, make_serving


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class WebhookProcess:
    process: "subprocess.Popen[bytes]"
    port: int
    metrics_port: int
    ca: Pair

    def ready(self) -> bool:
        try:
            url = f"http://127.0.0.1:{self.metrics_port}/readyz"
            with urllib.request.urlopen(url, timeout=2) as response:
                return bool(response.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def stop(self) -> str:
        """SIGTERM, wait for the exit; answers what it logged on stderr."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            _, stderr = self.process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            _, stderr = self.process.communicate()
        return stderr.decode("utf-8", "replace")


@contextmanager
def running_webhook(
    kubeconfig: Path, *, directory: Path, args: tuple[str, ...] = ()
) -> Iterator[WebhookProcess]:
    """Start `python -m webhook` against `kubeconfig`, ready (certificates, rules, the first
    namespace sync) before the block; stopped after it."""
    ca = make_ca(directory / "ca")
    pair = make_serving(directory / "serving", ca=ca)
    port, metrics_port = free_port(), free_port()
    command = [
        sys.executable, "-m", "webhook", "--tls-cert", str(pair.cert), "--tls-key",
        str(pair.key), "--host", "127.0.0.1", "--port", str(port), "--metrics-port",
        str(metrics_port), "--shutdown-delay", "0s", *args,
    ]  # fmt: skip
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env={**os.environ, "KUBECONFIG": str(kubeconfig)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    webhook = WebhookProcess(process, port, metrics_port, ca)
    try:
        for _ in range(400):
            if webhook.ready() or process.poll() is not None:
                break
            time.sleep(0.05)
        if not webhook.ready():
            raise RuntimeError(f"the webhook did not become ready: {webhook.stop()}")
        yield webhook
    finally:
        webhook.stop()
