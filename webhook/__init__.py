"""The tiergate validating admission webhook.

Denies a tier-gated component at admission time in a namespace whose labels do
not allow it. The judging is the policy core's; this package does HTTP and TLS.
"""
