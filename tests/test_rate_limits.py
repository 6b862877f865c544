"""Token-bucket rate limits, with exact instants."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cronbeat.ratelimit import RateLimiter

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def test_a_key_may_go_on_until_its_bucket_is_empty_then_waits_for_a_refill() -> None:
    limiter = RateLimiter(capacity=3, period=60)
    assert [limiter.take("a", T0) for _ in range(3)] == [0, 0, 0]
    assert limiter.take("a", T0) == 20  # one token comes back every 20 s
    assert limiter.take("a", T0 + timedelta(seconds=19)) == 1
    assert limiter.take("a", T0 + timedelta(seconds=20)) == 0
    assert limiter.take("a", T0 + timedelta(seconds=20)) == 20


def test_keys_do_not_share_a_bucket() -> None:
    limiter = RateLimiter(capacity=1, period=10)
    assert limiter.take("a", T0) == 0
    assert limiter.take("a", T0) == 10
    assert limiter.take("b", T0) == 0


def test_a_bucket_never_fills_beyond_its_capacity() -> None:
    limiter = RateLimiter(capacity=2, period=10)
    limiter.take("a", T0)
    later = T0 + timedelta(hours=5)
    assert [limiter.take("a", later) for _ in range(3)] == [0, 0, 5]


def test_retry_after_only_looks_and_forget_empties_the_bucket() -> None:
    limiter = RateLimiter(capacity=1, period=30)
    assert limiter.retry_after("a", T0) == 0
    assert limiter.retry_after("a", T0) == 0
    limiter.take("a", T0)
    assert limiter.retry_after("a", T0) == 30
    limiter.forget("a")
    assert limiter.retry_after("a", T0) == 0


def test_the_number_of_buckets_is_bounded() -> None:
    limiter = RateLimiter(capacity=1, period=60, max_keys=100)
    for n in range(1000):
        limiter.take(f"key-{n}", T0)
    assert len(limiter._buckets) == 100
    assert limiter.retry_after("key-999", T0) == 60
    assert limiter.retry_after("key-0", T0) == 0  # the oldest were let go
