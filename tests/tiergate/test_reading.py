"""An update's old object read through the new one's view: the same view as reading it anew."""

import copy
from collections.abc import Callable
from typing import Any

import pytest

from tests.builders import EXPORTER_IMAGE, container, deployment, service
from tests.reviews import deployment_update
from tiergate.reading import ObjectError, parse_object, reread_unchanged

Change = Callable[[dict[str, Any]], None]


def _set(value: Any, *path: str) -> Change:
    def apply(obj: dict[str, Any]) -> None:
        node = obj
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = value

    return apply


def _recorded_pair() -> tuple[dict[str, Any], dict[str, Any]]:
    request = deployment_update(old_exporter=True, new_exporter=True)
    return request["oldObject"], request["object"]


def _exporter() -> dict[str, Any]:
    return deployment("s1-exporter", "customer-s1", container("e", EXPORTER_IMAGE), uid="u-1")


# (the case, how the old object differs from the new one, whether the new view is reused)
CASES: list[tuple[str, Change, bool]] = [
    ("an annotation it does not read", _set("2", "metadata", "annotations", "x/revision"), True),
    ("its managed fields", _set([{"manager": "kubectl"}], "metadata", "managedFields"), True),
    ("its generation", _set(7, "metadata", "generation"), True),
    ("its status", _set({"replicas": 3}, "status"), True),
    ("fewer replicas", _set(0, "spec", "replicas"), True),
    ("more replicas", _set(9, "spec", "replicas"), True),
    ("its labels", _set({"app": "other"}, "metadata", "labels"), False),
    (
        "the Helm release it belongs to",
        _set({"meta.helm.sh/release-name": "r"}, "metadata", "annotations"),
        False,
    ),
    ("its resourceVersion", _set("41", "metadata", "resourceVersion"), False),
    (
        "an owner reference",
        _set([{"kind": "X", "name": "x"}], "metadata", "ownerReferences"),
        False,
    ),
    (
        "its image",
        _set([container("e", "nginx:1")], "spec", "template", "spec", "containers"),
        False,
    ),
    (
        "its pod template's labels",
        _set({"a": "b"}, "spec", "template", "metadata", "labels"),
        False,
    ),
    ("its kind", _set("StatefulSet", "kind"), False),
    ("a replica count the API refuses", _set(-1, "spec", "replicas"), False),
    ("a label the API refuses", _set({"-x": "y"}, "metadata", "labels"), False),
]


@pytest.mark.parametrize(("case", "change", "reused"), CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("pair", [_recorded_pair, lambda: (_exporter(), _exporter())])
def test_an_old_object_read_through_the_new_view_is_the_view_it_would_get_alone(
    case: str, change: Change, reused: bool, pair: Callable[[], tuple[dict[str, Any], ...]]
) -> None:
    old, new = (copy.deepcopy(obj) for obj in pair())
    change(old)
    new_view = parse_object(new)
    assert new_view is not None
    view = reread_unchanged(old, new=new, new_view=new_view)
    assert (view is not None) == reused, case
    if view is not None:
        assert view == parse_object(old)


def test_a_satellite_whose_selector_changed_is_read_anew() -> None:
    new = service("s1-svc", "customer-s1", {"app.kubernetes.io/component": "mosquitto-exporter"})
    old = copy.deepcopy(new)
    old["spec"]["selector"] = {"app": "broker"}
    new_view = parse_object(new)
    assert new_view is not None
    assert reread_unchanged(old, new=new, new_view=new_view) is None
    same = reread_unchanged(copy.deepcopy(new), new=new, new_view=new_view)
    assert same is new_view


def test_an_old_object_that_cannot_be_read_is_left_to_parse_object_to_name() -> None:
    old, new = _exporter(), _exporter()
    old["metadata"] = {"name": 5}
    new_view = parse_object(new)
    assert new_view is not None
    assert reread_unchanged(old, new=new, new_view=new_view) is None
    with pytest.raises(ObjectError, match=r"metadata\.name must be a string"):
        parse_object(old)
