"""A fake Kubernetes API server over real HTTP, for tests of the webhook and the auditor.

It speaks the REST protocol well enough for the real kubectl and kubernetes_asyncio;
start it with `serve(tmp_path)` or the `fake_api` fixture from `tests.fakeapi.fixtures`.
"""

from tests.fakeapi.faults import Fault, RecordedRequest
from tests.fakeapi.server import FakeApiServer, serve

__all__ = ["FakeApiServer", "Fault", "RecordedRequest", "serve"]
