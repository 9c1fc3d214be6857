"""The HTTP layer: aiohttp handlers that render response plans in real time.

Handlers stay thin: parse, ask the core for a plan, render it. Everything about what the
answer is lives in ``plan_chat``/``plan_embeddings``; everything about when bytes go out
lives in :func:`render`.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
from collections.abc import Callable

import orjson
from aiohttp import web

from fake_provider.admin import add_admin_routes
from fake_provider.embeddings import plan_embeddings
from fake_provider.errors import ApiError
from fake_provider.http_errors import (
    Handler,
    add_catch_all,
    errors_as_json,
    http_error_response,
    json_response,
)
from fake_provider.metrics import CONTENT_TYPE
from fake_provider.plan import (
    MISSING_API_KEY,
    RequestContext,
    body_too_large,
    error_plan,
    request_context,
)
from fake_provider.plan_chat import plan_chat
from fake_provider.provider_metrics import ProviderMetrics
from fake_provider.records import ResponsePlan
from fake_provider.request import parse_chat_request, parse_embedding_request, parse_json_object
from fake_provider.state import ProviderState
from fake_provider.truthlog import TruthLog

STATE: web.AppKey[ProviderState] = web.AppKey("state", ProviderState)
TRUTH: web.AppKey[TruthLog] = web.AppKey("truth", TruthLog)
METRICS: web.AppKey[ProviderMetrics] = web.AppKey("metrics", ProviderMetrics)
CLOCK: web.AppKey[Callable[[], float]] = web.AppKey("clock")

_JSON = "application/json"
_DONE = b"data: [DONE]\n\n"
#: Slice of a long wait between checks that the client is still there.
_WAIT_SLICE_S = 0.5


def _api_handler(
    planner: Callable[[dict, RequestContext, ProviderState], ResponsePlan],
    endpoint: str,
    app: web.Application,
) -> Handler:
    # The app's parts are looked up once here, not on every request.
    state, truth, metrics, clock = app[STATE], app[TRUTH], app[METRICS], app[CLOCK]

    async def handle(request: web.Request) -> web.StreamResponse:
        # Plan timings count from here, the request's arrival, so planning time is absorbed.
        arrived = asyncio.get_running_loop().time()
        ctx = request_context(request.headers.get, state, clock() - state.t0_unix)
        try:
            raw = await request.read()
        except web.HTTPRequestEntityTooLarge:
            err = body_too_large(state.config.max_body_bytes)
            return await render(request, error_plan(err, ctx, endpoint=endpoint), arrived)
        except web.HTTPException as exc:
            return http_error_response(request, exc)
        if not ctx.api_key:
            return await render(
                request, error_plan(MISSING_API_KEY, ctx, endpoint=endpoint), arrived
            )
        try:
            plan = planner(parse_json_object(raw), ctx, state)
        except ApiError as err:
            plan = error_plan(err, ctx, endpoint=endpoint)
        if plan.immediate:
            return _answer_now(plan, metrics, truth)
        return await render(request, plan, arrived)

    return handle


def _answer_now(plan: ResponsePlan, metrics: ProviderMetrics, truth: TruthLog) -> web.Response:
    """The common case, rendered without a wait: a whole JSON answer that is due now."""
    try:
        body = plan.raw_body if plan.raw_body is not None else orjson.dumps(plan.body)
        return web.Response(
            status=plan.status, body=body, content_type=_JSON, headers=dict(plan.headers)
        )
    finally:
        metrics.answered(plan)
        truth.append(plan.truth)


def _chat(body: dict, ctx: RequestContext, state: ProviderState) -> ResponsePlan:
    return plan_chat(parse_chat_request(body), ctx, state)


def _embeddings(body: dict, ctx: RequestContext, state: ProviderState) -> ResponsePlan:
    return plan_embeddings(parse_embedding_request(body), ctx, state)


async def _wait(request: web.Request, seconds: float) -> bool:
    """Sleep ``seconds``; False as soon as the client has gone away."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        left = deadline - loop.time()
        if left <= 0:
            return True
        await asyncio.sleep(min(left, _WAIT_SLICE_S))
        transport = request.transport
        if transport is None or transport.is_closing():
            return False


async def render(
    request: web.Request, plan: ResponsePlan, arrived: float | None = None
) -> web.StreamResponse:
    """Send ``plan`` on time; record its truth and metrics whatever happens.

    The plan's delays count from ``arrived`` (event-loop time; default: now).
    """
    if arrived is None:
        arrived = asyncio.get_running_loop().time()
    app = request.app
    metrics = app[METRICS]
    metrics.started(plan.truth.model)
    outcome = plan
    try:
        resp, delivered = await _deliver(request, plan, arrived)
        if not delivered:
            outcome = _abandoned(plan)
        return resp
    except ConnectionResetError:
        # The client left while we wrote (a timeout, a cut stream): record it, and let
        # aiohttp drop the answer quietly instead of logging a traceback per request.
        outcome = _abandoned(plan)
        return web.Response(status=499)
    except asyncio.CancelledError:
        outcome = _abandoned(plan)
        raise
    finally:
        metrics.finished(outcome)
        app[TRUTH].append(outcome.truth)


