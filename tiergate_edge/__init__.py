"""The edge both programs share: reading files and YAML, exit codes, error messages.

The policy core (`tiergate`) does no I/O; the `auditor` and the `webhook` must
read input and report failure the same way, so that code lives here, once.
"""
