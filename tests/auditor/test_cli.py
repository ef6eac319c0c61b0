"""`auditor --once -f`, run as a real process: reports, exit codes and input errors."""

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.auditor.process import ROOT, assert_clean_failure, auditor, environment

EXAMPLES = ROOT / "examples"
EXPORTER = "3c44d0b1-customer-instance-mosquitto-exporter"
HELM_RENDER = (EXAMPLES / "helm-template-starter.yaml").read_text(encoding="utf-8")


def audit_helm_render(*args: str, render: str = HELM_RENDER) -> subprocess.CompletedProcess[str]:
    """A `helm template` render (the example's by default) on stdin, judged in customer-9a1c44e2."""
    return auditor("--once", "-f", "-", "--namespace", "customer-9a1c44e2", *args, stdin=render)


def test_the_example_snapshot_reports_the_leftover_stack_and_the_missing_exporter() -> None:
    result = auditor("--once", "-f", "examples/cluster-snapshot.yaml")
    assert result.returncode == 1, result.stderr
    assert f"Deployment/{EXPORTER}" in result.stdout
    assert f"ServiceMonitor/{EXPORTER}" in result.stdout
    assert "missing   mosquitto-exporter  customer-e91b02f7" in result.stdout
    assert "waste: 1 unwanted workload in 1 namespace, requesting 100m CPU and 128Mi memory" in (
        result.stdout
    )
    assert "customer-abc12345" not in result.stdout


def test_the_json_report_has_the_documented_schema() -> None:
    result = auditor("--once", "-f", "examples/cluster-snapshot.yaml", "-o", "json")
    report = json.loads(result.stdout)
    assert {"schemaVersion", "complete", "findings", "undetermined", "summary"} <= report.keys()
    assert report["complete"] is True
    findings = {(f["drift"], f["kind"], f["name"]) for f in report["findings"]}
    assert findings == {
        ("unwanted", "Deployment", EXPORTER),
        ("unwanted", "Service", EXPORTER),
        ("unwanted", "ServiceMonitor", EXPORTER),
        ("missing", "Namespace", "customer-e91b02f7"),
    }
    first = report["findings"][0]
    assert {"rule", "drift", "namespace", "kind", "name", "reason", "fixHint"} <= first.keys()
    assert report["summary"]["waste"]["requests"] == {
        "cpuMillicores": 100,
        "memoryBytes": 134217728,
        "cpu": "100m",
        "memory": "128Mi",
    }
    assert result.returncode == 1


def test_a_compliant_snapshot_exits_zero() -> None:
    result = auditor("--once", "-f", "examples/compliant-snapshot.yaml")
    assert (result.returncode, result.stderr) == (0, "")
    assert "No drift found." in result.stdout


def test_helm_template_output_on_stdin_is_judged_in_the_given_namespace() -> None:
    result = audit_helm_render("--namespace-labels", "tier=starter", "-o", "markdown")
    assert result.returncode == 1, result.stderr
    assert "| unwanted | mosquitto-exporter | customer-9a1c44e2 | Deployment/" in result.stdout


def test_helm_template_output_with_an_enterprise_label_set_passes() -> None:
    result = audit_helm_render("--namespace-labels", "tier=enterprise,monitoring.dedicated=true")
    assert result.returncode == 0, result.stdout


def test_helm_template_output_without_a_namespace_exits_2_naming_what_is_missing() -> None:
    result = auditor("--once", "-f", "-", stdin=HELM_RENDER)
    assert result.returncode == 2
    assert "pass --namespace NAME and --namespace-labels" in result.stderr
    assert "Undetermined (not judged)" in result.stdout


def test_a_namespace_without_labels_exits_2_asking_for_them() -> None:
    result = audit_helm_render()
    assert result.returncode == 2
    assert (
        "the labels of namespace customer-9a1c44e2 are unknown: pass --namespace-labels"
        in result.stderr
    )


