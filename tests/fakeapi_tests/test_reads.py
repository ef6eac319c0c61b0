"""Discovery, selectors and watches of the fake API server, over raw HTTP."""

import asyncio
import time
from pathlib import Path
from typing import Any

from tests.fakeapi import FakeApiServer, serve
from tests.fakeapi.http import call, watch_lines


def _namespace(name: str, **labels: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}}


async def test_discovery_lists_the_scale_subresource_with_its_own_group(
    fake_api: FakeApiServer,
) -> None:
    code, document = await call(fake_api, "GET", "/apis/apps/v1")
    assert code == 200
    by_name = {entry["name"]: entry for entry in document["resources"]}
    assert by_name["deployments"]["shortNames"] == ["deploy"]
    scale = by_name["deployments/scale"]
    assert (scale["kind"], scale["group"], scale["version"]) == ("Scale", "autoscaling", "v1")
    assert "deployments/status" in by_name
    assert "daemonsets/scale" not in by_name


async def test_monitors_are_absent_from_discovery_and_paths_until_enabled(
    fake_api: FakeApiServer,
) -> None:
    _, groups = await call(fake_api, "GET", "/apis")
    assert "monitoring.coreos.com" not in {group["name"] for group in groups["groups"]}
    code, status = await call(fake_api, "GET", "/apis/monitoring.coreos.com/v1/servicemonitors")
    assert (code, status["reason"]) == (404, "NotFound")
    fake_api.enable_monitors()
    _, groups = await call(fake_api, "GET", "/apis")
    assert "monitoring.coreos.com" in {group["name"] for group in groups["groups"]}
    code, listed = await call(fake_api, "GET", "/apis/monitoring.coreos.com/v1/servicemonitors")
    assert (code, listed["kind"]) == (200, "ServiceMonitorList")


async def test_label_selectors_support_every_operator(fake_api: FakeApiServer) -> None:
    fake_api.seed(
        _namespace("a", tier="enterprise", **{"monitoring.dedicated": "true"}),
        _namespace("b", tier="starter"),
        _namespace("c"),
    )

    async def names(selector: str) -> list[str]:
        code, listed = await call(fake_api, "GET", f"/api/v1/namespaces?labelSelector={selector}")
        assert code == 200, listed
        return [item["metadata"]["name"] for item in listed["items"]]

    assert await names("monitoring.dedicated=true") == ["a"]
    assert await names("monitoring.dedicated!=true") == ["b", "c"]
    assert await names("tier in (enterprise,starter)") == ["a", "b"]
    assert await names("tier notin (enterprise)") == ["b", "c"]
    assert await names("tier") == ["a", "b"]
    assert await names("!tier") == ["c"]
    assert await names("tier,!monitoring.dedicated") == ["b"]


async def test_field_selectors_filter_by_name_and_refuse_unknown_fields(
    fake_api: FakeApiServer,
) -> None:
    fake_api.seed(_namespace("a"), _namespace("b"))
    code, listed = await call(fake_api, "GET", "/api/v1/namespaces?fieldSelector=metadata.name=b")
    assert (code, [item["metadata"]["name"] for item in listed["items"]]) == (200, ["b"])
    code, status = await call(fake_api, "GET", "/api/v1/namespaces?fieldSelector=spec.x=1")
    assert (code, status["reason"], status["message"]) == (
        400,
        "BadRequest",
        'field label not supported: "spec.x"',
    )


async def test_a_watch_from_the_start_sends_what_exists_then_ends_at_its_timeout(
    fake_api: FakeApiServer,
) -> None:
    fake_api.seed(_namespace("a"), _namespace("b"))
    started = time.monotonic()
    events = await watch_lines(fake_api, "/api/v1/namespaces?watch=1&timeoutSeconds=1")
    assert 0.9 < time.monotonic() - started < 3
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in events] == [
        ("ADDED", "a"),
        ("ADDED", "b"),
    ]
    assert events[0]["object"]["kind"] == "Namespace"


async def test_a_selective_watch_sees_objects_enter_and_leave_its_selection(
    fake_api: FakeApiServer,
) -> None:
    (stored,) = fake_api.seed(_namespace("a"))
    since = stored["metadata"]["resourceVersion"]
    query = f"watch=1&resourceVersion={since}&labelSelector=monitoring.dedicated"
    # The watch replays from `since`, so it sees both patches whenever it starts.
    watching = asyncio.create_task(watch_lines(fake_api, f"/api/v1/namespaces?{query}", count=2))
    await call(
        fake_api,
        "PATCH",
        "/api/v1/namespaces/a",
        body={"metadata": {"labels": {"monitoring.dedicated": "true"}}},
        content_type="application/merge-patch+json",
    )
    await call(
        fake_api,
        "PATCH",
        "/api/v1/namespaces/a",
        body={"metadata": {"labels": {"monitoring.dedicated": None}}},
        content_type="application/merge-patch+json",
    )
    events = await watching
    assert [event["type"] for event in events] == ["ADDED", "DELETED"]


async def test_a_watch_replays_history_and_sends_bookmarks_when_allowed(tmp_path: Path) -> None:
    with serve(tmp_path, bookmark_interval=0.1) as with_bookmarks:
        with_bookmarks.seed(_namespace("a"))
        since = with_bookmarks.store.resource_version
        with_bookmarks.seed(_namespace("b"))
        query = f"watch=1&timeoutSeconds=1&resourceVersion={since}&allowWatchBookmarks=true"
        events = await watch_lines(with_bookmarks, f"/api/v1/namespaces?{query}", count=4)
    assert events[0]["type"] == "ADDED"
    assert events[0]["object"]["metadata"]["name"] == "b"
    bookmarks = [event for event in events if event["type"] == "BOOKMARK"]
    assert len(bookmarks) == 3
    assert bookmarks[-1]["object"]["metadata"]["resourceVersion"] == str(
        with_bookmarks.store.resource_version
    )


async def test_initial_events_end_with_a_marked_bookmark(fake_api: FakeApiServer) -> None:
    fake_api.seed(_namespace("a"))
    query = "watch=1&sendInitialEvents=true&allowWatchBookmarks=true"
    events = await watch_lines(fake_api, f"/api/v1/namespaces?{query}", count=2)
    assert [event["type"] for event in events] == ["ADDED", "BOOKMARK"]
    assert events[1]["object"]["metadata"]["annotations"] == {"k8s.io/initial-events-end": "true"}
