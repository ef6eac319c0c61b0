"""`auditor --once -f`: YAML is read as kubectl reads it, and hostile YAML is refused cleanly."""

import json
import textwrap

import pytest

from tests.auditor.manifests import DRIFTED, configmap, deployment, stream
from tests.auditor.process import assert_clean_failure, auditor

BILLION_LAUGHS = "".join(
    f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]\n"
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True)
)
BOMB = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + BILLION_LAUGHS


@pytest.mark.parametrize(
    "document",
    [
        pytest.param(configmap(" {released: 2024-02-30}"), id="an invalid date in a ConfigMap"),
        pytest.param(configmap(" {month: 2024-13-01}"), id="a month that does not exist"),
        pytest.param(
            "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n"
            "metadata: {name: x}\nspec: {enum: [=, '!=', =~]}\n",
            id="a plain = as the prometheus-operator CRDs list it",
        ),
        pytest.param(configmap(" !Ref other"), id="an unknown local tag"),
        pytest.param(
            configmap(" !!python/object:os.system {a: 1}"), id="a python tag that must not run"
        ),
        pytest.param(deployment(labels="{released: 2024-02-01}"), id="a date as a label value"),
        pytest.param(configmap(" !!timestamp 2001-12-14"), id="an explicit timestamp tag"),
    ],
)
def test_values_kubectl_reads_as_strings_do_not_stop_the_audit(document: str) -> None:
    result = auditor("--once", "-f", "-", stdin=stream(DRIFTED, document))
    assert (result.returncode, result.stderr) == (1, "")
    assert "x-mosquitto-exporter" in result.stdout


def test_a_date_label_value_is_judged_as_the_string_kubectl_sees() -> None:
    document = deployment(labels="{app.kubernetes.io/component: mosquitto-exporter, v: 2024-02-01}")
    result = auditor("--once", "-f", "-", "-o", "json", stdin=stream(DRIFTED, document))
    names = {f["name"] for f in json.loads(result.stdout)["findings"]}
    assert "d-mosquitto-exporter" in names, result.stderr


def test_anchors_and_merge_keys_of_ordinary_size_are_read() -> None:
    document = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: base, namespace: customer-1}\n"
        "data:\n  common: &common {a: '1', b: '2'}\n  derived: {<<: *common, b: '3'}\n"
    )
    result = auditor("--once", "-f", "-", stdin=stream(DRIFTED, document))
    assert (result.returncode, result.stderr) == (1, "")


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        pytest.param(
            configmap("\n" + textwrap.indent(BOMB, "  ").rstrip()),
            "<stdin>: document 3: its aliases expand",
            id="a billion laughs in a ConfigMap",
        ),
        pytest.param(BOMB, "<stdin>: document 3: its aliases expand", id="a bare billion laughs"),
        pytest.param(
            configmap(" &loop [*loop]"),
            "<stdin>: document 3: an alias refers to a node that contains it",
            id="an alias inside its own anchor",
        ),
        pytest.param(
            deployment(labels="{tier: a, tier: b}"),
            "<stdin>: document 3: the key 'tier' appears twice in one mapping (line 16)",
            id="a label given twice in a Deployment",
        ),
        pytest.param(
            "apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: customer-1}\n"
            "spec: {}\nmetadata: {name: t, namespace: customer-1}\n",
            "<stdin>: document 3: the key 'metadata' appears twice",
            id="a Service with two metadata sections",
        ),
        pytest.param(
            "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: ConfigMap, a: 1, a: 2}\n"
            "- apiVersion: v1\n  kind: Service\n  metadata: {name: s, namespace: customer-1}\n"
            "  spec: {selector: {app: a, app: b}}\n",
            "<stdin>: document 3, item 2: the key 'app' appears twice",
            id="a List item of a judged kind",
        ),
    ],
)
def test_an_alias_bomb_or_a_duplicate_key_in_a_judged_object_is_an_input_error(
    document: str, expected: str
) -> None:
    result = auditor("--once", "-f", "-", stdin=stream(DRIFTED, document))
    assert_clean_failure(result, prog="auditor")
    assert expected in result.stderr


def test_a_duplicate_key_in_a_skipped_kind_does_not_stop_the_audit() -> None:
    document = configmap(" {a: '1', a: '2'}")
    result = auditor("--once", "-f", "-", stdin=stream(DRIFTED, document))
    assert (result.returncode, result.stderr) == (1, "")


def test_json_is_read_as_json_load_reads_it_the_last_duplicate_winning() -> None:
    namespace = '{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "customer-1"}}'
    service = (
        '{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "a", "namespace": "x", '
        '"name": "b-mosquitto-exporter", "namespace": "customer-1"}}'
    )
    result = auditor("--once", "-f", "-", "-o", "json", stdin=f"{namespace}\n{service}\n")
    assert result.returncode == 1, result.stderr
    assert json.loads(result.stdout)["findings"][0]["name"] == "b-mosquitto-exporter"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            '{"apiVersion": "v1", "kind": "ConfigMap", "data": ' + "[" * 1000 + "]" * 1000 + "}",
            "<stdin>: document 1: nested too deeply to read",
            id="JSON nested 1,000 levels deep",
        ),
        pytest.param(
            "[" * 100_000 + "]" * 100_000,
            "<stdin>: document 1: nested too deeply to read",
            id="JSON nested 100,000 levels deep",
        ),
        pytest.param(
            "a: " + "[" * 100_000, "not valid YAML: exceeded maximum nesting depth", id="YAML ["
        ),
        pytest.param(
            "- " * 100_000 + "x", "not valid YAML: exceeded maximum nesting depth", id="YAML - - -"
        ),
    ],
)
def test_deep_nesting_is_a_clear_error_not_a_crash(text: str, expected: str) -> None:
    result = auditor("--once", "-f", "-", stdin=text)
    assert_clean_failure(result, prog="auditor")
    assert expected in result.stderr


def test_a_judged_object_nested_just_under_the_parsers_limit_is_never_an_internal_error() -> None:
    document = (
        "apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: customer-1}\n"
        "spec: {selector: {app: " + "[" * 990 + "]" * 990 + "}}\n"
    )
    result = auditor("--once", "-f", "-", stdin=stream(DRIFTED, document))
    if result.returncode == 2:  # the core may read the value, or refuse it: never crash on it
        assert_clean_failure(result, prog="auditor")
        assert "<stdin>: document 3: nested too deeply to read" in result.stderr
    else:
        assert (result.returncode, result.stderr) == (1, "")


def test_yaml_nested_just_under_the_parsers_limit_is_read_and_skipped() -> None:
    document = configmap(" " + "[" * 900 + "]" * 900)
    result = auditor("--once", "-f", "-", stdin=stream(DRIFTED, document))
    assert (result.returncode, result.stderr) == (1, "")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            deployment().replace("spec:\n", "spec:\n  replicas: " + "7" * 5000 + "\n", 1),
            "<stdin>: document 1 (line 5): not valid YAML: '77777777777777777777...' is not "
            "an integer of at most 4,300 digits",
            id="YAML",
        ),
        pytest.param(
            '{"apiVersion": "v1", "kind": "ConfigMap", "data": ' + "7" * 5000 + "}",
            "<stdin>: document 1: not valid JSON: an integer with too many digits",
            id="JSON",
        ),
    ],
)
def test_an_integer_with_thousands_of_digits_is_an_input_error(text: str, expected: str) -> None:
    result = auditor("--once", "-f", "-", stdin=text)
    assert_clean_failure(result, prog="auditor")
    assert expected in result.stderr
