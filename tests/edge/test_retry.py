"""How long the API client waits before trying again."""

from tiergate_edge.retry import RetryPolicy


def test_retry_after_is_waited_as_the_server_asks_even_beyond_the_backoff_ceiling() -> None:
    assert RetryPolicy().delay(0, retry_after=30.0) == 30.0


def test_a_backoff_setting_above_the_ceiling_is_honoured_and_jittered_below_it() -> None:
    policy = RetryPolicy(backoff_seconds=20.0)
    delays = [policy.delay(0, retry_after=None) for _ in range(50)]
    assert all(10.0 <= d <= 20.0 for d in delays)


def test_the_backoff_doubles_up_to_its_ceiling() -> None:
    policy = RetryPolicy(backoff_seconds=0.5, backoff_max_seconds=8.0)
    assert all(1.0 <= policy.delay(2, retry_after=None) <= 2.0 for _ in range(50))
    assert all(policy.delay(10, retry_after=None) <= 8.0 for _ in range(50))
