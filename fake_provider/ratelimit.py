"""Per-API-key RPM and TPM buckets that refill continuously, as OpenAI's limiter does."""

from __future__ import annotations

import math
from dataclasses import dataclass

from mypy_extensions import mypyc_attr

from fake_provider.config import RateLimits
from fake_provider.record_builder import record_builder

#: Stand-in for "no limit" so every response can still carry x-ratelimit-* headers.
UNLIMITED = 1_000_000_000


@dataclass(slots=True)
class _Bucket:
    capacity: float
    level: float
    updated_s: float

    def refill(self, capacity: float, now_s: float) -> None:
        rate = capacity / 60.0
        self.level = min(capacity, self.level + (now_s - self.updated_s) * rate)
        self.capacity = capacity
        self.updated_s = now_s

    def wait_for(self, amount: float) -> float:
        """Seconds until ``amount`` is available (inf when it never fits)."""
        if amount > self.capacity:
            return math.inf
        return max(0.0, (amount - self.level) * 60.0 / self.capacity)

    def reset_s(self) -> float:
        return (self.capacity - self.level) * 60.0 / self.capacity


@mypyc_attr(native_class=False)
@dataclass(frozen=True, slots=True)
class Admission:
    """The limiter's answer for one request, with everything the headers need."""

    admitted: bool
    #: Which limit refused it: ``requests`` or ``tokens`` (``None`` when admitted).
    limit_type: str | None
    wait_s: float
    limit_requests: int
    remaining_requests: int
    reset_requests_s: float
    limit_tokens: int
    remaining_tokens: int
    reset_tokens_s: float
    requested_tokens: int
    used_tokens: int


_new_admission = record_builder(Admission)


@mypyc_attr(native_class=False)
class RateLimiter:
    """Token buckets per API key; admission costs one request and prompt + max_tokens tokens.

    Example::

        limiter = RateLimiter(RateLimits(tpm=60_000, rpm=100))
        admission = limiter.admit("sk-1", cost_tokens=1200, now_s=12.5)
    """

    __slots__ = ("_buckets", "limits")

    def __init__(self, limits: RateLimits) -> None:
        self.limits = limits
        self._buckets: dict[str, tuple[_Bucket, _Bucket]] = {}

    def admit(
        self,
        api_key: str,
        cost_tokens: int,
        now_s: float,
        *,
        rpm: int | None = None,
        tpm: int | None = None,
    ) -> Admission:
        """Charge one request if both buckets allow it; ``rpm``/``tpm`` override (quota cut)."""
        rpm_cap = float(rpm if rpm is not None else self.limits.rpm or UNLIMITED)
        tpm_cap = float(tpm if tpm is not None else self.limits.tpm or UNLIMITED)
        pair = self._buckets.get(api_key)
        if pair is None:
            pair = (_Bucket(rpm_cap, rpm_cap, now_s), _Bucket(tpm_cap, tpm_cap, now_s))
            self._buckets[api_key] = pair
        requests, tokens = pair
        requests.refill(rpm_cap, now_s)
        tokens.refill(tpm_cap, now_s)
        wait_requests = requests.wait_for(1.0)
        wait_tokens = tokens.wait_for(float(cost_tokens))
        limit_type: str | None = None
        wait_s = 0.0
        if wait_requests > 0:
            limit_type, wait_s = "requests", wait_requests
        elif wait_tokens > 0:
            limit_type, wait_s = "tokens", wait_tokens
        else:
            requests.level -= 1.0
            tokens.level -= cost_tokens
        return _new_admission(
            admitted=limit_type is None,
            limit_type=limit_type,
            wait_s=wait_s,
            limit_requests=int(rpm_cap),
            remaining_requests=max(0, int(requests.level)),
            reset_requests_s=requests.reset_s(),
            limit_tokens=int(tpm_cap),
            remaining_tokens=max(0, int(tokens.level)),
            reset_tokens_s=tokens.reset_s(),
            requested_tokens=cost_tokens,
            used_tokens=int(tpm_cap - tokens.level),
        )

    def snapshot(self, now_s: float) -> dict[str, dict[str, float]]:
        """Current levels per key (admin state), refilled to ``now_s``."""
        out = {}
        for key, (requests, tokens) in self._buckets.items():
            requests.refill(requests.capacity, now_s)
            tokens.refill(tokens.capacity, now_s)
            out[key] = {
                "remaining_requests": requests.level,
                "limit_requests": requests.capacity,
                "remaining_tokens": tokens.level,
                "limit_tokens": tokens.capacity,
            }
        return out


def format_reset(seconds: float) -> str:
    """Format a wait as OpenAI's reset headers do: ``20ms``, ``1.5s``, ``6m0s``, ``1h2m3s``."""
    if not math.isfinite(seconds):
        return "1h0m0s"
    if seconds < 1.0:
        return f"{max(0, math.ceil(seconds * 1000))}ms"
    if seconds < 60.0:
        text = f"{seconds:.3f}".rstrip("0").rstrip(".")
        return f"{text}s"
    whole = math.ceil(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h{minutes}m{secs}s" if hours else f"{minutes}m{secs}s"
