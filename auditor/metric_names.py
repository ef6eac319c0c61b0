"""The auditor's Prometheus metric names: the one place they are spelled.

The metrics module registers them, the alert rules and the dashboard query
them, and a test fails when those diverge. Labels are bounded (DESIGN.md
"Metrics"): a namespace label appears only on series for namespaces with drift.
"""

PREFIX = "tiergate_auditor_"

# Drift, from the last complete pass of this replica as leader (a custom collector).
NAMESPACE_DRIFT = PREFIX + "namespace_drift_objects"  # rule, namespace, kind, drift, dormant
DRIFT_OBJECTS = PREFIX + "drift_objects"  # rule, drift, dormant
DRIFT_NAMESPACES = PREFIX + "drift_namespaces"  # rule, drift, dormant
UNDETERMINED_OBJECTS = PREFIX + "undetermined_objects"  # rule
WASTE_CPU = PREFIX + "waste_cpu_cores"  # rule: CPU requested by unwanted running components
WASTE_MEMORY = PREFIX + "waste_memory_bytes"  # rule
WASTE_WORKLOADS = PREFIX + "waste_workloads"  # rule
LAST_COMPLETE_PASS = PREFIX + "last_complete_pass_timestamp_seconds"
OBJECTS_SCANNED = PREFIX + "objects_scanned"  # kind, in the last complete pass

# The loop itself.
INTERVAL = PREFIX + "interval_seconds"
PASS_DURATION = PREFIX + "pass_duration_seconds"  # histogram
PASS_OVERRUNS = PREFIX + "pass_overruns_total"  # passes that took longer than the interval
PASSES = PREFIX + "passes_total"  # result: complete | incomplete | failed | abandoned
API_ERRORS = PREFIX + "api_errors_total"  # code: HTTP status, or "connection"
LEADER = PREFIX + "leader"  # 1 on the replica that holds the Lease
LEADER_TRANSITIONS = PREFIX + "leader_transitions_total"

# Remediation.
REMEDIATIONS = PREFIX + "remediations_total"  # rule, action, result, mode
CIRCUIT_BREAKER_OPEN = PREFIX + "circuit_breaker_open"
GRACE_PENDING = PREFIX + "remediation_pending_stacks"  # rule: unwanted, within the grace period
