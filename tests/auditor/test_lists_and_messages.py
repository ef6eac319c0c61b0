"""`auditor --once -f`: which documents are lists, and messages in YAML's words, not Python's."""

import json
import re

import pytest

from tests.auditor.manifests import DRIFTED, stream
from tests.auditor.process import assert_clean_failure, auditor, environment

EXPORTER_TEMPLATE = (
    "spec:\n    template:\n      spec:\n        containers:\n"
    "        - {name: e, image: sapcc/mosquitto-exporter:0.8.0}\n"
)


def test_a_typed_list_from_the_api_fills_in_its_items_kind_and_api_version() -> None:
    document = (
        "apiVersion: apps/v1\nkind: DeploymentList\nmetadata: {resourceVersion: '1'}\nitems:\n"
        "- metadata: {name: listed-mosquitto-exporter, namespace: customer-1}\n  "
        + EXPORTER_TEMPLATE
    )
    result = auditor("--once", "-f", "-", "-o", "json", stdin=stream(DRIFTED, document))
    assert result.returncode == 1, result.stderr
    found = {(f["kind"], f["name"]) for f in json.loads(result.stdout)["findings"]}
    assert ("Deployment", "listed-mosquitto-exporter") in found


@pytest.mark.parametrize(
    "document",
    [
        pytest.param(
            "apiVersion: example.com/v1\nkind: WidgetList\nmetadata: {name: w}\n"
            "items: [1, two, {three: 3}]\n",
            id="a custom resource whose kind ends in List",
        ),
        pytest.param(
            "apiVersion: v1beta1\nkind: List\nitems: [1]\n", id="a List outside the core group"
        ),
    ],
)
def test_a_resource_named_like_a_list_is_an_ordinary_object(document: str) -> None:
    result = auditor("--once", "-f", "-", stdin=stream(DRIFTED, document))
    assert (result.returncode, result.stderr) == (1, "")


def test_a_list_inside_a_list_is_named() -> None:
    document = "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: List, items: []}\n"
    result = auditor("--once", "-f", "-", stdin=stream(DRIFTED, document))
    assert_clean_failure(result, prog="auditor")
    assert "<stdin>: document 3, item 1: a list inside a list is not read" in result.stderr


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        pytest.param(
            "kind: 5\napiVersion: v1\n", ": kind must be a string, found an integer", id="5"
        ),
        pytest.param(
            "kind: Service\napiVersion: true\n",
            ": apiVersion must be a string, found true or false",
            id="apiVersion: true",
        ),
        pytest.param("kind: [Pod]\n", ": kind must be a string, found a list", id="kind: [Pod]"),
        pytest.param(
            "just a string\n",
            ": expected a Kubernetes object (a mapping), found a string",
            id="a string document",
        ),
        pytest.param(
            "apiVersion: v1\nkind: List\nitems: [null]\n",
            ", item 1: expected a Kubernetes object (a mapping), found null",
            id="a null list item",
        ),
        pytest.param(
            "apiVersion: v1\nkind: List\nitems: {a: 1}\n",
            ": the List's items must be a list, found a mapping",
            id="items that are a mapping",
        ),
        pytest.param(
            "3.5\n", ": expected a Kubernetes object (a mapping), found a number", id="3.5"
        ),
    ],
)
def test_a_type_error_speaks_of_yaml_values_not_python_types(document: str, expected: str) -> None:
    result = auditor("--once", "-f", "-", stdin=stream(DRIFTED, document))
    assert_clean_failure(result, prog="auditor")
    assert f"<stdin>: document 3{expected}" in result.stderr
    python_words = re.findall(r"\b(NoneType|int|str|dict|list\[|True|False|float)\b", result.stderr)
    assert python_words == []


def test_an_invalid_pod_namespace_variable_names_the_variable() -> None:
    env = environment(POD_NAMESPACE="Tiergate_System")
    result = auditor("--once", "-f", "-", stdin=DRIFTED, env=env)
    assert_clean_failure(result, prog="auditor")
    assert "$POD_NAMESPACE: 'Tiergate_System' must be a DNS label" in result.stderr
    assert "--own-namespace" not in result.stderr


def test_an_invalid_own_namespace_flag_names_the_flag() -> None:
    env = environment(POD_NAMESPACE="tiergate")
    result = auditor("--once", "-f", "-", "--own-namespace", "Bad_Name", stdin=DRIFTED, env=env)
    assert_clean_failure(result, prog="auditor")
    assert "--own-namespace: 'Bad_Name' must be a DNS label" in result.stderr


def test_a_crafted_name_in_an_error_cannot_forge_output() -> None:
    document = (
        'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: "x\\e[2J\\nauditor: all good", '
        "namespace: customer-1}\nspec: {replicas: two}\n"
    )
    result = auditor("--once", "-f", "-", stdin=stream(DRIFTED, document))
    assert_clean_failure(result, prog="auditor")
    assert "<stdin>: document 3: Deployment x\\x1b[2J\\x0aauditor: all good: " in result.stderr
    assert "\x1b" not in result.stderr
    assert len(result.stderr.splitlines()) == 1


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("--once", "-f", "-", "--bogus"), id="an unknown flag"),
        pytest.param(("--once", "-f", "-", "-o", "yaml"), id="an unknown output format"),
        pytest.param(("--once", "-f", "-", "--bogus\x1b[31m"), id="a flag with an escape code"),
    ],
)
def test_a_bad_flag_is_one_line_naming_it(args: tuple[str, ...]) -> None:
    result = auditor(*args, stdin=DRIFTED)
    assert_clean_failure(result, prog="auditor")
    assert len(result.stderr.splitlines()) == 1
    assert "\x1b" not in result.stderr
    assert "(see auditor --help)" in result.stderr


def test_a_workload_under_an_apiversion_no_cluster_serves_is_a_note_not_an_error() -> None:
    document = (
        "apiVersion: extensions/v1beta1\nkind: Deployment\n"
        "metadata: {name: old-mosquitto-exporter, namespace: customer-1}\n" + EXPORTER_TEMPLATE
    )
    result = auditor("--once", "-f", "-", stdin=stream(DRIFTED, document))
    assert result.returncode == 1, result.stderr
    assert result.stderr.startswith("auditor: note: <stdin>: document 3: Deployment old-")
    assert "not judged" in result.stderr
    assert len(result.stderr.splitlines()) == 1
