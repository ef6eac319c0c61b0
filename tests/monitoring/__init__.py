"""Tests of the alert rules and the dashboard, with the real promtool."""
