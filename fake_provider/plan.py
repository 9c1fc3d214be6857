"""Shared planning pieces: request context, per-request randomness, headers, error plans."""

from __future__ import annotations

import _random
import hashlib
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import orjson
from mypy_extensions import mypyc_attr

from fake_provider.config import Fault
from fake_provider.errors import ApiError
from fake_provider.ratelimit import Admission, format_reset
from fake_provider.record_builder import record_builder
from fake_provider.records import ResponsePlan, new_response_plan, new_truth_record
from fake_provider.state import ProviderState
from fake_provider.timeline import stable_hash64


@mypyc_attr(native_class=False)
@dataclass(frozen=True, slots=True)
class RequestContext:
    """Who sent a request and when, plus the client's idempotency hints."""

    t_s: float
    api_key: str
    request_id: str
    #: ``x-client-request-id``: lets identical bodies from different callers differ.
    client_request_id: str | None = None
    #: ``x-stainless-retry-count`` (sent by the official SDKs): a retry is a new draw.
    retry_count: str | None = None
    #: ``x-gameday-session``: the agent session a request belongs to.
    session: str | None = None


_new_context = record_builder(RequestContext)


def request_key(state: ProviderState, ctx: RequestContext, content: bytes) -> int:
    """64-bit identity of a request: scenario seed + what was asked + the client's hints.

    It does not depend on arrival order, so outcomes do not either.
    """
    h = hashlib.blake2b(content, digest_size=8, key=str(state.config.seed).encode()[:64])
    if ctx.client_request_id:
        h.update(b"\x1fcid:" + ctx.client_request_id.encode())
    if ctx.retry_count:
        h.update(b"\x1fretry:" + ctx.retry_count.encode())
    return int.from_bytes(h.digest(), "little")


def session_key(state: ProviderState, ctx: RequestContext, user: str | None) -> int | None:
    """Identity of the session (header, else the OpenAI ``user`` field), if any."""
    name = ctx.session or user
    return stable_hash64(state.config.seed, "session", name) if name else None


@mypyc_attr(native_class=False)
class _RequestRandom(random.Random):
    """``random.Random(key)`` for an integer key, seeded by the C seed directly: the same
    state and draws without ``Random.__init__`` and ``Random.seed`` in Python."""

    def __init__(self, key: int) -> None:
        _random.Random.seed(self, key)
        self.gauss_next = None


def request_rng(key: int) -> random.Random:
    """The random generator of one request."""
    return _RequestRandom(key)


def ratelimit_headers(adm: Admission | None) -> list[tuple[str, str]]:
    """``x-ratelimit-*`` headers (and ``retry-after`` on a refusal)."""
    if adm is None:
        return []
    headers = [
        ("x-ratelimit-limit-requests", str(adm.limit_requests)),
        ("x-ratelimit-limit-tokens", str(adm.limit_tokens)),
        ("x-ratelimit-remaining-requests", str(adm.remaining_requests)),
        ("x-ratelimit-remaining-tokens", str(adm.remaining_tokens)),
        ("x-ratelimit-reset-requests", format_reset(adm.reset_requests_s)),
        ("x-ratelimit-reset-tokens", format_reset(adm.reset_tokens_s)),
    ]
    if not adm.admitted:
        headers.extend(retry_after_headers(adm.wait_s if math.isfinite(adm.wait_s) else 60.0))
    return headers


def retry_after_headers(wait_s: float) -> list[tuple[str, str]]:
    """``retry-after`` (whole seconds, rounded up) and ``retry-after-ms`` (the exact wait)."""
    return [
        ("retry-after", str(max(1, math.ceil(wait_s)))),
        ("retry-after-ms", str(max(1, math.ceil(wait_s * 1000)))),
    ]


def common_headers(ctx: RequestContext, processing_s: float) -> list[tuple[str, str]]:
    """Headers on every answer."""
    return [
        ("x-request-id", ctx.request_id),
        ("openai-processing-ms", str(max(1, round(processing_s * 1000)))),
    ]


