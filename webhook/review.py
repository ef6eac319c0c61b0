"""The admission.k8s.io/v1 AdmissionReview envelope: the request read, the response written.

kube-apiserver's JSON is validated here into typed models once (unknown fields are
tolerated, as newer API servers add some); the core's admission judges what they hold.
"""

from typing import Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from tiergate.admission import Response, ReviewRequest

API_VERSION = "admission.k8s.io/v1"
KIND = "AdmissionReview"


class _Model(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")


class GroupVersionKind(_Model):
    group: str = ""
    version: str = ""
    kind: str


class GroupVersionResource(_Model):
    group: str = ""
    version: str = ""
    resource: str = ""


class UserInfo(_Model):
    username: str = ""
    uid: str = ""
    groups: list[str] = Field(default_factory=list)
    extra: dict[str, list[str]] = Field(default_factory=dict)


class AdmissionRequest(_Model):
    uid: str = Field(min_length=1)
    kind: GroupVersionKind
    resource: GroupVersionResource = GroupVersionResource()
    sub_resource: str = ""
    name: str = ""
    namespace: str = ""
    operation: Literal["CREATE", "UPDATE", "DELETE", "CONNECT"]
    user_info: UserInfo = UserInfo()
    object: dict[str, Any] | None = None
    old_object: dict[str, Any] | None = None
    dry_run: bool = False

    def review_request(self) -> ReviewRequest:
        """What the core's admission reads of it."""
        return ReviewRequest(
            operation=self.operation,
            kind=self.kind.kind,
            group=self.kind.group,
            resource=self.resource.resource,
            resource_group=self.resource.group,
            sub_resource=self.sub_resource,
            name=self.name,
            namespace=self.namespace or None,
            username=self.user_info.username,
            object=self.object,
            old_object=self.old_object,
            dry_run=self.dry_run,
        )


class AdmissionReview(_Model):
    api_version: Literal["admission.k8s.io/v1"]
    kind: Literal["AdmissionReview"]
    request: AdmissionRequest


def response_body(uid: str, *, response: Response) -> bytes:
    """The review kube-apiserver expects back: the uid echoed, the verdict, any warnings.

    Written as plain JSON: the answer has four fields, and building models to dump them
    cost more than judging most reviews.
    """
    answer: dict[str, Any] = {"uid": uid, "allowed": response.allowed}
    if not response.allowed:
        answer["status"] = {
            "code": response.code,
            "message": response.message,
            "reason": "Forbidden",
            "status": "Failure",
        }
    if response.warnings:
        answer["warnings"] = list(response.warnings)
    return orjson.dumps({"apiVersion": API_VERSION, "kind": KIND, "response": answer})