def test_a_directory_is_read_recursively(tmp_path: Path) -> None:
    nested = tmp_path / "cluster" / "nested"
    nested.mkdir(parents=True)
    snapshot = (EXAMPLES / "cluster-snapshot.yaml").read_text(encoding="utf-8")
    (nested / "snapshot.yml").write_text(snapshot, encoding="utf-8")
    (tmp_path / "cluster" / "notes.txt").write_text("not a manifest", encoding="utf-8")
    result = auditor("--once", "-f", str(tmp_path / "cluster"))
    assert result.returncode == 1, result.stderr
    assert EXPORTER in result.stdout


def test_a_json_list_as_kubectl_prints_it_is_read(tmp_path: Path) -> None:
    items = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "customer-1"}},
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "x", "namespace": "customer-1"},
            "spec": {
                "template": {"spec": {"containers": [{"name": "e", "image": "mosquitto-exporter"}]}}
            },
        },
    ]
    path = tmp_path / "get.json"
    path.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": items}, indent="\t"))
    result = auditor("--once", "-f", str(path), "-o", "json")
    assert result.returncode == 1, result.stderr
    assert json.loads(result.stdout)["findings"][0]["name"] == "x"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(
            "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\nkind: Pod\n"
            "metadata:\n  name: a: b\n",
            "broken.yaml: document 2 (line 7): not valid YAML: mapping values are not allowed",
            id="a YAML syntax error names the file and the document",
        ),
        pytest.param(
            "---\napiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\n- a list\n",
            "broken.yaml: document 2: expected a Kubernetes object (a mapping), found a list",
            id="a document that is not an object is named",
        ),
        pytest.param(
            "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, metadata: {name: a}}\n",
            "broken.yaml: document 1, item 1: the document has no 'kind'",
            id="an item without a kind is named with its index",
        ),
        pytest.param(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d, namespace: n}\n"
            "spec:\n  replicas: two\n  template: {spec: {containers: []}}\n",
            "broken.yaml: document 1: Deployment d: spec.replicas: expected a non-negative "
            "integer, got 'two'",
            id="a malformed field is named",
        ),
    ],
)
def test_a_broken_file_exits_2_naming_the_file_and_document(
    tmp_path: Path, content: str, expected: str
) -> None:
    (tmp_path / "broken.yaml").write_text(content, encoding="utf-8")
    result = auditor("--once", "-f", str(tmp_path / "broken.yaml"))
    assert result.returncode == 2
    assert expected in result.stderr
    assert result.stdout == ""


def test_a_missing_file_exits_2() -> None:
    result = auditor("--once", "-f", "does-not-exist.yaml")
    assert result.returncode == 2
    assert "does-not-exist.yaml: no such file or directory" in result.stderr


def test_a_bad_config_exits_2_naming_the_field(tmp_path: Path) -> None:
    config = tmp_path / "rules.yaml"
    config.write_text("rules:\n  - name: x\n    componnet: {}\n", encoding="utf-8")
    result = auditor("--once", "-f", "examples/compliant-snapshot.yaml", "--config", str(config))
    assert result.returncode == 2
    assert f"{config}: rules[0].componnet: unknown field" in result.stderr


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param(
            ("--namespace-labels", "tier=starter"),
            "--namespace-labels needs --namespace NAME",
            id="namespace labels without a namespace",
        ),
        pytest.param(
            ("--namespace", "n", "--namespace-labels", "tier"),
            "--namespace-labels: 'tier' is not key=value",
            id="a label without a value",
        ),
        pytest.param(
            ("--namespace", "Customer_1"),
            "--namespace: 'Customer_1' must be a DNS label",
            id="a namespace name that is not a DNS label",
        ),
    ],
)
def test_a_bad_flag_exits_2_naming_it(args: tuple[str, ...], expected: str) -> None:
    result = auditor("--once", "-f", "examples/compliant-snapshot.yaml", *args)
    assert result.returncode == 2
    assert expected in result.stderr


