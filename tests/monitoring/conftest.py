"""The promtool fixture for the monitoring tests."""

from tests.monitoring.promtool import promtool

__all__ = ["promtool"]
