"""The tiergate drift auditor.

Finds components that already run where their rule does not allow them (or are
missing where expected), reports them, and in later stages exports metrics and
remediates. The judging itself is the policy core's; this package does the I/O.
"""