def test_files_without_once_are_refused_because_only_the_cluster_is_watched() -> None:
    result = auditor("-f", "examples/compliant-snapshot.yaml")
    assert_clean_failure(result, prog="auditor")
    assert "-f is for `--once`" in result.stderr


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--interval", "soon"), "--interval"),
        (("--interval", "0.5s"), "--interval"),
        (("--metrics-port", "70000"), "--metrics-port"),
        (("--lease-name", "Not_A_Name"), "--lease-name"),
        (("--lease-retry-period", "0"), "--lease-retry-period"),
    ],
)
def test_a_bad_continuous_mode_flag_exits_2_naming_it(
    args: tuple[str, ...], expected: str, tmp_path: Path
) -> None:
    result = auditor(*args, env=environment(KUBECONFIG=str(tmp_path / "none")))
    assert_clean_failure(result, prog="auditor")
    assert expected in result.stderr


def test_once_without_files_and_without_a_kubeconfig_says_there_is_no_cluster(
    tmp_path: Path,
) -> None:
    missing = tmp_path / "no-such-kubeconfig"
    result = auditor("--once", env=environment(KUBECONFIG=str(missing)))
    assert_clean_failure(result, prog="auditor")
    assert f"$KUBECONFIG names {missing}, which cannot be read" in result.stderr


def test_a_flow_style_yaml_document_that_looks_like_json_is_read_as_yaml(tmp_path: Path) -> None:
    path = tmp_path / "flow.yaml"
    path.write_text(
        "{apiVersion: v1, kind: Namespace, metadata: {name: customer-1}}\n"
        "---\n"
        "{apiVersion: v1, kind: Service, metadata: {name: x-mosquitto-exporter, "
        "namespace: customer-1}}\n",
        encoding="utf-8",
    )
    result = auditor("--once", "-f", str(path))
    assert result.returncode == 1, result.stderr
    assert "orphaned  mosquitto-exporter  customer-1  Service/x-mosquitto-exporter" in result.stdout


@pytest.mark.parametrize(
    ("args", "stdin"),
    [
        pytest.param(("-f", "-"), "", id="empty standard input"),
        pytest.param(("-f", "-"), "---\n# only comments\n", id="a stream of empty documents"),
        pytest.param(
            ("-f", "-"),
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n",
            id="only kinds tiergate never judges",
        ),
    ],
)
def test_input_without_objects_to_judge_exits_2(args: tuple[str, ...], stdin: str) -> None:
    result = auditor("--once", *args, stdin=stdin)
    assert result.returncode == 2
    assert "<stdin>: no Kubernetes objects of the kinds tiergate judges" in result.stderr


def test_a_directory_holding_only_subdirectories_named_like_manifests_exits_2(
    tmp_path: Path,
) -> None:
    (tmp_path / "d" / "x.yaml").mkdir(parents=True)
    result = auditor("--once", "-f", str(tmp_path / "d"))
    assert result.returncode == 2
    assert "the directory holds no .yaml, .yml or .json files" in result.stderr


def test_a_json_file_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    path = tmp_path / "ns.json"
    document = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "customer-1"}}
    path.write_text("\ufeff" + json.dumps(document), encoding="utf-8")
    result = auditor("--once", "-f", str(path))
    assert result.returncode == 0, result.stderr


def test_an_unrelated_custom_resource_does_not_stop_the_audit(tmp_path: Path) -> None:
    path = tmp_path / "crd.yaml"
    path.write_text(
        "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: [1, 2]\n",
        encoding="utf-8",
    )
    result = auditor("--once", "-f", str(path), "-f", "examples/compliant-snapshot.yaml")
    assert result.returncode == 0, result.stderr


def test_the_same_file_given_twice_counts_each_object_once() -> None:
    snapshot = "examples/cluster-snapshot.yaml"
    result = auditor("--once", "-f", snapshot, "-f", snapshot, "-o", "json")
    summary = json.loads(result.stdout)["summary"]
    assert summary["objects"] == 70
    assert summary["waste"]["requests"]["cpu"] == "100m"


