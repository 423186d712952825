"""Token bucket per credential (docs/dev/protocol.md#rate-limits), refilled in whole intervals like the server's limiter."""

import hashlib
import math

from .util import Response, now_ms


class RateLimiter:
    """burst tokens, `refill` tokens added every `interval_ms`."""

    def __init__(self, burst=750, refill=250, interval_ms=10_000):
        self.burst = burst
        self.refill = refill
        self.interval_ms = interval_ms
        self.buckets = {}

    def configure(self, burst=None, refill=None, interval_ms=None):
        if burst is not None:
            self.burst = burst
        if refill is not None:
            self.refill = refill
        if interval_ms is not None:
            self.interval_ms = interval_ms
        self.buckets.clear()

    def reset(self):
        self.buckets.clear()

    def take(self, key):
        """Consume one token; returns (allowed, limit, remaining, reset_epoch_ms)."""
        now = now_ms()
        bucket = self.buckets.get(key)
        if bucket is None:
            bucket = [self.burst, now]
            self.buckets[key] = bucket
        elapsed = now - bucket[1]
        if elapsed >= self.interval_ms:
            ticks = elapsed // self.interval_ms
            bucket[0] = min(self.burst, bucket[0] + ticks * self.refill)
            bucket[1] += ticks * self.interval_ms
        reset = bucket[1] + self.interval_ms
        if bucket[0] > 0:
            bucket[0] -= 1
            return True, self.burst, bucket[0], reset
        return False, self.burst, 0, reset


def bucket_key(cred):
    """Per environment for secret keys; per SHA-256 of the token otherwise."""
    if cred.kind == "secret_key":
        return "env:" + cred.env["id"]
    return "tok:" + hashlib.sha256((cred.token or "").encode("utf-8", "replace")).hexdigest()


def headers(limit, remaining, reset):
    return {"x-ratelimit-limit": str(limit), "x-ratelimit-remaining": str(max(0, remaining)), "x-ratelimit-reset": str(reset)}


def too_many(limit, remaining, reset):
    seconds = max(0, math.ceil((reset - now_ms()) / 1000))
    detail = "Rate limit exceeded %d/%d requests remaining. Retry in %d seconds." % (remaining, limit, seconds)
    body = {"title": "Rate Limit Exceeded", "status": 429, "type": "https://developer.mozilla.org/en-US/docs/Web/HTTP/Status/429", "detail": detail,
            "reset": reset, "limit": limit, "remaining": remaining, "secondsUntilReset": seconds, "error": detail}
    return Response(429, body, headers(limit, remaining, reset), "application/problem+json")