def error_plan(
    err: ApiError,
    ctx: RequestContext,
    *,
    model: str = "",
    endpoint: str = "chat",
    admission: Admission | None = None,
    fault_ids: Sequence[str] = (),
    extra_headers: Sequence[tuple[str, str]] = (),
    delay_s: float = 0.0,
    input_tokens: int = 0,
) -> ResponsePlan:
    """A plan that answers with an OpenAI-shaped error."""
    headers = [*common_headers(ctx, delay_s), *ratelimit_headers(admission), *extra_headers]
    truth = new_truth_record(
        t=ctx.t_s,
        request_id=ctx.request_id,
        api_key=ctx.api_key,
        model=model,
        behaviour=None,
        fault_ids=tuple(fault_ids),
        status=err.status,
        input_tokens=input_tokens,
        output_tokens=0,
        cost_usd=0.0,
        endpoint=endpoint,
        error_code=err.code or err.type,
        planned_latency_s=delay_s,
        session=ctx.session,
        client_request_id=ctx.client_request_id,
    )
    return new_response_plan(err.status, tuple(headers), truth, body=err.body(), delay_s=delay_s)


def rate_limit_error(adm: Admission, model: str) -> ApiError:
    """The 429 OpenAI sends when a bucket is short, naming limit, usage and the wait."""
    if adm.limit_type == "requests":
        what, limit, used, requested = (
            "requests per min (RPM)",
            adm.limit_requests,
            (adm.limit_requests - adm.remaining_requests),
            1,
        )
    else:
        what, limit, used, requested = (
            "tokens per min (TPM)",
            adm.limit_tokens,
            adm.used_tokens,
            adm.requested_tokens,
        )
    if not math.isfinite(adm.wait_s):
        message = (
            f"Request too large for {model} in organization org-gameday on {what}: "
            f"Limit {limit}, Requested {requested}. The input or output tokens must be "
            "reduced in order to run successfully."
        )
    else:
        message = (
            f"Rate limit reached for {model} in organization org-gameday on {what}: "
            f"Limit {limit}, Used {used}, Requested {requested}. Please try again in "
            f"{format_reset(adm.wait_s)}."
        )
    return ApiError(429, message, adm.limit_type or "tokens", None, "rate_limit_exceeded")


MISSING_API_KEY = ApiError(
    401,
    "You didn't provide an API key. Provide it in the Authorization header as 'Bearer YOUR_KEY'.",
    "invalid_request_error",
    None,
    "invalid_api_key",
)


def body_too_large(limit_bytes: int) -> ApiError:
    """The 413 for a body over the configured limit."""
    return ApiError(
        413,
        f"Request body too large: the limit is {limit_bytes} bytes.",
        "invalid_request_error",
        None,
        "request_too_large",
    )


def request_context(
    header: Callable[[str], str | None], state: ProviderState, t_s: float
) -> RequestContext:
    """Who sent the request and the client's hints, from its headers (``header`` looks one up
    by lower-case name), with the next request id; the HTTP server and virtual time share it."""
    auth = header("authorization") or ""
    return _new_context(
        t_s,
        auth[7:].strip() if auth[:7].lower() == "bearer " else "",
        state.next_request_id(),
        header("x-client-request-id"),
        header("x-stainless-retry-count"),
        header("x-gameday-session"),
    )


INSUFFICIENT_QUOTA = ApiError(
    429,
    "You exceeded your current quota, please check your plan and billing details.",
    "insufficient_quota",
    None,
    "insufficient_quota",
)

_SERVER_ERRORS = {
    500: (
        "The server had an error while processing your request. Sorry about that!",
        "server_error",
    ),
    502: ("Bad gateway.", "server_error"),
    503: ("The engine is currently overloaded, please try again later.", "server_error"),
    504: ("Gateway timeout: the upstream model did not answer in time.", "server_error"),
}


def server_error(status: int) -> ApiError:
    """The body OpenAI sends with a 5xx."""
    message, kind = _SERVER_ERRORS.get(status, _SERVER_ERRORS[500])
    return ApiError(status, message, kind, None, None)


def storm_wait_s(key: int) -> float:
    """The wait a storm 429 asks for: 0.5 to 2 s, drawn per request."""
    return 0.5 + 1.5 * ((key >> 7) % 1000) / 1000.0


def fault_ids(faults: Sequence[Fault]) -> tuple[str, ...]:
    """Ids of the faults applied to a request."""
    return tuple(f.id for f in faults)


def dumps(value: object) -> bytes:
    """Compact JSON bytes."""
    return orjson.dumps(value)
