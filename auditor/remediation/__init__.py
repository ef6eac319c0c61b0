"""Safe remediation of the drift an audit found: plan, grace, circuit breaker, act, trace.

A wrong verdict must never become a deleted production workload: every module
here exists to narrow what may be written, and each write is judged again first.
"""