def test_namespace_labels_that_replace_a_namespace_object_say_so(tmp_path: Path) -> None:
    path = tmp_path / "ns.yaml"
    path.write_text(
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: customer-9a1c44e2\n"
        "  labels: {monitoring.dedicated: 'true'}\n",
        encoding="utf-8",
    )
    result = audit_helm_render("-f", str(path), "--namespace-labels", "tier=starter")
    assert result.returncode == 1
    assert (
        "note: --namespace-labels replace the labels of the Namespace customer-9a1c44e2"
        in result.stderr
    )


def test_an_object_without_a_name_is_an_input_error() -> None:
    document = "apiVersion: v1\nkind: Service\nmetadata: null\nspec: {}\n"
    result = auditor("--once", "-f", "-", stdin=document)
    assert result.returncode == 2
    assert "<stdin>: document 1: the Service has no metadata.name" in result.stderr


def test_an_out_of_range_quantity_is_an_input_error_not_a_crash() -> None:
    document = (
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: n}\nspec:\n  containers:\n"
        "  - {name: c, image: mosquitto-exporter, resources: {requests: {cpu: 1e1000000}}}\n"
    )
    result = auditor("--once", "-f", "-", stdin=document)
    assert result.returncode == 2
    assert "spec.containers[0].resources.requests.cpu: '1e1000000' is out of range" in (
        result.stderr
    )


def test_the_same_object_with_and_without_a_uid_counts_once(tmp_path: Path) -> None:
    manifest = (
        "apiVersion: v1\nkind: Service\nmetadata: {name: x-mosquitto-exporter, namespace: n}\n"
    )
    (tmp_path / "manifest.yaml").write_text(manifest, encoding="utf-8")
    snapshot = manifest.replace("namespace: n}", "namespace: n, uid: u-1}")
    (tmp_path / "snapshot.yaml").write_text(snapshot, encoding="utf-8")
    result = auditor("--once", "-f", str(tmp_path), "-o", "json")
    assert len(json.loads(result.stdout)["findings"]) == 1


def test_a_pod_error_is_reported_once() -> None:
    document = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: n, labels: {a: [1]}}\n"
    result = auditor("--once", "-f", "-", stdin=document)
    assert result.returncode == 2
    assert result.stderr.count("metadata.labels.a: expected a string") == 1


@pytest.mark.parametrize(
    "document",
    [
        pytest.param(
            "apiVersion: batch/v1\nkind: Job\nmetadata: {name: j, namespace: n}\n"
            "spec: {template: {spec: {containers: []}}}\nstatus: {conditions: 5}\n",
            id="job conditions that are not a list",
        ),
        pytest.param(
            "apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\n"
            "metadata: {name: m, namespace: n}\nspec: {selector: {matchExpressions: 5}}\n",
            id="monitor expressions that are not a list",
        ),
    ],
)
def test_malformed_fields_tiergate_only_glances_at_are_no_internal_error(document: str) -> None:
    result = auditor("--once", "-f", "-", stdin=document)
    assert "internal error" not in result.stderr
    assert (result.returncode, result.stderr) == (0, "")


def test_an_empty_pod_namespace_variable_falls_back_to_the_default() -> None:
    result = auditor(
        "--once",
        "-f",
        "examples/compliant-snapshot.yaml",
        env={**os.environ, "POD_NAMESPACE": ""},
    )
    assert result.returncode == 0, result.stderr


def test_a_render_into_namespace_default_explains_helm_templates_n_flag() -> None:
    render = HELM_RENDER.replace("metadata:\n  name:", "metadata:\n  namespace: default\n  name:")
    result = audit_helm_render("--namespace-labels", "tier=starter", render=render)
    assert result.returncode == 2
    assert "render with -n customer-9a1c44e2" in result.stderr