async def _deliver(
    request: web.Request, plan: ResponsePlan, arrived: float
) -> tuple[web.StreamResponse, bool]:
    """Render the plan; the flag is False when the client left before the answer."""
    if plan.hang_s is not None:
        if not await _wait(request, plan.hang_s):
            return web.Response(status=499), False
        return json_response(
            504,
            {
                "error": {
                    "message": "Gateway timeout.",
                    "type": "server_error",
                    "param": None,
                    "code": None,
                }
            },
        ), True
    if plan.streaming:
        return await _render_stream(request, plan, arrived), True
    wait = plan.delay_s - (asyncio.get_running_loop().time() - arrived)
    if wait > 0 and not await _wait(request, wait):
        return web.Response(status=499), False
    headers = dict(plan.headers)
    if plan.raw_body is not None:
        return web.Response(
            status=plan.status, body=plan.raw_body, content_type=_JSON, headers=headers
        ), True
    if plan.cut_after is not None:
        return await _render_cut(request, plan, headers), True
    return json_response(plan.status, plan.body, headers), True


def _abandoned(plan: ResponsePlan) -> ResponsePlan:
    """The same plan, its truth marked as dropped by the client (status 499)."""
    truth = dataclasses.replace(plan.truth, status=499, error_code="client_closed")
    return dataclasses.replace(plan, truth=truth)


async def _render_cut(
    request: web.Request, plan: ResponsePlan, headers: dict[str, str]
) -> web.StreamResponse:
    """Announce the whole body, send half, then drop the connection."""
    body = orjson.dumps(plan.body)
    resp = web.StreamResponse(status=plan.status, headers=headers)
    resp.content_type = _JSON
    resp.content_length = len(body)
    await resp.prepare(request)
    await resp.write(body[: len(body) // 2])
    if request.transport is not None:
        request.transport.abort()
    return resp


async def _render_stream(
    request: web.Request, plan: ResponsePlan, start: float
) -> web.StreamResponse:
    """Send SSE chunks at their planned offsets from ``start`` (loop time), coalescing chunks
    that are already due."""
    assert plan.chunks is not None  # guaranteed by plan.streaming
    loop = asyncio.get_running_loop()
    clock, dumps, sleep = loop.time, orjson.dumps, asyncio.sleep  # per-chunk loop below
    resp = web.StreamResponse(status=plan.status, headers=dict(plan.headers))
    resp.content_type = "text/event-stream"
    resp.headers["Cache-Control"] = "no-cache"
    await resp.prepare(request)
    write = resp.write
    chunks, offsets, malformed_at = plan.chunks, plan.chunk_offsets_s, plan.malformed_at
    n = len(chunks) if plan.cut_after is None else plan.cut_after
    i = 0
    while i < n:
        wait = start + offsets[i] - clock()
        if wait > 0:
            await sleep(wait)
        due = clock() - start + 0.0005
        parts = []
        while i < n and offsets[i] <= due:
            data = dumps(chunks[i])
            if i == malformed_at:
                data = data[: len(data) // 2]
            parts.append(b"data: " + data + b"\n\n")
            i += 1
        if parts:  # a timer may fire a little early: then nothing is due yet
            await write(parts[0] if len(parts) == 1 else b"".join(parts))
    if plan.cut_after is not None:
        if request.transport is not None:
            request.transport.abort()
        return resp
    await write(_DONE)
    await resp.write_eof()
    return resp


async def _models(request: web.Request) -> web.Response:
    state = request.app[STATE]
    created = int(state.t0_unix)
    data = [
        {"id": m.name, "object": "model", "created": created, "owned_by": m.owned_by}
        for m in state.config.models
    ]
    return json_response(200, {"object": "list", "data": data})


async def _healthz(request: web.Request) -> web.Response:
    state = request.app[STATE]
    return json_response(200, {"status": "ok", "t": request.app[CLOCK]() - state.t0_unix})


async def _metrics(request: web.Request) -> web.Response:
    text = request.app[METRICS].registry.render()
    return web.Response(body=text.encode(), headers={"Content-Type": CONTENT_TYPE})


def build_app(
    state: ProviderState,
    truth: TruthLog,
    *,
    admin_token: str | None = None,
    clock: Callable[[], float] = time.time,
) -> web.Application:
    """The provider as an aiohttp application (no background tasks; see ``serve``)."""
    app = web.Application(client_max_size=state.config.max_body_bytes)
    app[STATE] = state
    app[TRUTH] = truth
    app[METRICS] = ProviderMetrics(state, clock)
    app[CLOCK] = clock
    router = app.router
    router.add_post("/v1/chat/completions", _api_handler(_chat, "chat", app))
    router.add_post("/v1/embeddings", _api_handler(_embeddings, "embeddings", app))
    router.add_get("/v1/models", errors_as_json(_models))
    router.add_get("/healthz", errors_as_json(_healthz))
    router.add_get("/metrics", errors_as_json(_metrics))
    add_admin_routes(app, state, admin_token, clock)
    add_catch_all(app)
    return app


async def flush_periodically(truth: TruthLog, interval_s: float = 1.0) -> None:
    """Flush the truth log every ``interval_s`` until cancelled."""
    with contextlib.suppress(asyncio.CancelledError):
        while True:
            await asyncio.sleep(interval_s)
            truth.flush()
