# tiergate's image: the `webhook` and `auditor` commands on a slim Python, as a numeric
# non-root user. The build stage installs the wheels into a venv; the final stage copies
# only that venv, so no pip cache, compiler or source tree ships.
#   docker build -t tiergate:0.1.0 .                 (default target: webhook)
#   docker build --target auditor -t tiergate-auditor:0.1.0 .
# The manifests run one image and name the command (`command: [webhook]`, `[auditor]`).

FROM python:3.12-slim AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
RUN python -m venv /opt/tiergate
COPY pyproject.toml README.md ./
COPY tiergate ./tiergate
COPY tiergate_edge ./tiergate_edge
COPY webhook ./webhook
COPY auditor ./auditor
RUN /opt/tiergate/bin/pip install --no-cache-dir . \
    && /opt/tiergate/bin/pip uninstall --yes pip

FROM python:3.12-slim AS runtime
ENV PATH=/opt/tiergate/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
COPY --from=build /opt/tiergate /opt/tiergate
# 65532: the conventional "nonroot" id; numeric, so runAsNonRoot can verify it.
USER 65532:65532
WORKDIR /tmp

FROM runtime AS auditor
ENTRYPOINT ["auditor"]

FROM runtime AS webhook
EXPOSE 8443 9090
ENTRYPOINT ["webhook"]
