"""Small records of the workloads that are not candidates, and what ownership reads of both.

Most of a cluster is neither a rule's component nor its satellite. A judgement
still needs some of those objects: the Deployment that owns an exporter's
ReplicaSet, the broker that makes the exporter expected. For them a record of a
few fields is kept, not a validated view of the whole object.
"""

from dataclasses import dataclass
from typing import Protocol

from tiergate.objects import OwnerReference


class Workload(Protocol):
    """What ownership and the `missing` judgement read of a workload."""

    @property
    def kind(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def namespace(self) -> str | None: ...
    @property
    def uid(self) -> str | None: ...
    @property
    def controller(self) -> OwnerReference | None: ...
    @property
    def desired_pods(self) -> int: ...
    @property
    def pod_template_hash(self) -> str | None: ...
    @property
    def images(self) -> frozenset[str]: ...
    @property
    def running_images(self) -> frozenset[str]: ...


@dataclass(frozen=True, slots=True)
class WorkloadRecord:
    """A workload kept only as a possible owner or broker.

    `running_images` are the images of its long-running containers: what makes
    it a rule's broker (`expected.withImages`).
    """

    kind: str
    name: str
    namespace: str | None
    uid: str | None
    controller: OwnerReference | None
    desired_pods: int
    pod_template_hash: str | None
    images: frozenset[str]
    running_images: frozenset[str]
