"""Token buckets for rate limits (login attempts, and pings per token), kept in memory.

Pure: the caller passes `now`. Each key has a bucket of `capacity` tokens that refills at
`capacity` per `period`; a request takes one token or learns how long to wait. The number of
keys is bounded, so a flood of distinct keys costs memory for at most `max_keys` buckets.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class _Bucket:
    tokens: float
    at: datetime


class RateLimiter:
    def __init__(self, capacity: int, period: float, *, max_keys: int = 100_000) -> None:
        self.capacity = capacity
        self.rate = capacity / period  # tokens a second
        self.max_keys = max_keys
        self._buckets: dict[str, _Bucket] = {}

    def retry_after(self, key: str, now: datetime) -> int:
        """Whole seconds until `key` may go on; 0 if it may now (nothing is taken)."""
        bucket = self._refilled(key, now)
        if bucket is None or bucket.tokens >= 1:
            return 0
        return max(1, math.ceil((1 - bucket.tokens) / self.rate))

    def take(self, key: str, now: datetime) -> int:
        """Take a token if there is one (0), or say how many seconds to wait (nothing taken)."""
        wait = self.retry_after(key, now)
        if wait:
            return wait
        bucket = self._buckets.get(key)
        if bucket is None:
            self._make_room()
            bucket = self._buckets[key] = _Bucket(float(self.capacity), now)
        bucket.tokens -= 1
        return 0

    def forget(self, key: str) -> None:
        self._buckets.pop(key, None)

    def _refilled(self, key: str, now: datetime) -> _Bucket | None:
        bucket = self._buckets.get(key)
        if bucket is None:
            return None
        elapsed = max((now - bucket.at).total_seconds(), 0.0)
        bucket.tokens = min(self.capacity, bucket.tokens + elapsed * self.rate)
        bucket.at = now
        return bucket

    def _make_room(self) -> None:
        while len(self._buckets) >= self.max_keys:
            # The oldest-made bucket goes first: dicts keep insertion order.
            self._buckets.pop(next(iter(self._buckets)))


LOGIN_WINDOW = 15 * 60


@dataclass
class LoginLimits:
    """Failed logins allowed per account and per client address, per 15 minutes: enough for
    people who mistype, too few for guessing."""

    by_account: RateLimiter = field(default_factory=lambda: RateLimiter(10, LOGIN_WINDOW))
    by_address: RateLimiter = field(default_factory=lambda: RateLimiter(50, LOGIN_WINDOW))

    def retry_after(self, account: str, address: str, now: datetime) -> int:
        return max(self.by_account.retry_after(account.lower(), now),
                   self.by_address.retry_after(address, now))

    def failed(self, account: str, address: str, now: datetime) -> None:
        self.by_account.take(account.lower(), now)
        self.by_address.take(address, now)
