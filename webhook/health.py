"""What makes the webhook ready; the routes (both ports) are tiergate_edge.health's.

Ready means certificates and rules loaded and the first namespace sync done;
a later API blip does not make a replica unready (every replica would drop out
at once). Draining (after SIGTERM) makes it unready at once.
"""

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Readiness:
    certificates: bool = False
    rules: bool = False
    namespaces_synced: Callable[[], bool] = field(default=lambda: True)
    draining: bool = False

    def missing(self) -> list[str]:
        """What keeps the server from being ready, in words."""
        waiting = [
            what
            for what, done in (
                ("certificates", self.certificates),
                ("rules", self.rules),
                ("the first namespace sync", self.namespaces_synced()),
            )
            if not done
        ]
        return ["shutting down", *waiting] if self.draining else waiting
