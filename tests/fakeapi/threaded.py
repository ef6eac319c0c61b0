"""An aiohttp server on its own thread, loop and local port, driven from the test's thread.

kubectl runs as a blocking subprocess and code under test runs its own loop; a
server sharing either would stall the client waiting for it.
"""

import asyncio
import socket
import ssl
import threading
from types import TracebackType
from typing import Self

from aiohttp import web


class ThreadedServer:
    """Subclasses say what to serve in `_application`; the port is bound at once."""

    def __init__(self, *, name: str, shutdown_timeout: float = 1.0) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind(("127.0.0.1", 0))
        self.port: int = self._socket.getsockname()[1]
        self._shutdown_timeout = shutdown_timeout
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(
            target=lambda: asyncio.run(self._serve()), name=f"{name}-{self.port}", daemon=True
        )

    def start(self) -> Self:
        self._thread.start()
        if not self._ready.wait(timeout=10):
            raise RuntimeError(f"{self._thread.name} did not start within 10 s")
        return self

    def stop(self) -> None:
        """Stop serving; the port refuses connections from then on."""
        if self._loop is not None and self._stop is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._stop.set)
            self._thread.join(timeout=10)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
        self._socket.close()

    def _application(self) -> tuple[web.Application, ssl.SSLContext | None]:
        raise NotImplementedError

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        app, context = self._application()
        runner = web.AppRunner(
            app, handle_signals=False, access_log=None, shutdown_timeout=self._shutdown_timeout
        )
        await runner.setup()
        try:
            await web.SockSite(runner, self._socket, ssl_context=context).start()
            self._ready.set()
            await self._stop.wait()
        finally:
            await runner.cleanup()
