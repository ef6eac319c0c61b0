"""Which hooks a request meets: rules, scope, selectors and matchConditions, without HTTP."""

from typing import Any

import pytest

from tests.fakeapi.conditions import aggregate, evaluate
from tests.fakeapi.resources import Catalog, Resource
from tests.fakeapi.webhooks import Attributes, Rule, hooks_of

CATALOG = Catalog()


def _resource(group: str, plural: str) -> Resource:
    found = CATALOG.find(group, version="v1", plural=plural)
    assert found is not None
    return found


DEPLOYMENTS = _resource("apps", "deployments")
NAMESPACES = _resource("", "namespaces")
WEBHOOKS = _resource("admissionregistration.k8s.io", "validatingwebhookconfigurations")


def _attributes(
    resource: Resource = DEPLOYMENTS,
    *,
    operation: str = "CREATE",
    subresource: str = "",
    namespace: str = "team-a",
    obj: dict[str, Any] | None = None,
    old: dict[str, Any] | None = None,
) -> Attributes:
    return Attributes(
        operation=operation,
        resource=resource,
        subresource=subresource,
        namespace=namespace,
        name="x",
        obj=obj,
        old=old,
        dry_run=False,
        options=None,
        kind=(resource.group, resource.version, resource.kind),
    )


def _rule(*resources: str, scope: str = "*", operations: tuple[str, ...] = ("*",)) -> Rule:
    return Rule(operations, ("*",), ("*",), resources, scope)


@pytest.mark.parametrize(
    ("rule", "attributes", "expected"),
    [
        (_rule("deployments"), _attributes(), True),
        (_rule("*"), _attributes(), True),
        (_rule("*"), _attributes(subresource="scale", operation="UPDATE"), False),
        (_rule("deployments"), _attributes(subresource="scale", operation="UPDATE"), False),
        (_rule("deployments/scale"), _attributes(subresource="scale", operation="UPDATE"), True),
        (_rule("*/scale"), _attributes(subresource="scale", operation="UPDATE"), True),
        (_rule("deployments/*"), _attributes(subresource="status", operation="UPDATE"), True),
        (_rule("*/*"), _attributes(), True),
        (_rule("*/scale"), _attributes(), False),
        (_rule("statefulsets"), _attributes(), False),
        (_rule("*", operations=("UPDATE",)), _attributes(), False),
        (_rule("*", operations=("CREATE", "UPDATE")), _attributes(), True),
        (_rule("*", scope="Namespaced"), _attributes(), True),
        (_rule("*", scope="Cluster"), _attributes(), False),
        (_rule("*", scope="Namespaced"), _attributes(NAMESPACES, namespace="team-a"), False),
        (_rule("*", scope="Cluster"), _attributes(NAMESPACES, namespace="team-a"), True),
        (_rule("*", scope="Cluster"), _attributes(WEBHOOKS, namespace=""), True),
    ],
)
def test_a_rule_matches_operation_resource_subresource_and_scope_as_the_apiserver(
    rule: Rule, attributes: Attributes, expected: bool
) -> None:
    assert rule.matches(attributes) is expected


def test_a_rule_names_exact_groups_and_versions_or_the_wildcard() -> None:
    apps_only = Rule(("*",), ("apps",), ("v1",), ("*",))
    core_only = Rule(("*",), ("",), ("*",), ("*",))
    assert apps_only.matches(_attributes())
    assert not core_only.matches(_attributes())
    assert core_only.matches(_attributes(NAMESPACES))


def _hook(**fields: Any) -> Any:
    entry = {"name": "h.example.com", "clientConfig": {}, "rules": []} | fields
    (hook,) = hooks_of({"metadata": {"name": "c"}, "webhooks": [entry]})
    return hook


def test_a_hook_takes_the_v1_defaults() -> None:
    hook = _hook()
    assert (hook.failure_policy, hook.timeout_seconds, hook.configuration) == ("Fail", 10, "c")
    assert hook.matches_namespace(_attributes(), namespace_labels={})
    assert hook.matches_object(_attributes())


STARTER = {"matchLabels": {"tier": "starter"}}


@pytest.mark.parametrize(
    ("attributes", "namespace_labels", "expected"),
    [
        (_attributes(), {"tier": "starter"}, True),
        (_attributes(), {"tier": "enterprise"}, False),
        (_attributes(WEBHOOKS, namespace=""), None, True),
        (_attributes(NAMESPACES, obj={"metadata": {"labels": {"tier": "starter"}}}), None, True),
        (_attributes(NAMESPACES, obj={"metadata": {"labels": {}}}), {"tier": "starter"}, False),
        (
            _attributes(
                NAMESPACES, operation="DELETE", old={"metadata": {"labels": {"tier": "starter"}}}
            ),
            None,
            True,
        ),
    ],
)
def test_the_namespace_selector_reads_the_namespace_or_a_namespaces_own_labels(
    attributes: Attributes, namespace_labels: dict[str, str] | None, expected: bool
) -> None:
    hook = _hook(namespaceSelector=STARTER)
    assert hook.matches_namespace(attributes, namespace_labels=namespace_labels) is expected


def _labelled(**labels: str) -> dict[str, Any]:
    return {"metadata": {"labels": labels}}


@pytest.mark.parametrize(
    ("obj", "old", "expected"),
    [
        (_labelled(watched="yes"), None, True),
        (_labelled(), _labelled(watched="yes"), True),
        (_labelled(), _labelled(), False),
        (None, None, False),
        (None, _labelled(watched="yes"), True),
    ],
)
def test_the_object_selector_matches_the_new_or_the_old_object(
    obj: dict[str, Any] | None, old: dict[str, Any] | None, expected: bool
) -> None:
    hook = _hook(objectSelector={"matchLabels": {"watched": "yes"}})
    assert hook.matches_object(_attributes(obj=obj, old=old)) is expected


EXPORTER = {"metadata": {"name": "mosquitto-exporter"}}


@pytest.mark.parametrize(
    ("expressions", "variables", "matches", "errors"),
    [
        (["object.metadata.name.endsWith('exporter')"], {"object": EXPORTER}, True, 0),
        (["object.metadata.name == 'web'"], {"object": EXPORTER}, False, 0),
        (["object.spec.replicas > 1"], {"object": EXPORTER}, True, 1),
        (["object.spec.replicas > 1", "false"], {"object": EXPORTER}, False, 0),
        (["object != null && object.metadata.name == 'x'"], {"object": None}, False, 0),
        (["request.operation == 'DELETE'"], {"request": {"operation": "DELETE"}}, True, 0),
    ],
)
def test_match_conditions_skip_on_any_false_and_report_errors_otherwise(
    expressions: list[str], variables: dict[str, Any], matches: bool, errors: int
) -> None:
    conditions = tuple((f"c{i}", e) for i, e in enumerate(expressions))
    outcome = evaluate(conditions, variables=variables)
    assert (outcome.matches, len(outcome.errors)) == (matches, errors)


def test_errors_are_aggregated_as_utilerrors_words_them() -> None:
    assert aggregate(("a",)) == "a"
    assert aggregate(("a", "b", "a")) == "[a, b]"
