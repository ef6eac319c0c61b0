"""The tiergate policy core.

Rules, classification of Kubernetes objects and drift findings live here so that
the webhook and the auditor judge every object the same way. The core is pure:
no I/O, no HTTP server, no Kubernetes client, no metrics.
"""
