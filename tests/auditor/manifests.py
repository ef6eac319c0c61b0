"""Small manifests for reading tests: a drifted namespace that any input can join."""

DRIFTED = (
    "apiVersion: v1\nkind: Namespace\nmetadata: {name: customer-1}\n---\n"
    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x-mosquitto-exporter, "
    "namespace: customer-1}\nspec:\n  template:\n    spec:\n      containers:\n"
    "      - {name: e, image: sapcc/mosquitto-exporter:0.8.0}\n"
)


def configmap(data: str) -> str:
    """A ConfigMap document (a kind tiergate skips) whose `data:` is the given YAML."""
    metadata = "metadata: {name: c, namespace: customer-1}"
    return f"apiVersion: v1\nkind: ConfigMap\n{metadata}\ndata:{data}\n"


def deployment(*, labels: str = "{}", image: str = "sapcc/mosquitto-exporter:0.8.0") -> str:
    """An exporter Deployment in customer-1 with the given labels (YAML flow text)."""
    return (
        "apiVersion: apps/v1\nkind: Deployment\n"
        f"metadata: {{name: d-mosquitto-exporter, namespace: customer-1, labels: {labels}}}\n"
        f"spec:\n  template:\n    spec:\n      containers:\n      - {{name: e, image: {image}}}\n"
    )


def stream(*documents: str) -> str:
    """Documents joined into one YAML stream."""
    return "---\n".join(documents)
