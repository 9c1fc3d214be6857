"""The provider's routes: thin handlers that parse, ask the core for a plan, render it.

Everything about what the answer is lives in ``plan_chat``/``plan_embeddings``; everything
about when bytes go out lives in :mod:`fake_provider.delivery`; the HTTP/1.1 wire itself
is :mod:`fake_provider.wire`.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable

from fake_provider.admin import add_admin_routes
from fake_provider.delivery import Recorders, answer_now, deliver
from fake_provider.embeddings import plan_embeddings
from fake_provider.errors import ApiError
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
from fake_provider.wire import (
    Deferred,
    Exchange,
    Handler,
    Pacer,
    Request,
    Response,
    Router,
    json_response,
)

Planner = Callable[[dict, RequestContext, ProviderState], ResponsePlan]


def _api_handler(
    planner: Planner,
    endpoint: str,
    state: ProviderState,
    rec: Recorders,
    clock: Callable[[], float],
) -> Handler:
    limit = state.config.max_body_bytes

    def handle(request: Request, exchange: Exchange) -> Response | Deferred:
        ctx = request_context(request.headers.get, state, clock() - state.t0_unix)
        if request.too_large:
            plan = error_plan(body_too_large(limit), ctx, endpoint=endpoint)
        elif not ctx.api_key:
            plan = error_plan(MISSING_API_KEY, ctx, endpoint=endpoint)
        else:
            try:
                plan = planner(parse_json_object(request.body), ctx, state)
            except ApiError as err:
                plan = error_plan(err, ctx, endpoint=endpoint)
        if plan.immediate:
            return answer_now(plan, rec)
        return deliver(plan, exchange, request.arrived, rec)

    return handle


def _chat(body: dict, ctx: RequestContext, state: ProviderState) -> ResponsePlan:
    return plan_chat(parse_chat_request(body), ctx, state)


def _embeddings(body: dict, ctx: RequestContext, state: ProviderState) -> ResponsePlan:
    return plan_embeddings(parse_embedding_request(body), ctx, state)


def build_router(
    state: ProviderState,
    truth: TruthLog,
    *,
    admin_token: str | None = None,
    clock: Callable[[], float] = time.time,
) -> tuple[Router, Recorders]:
    """The provider's routes on the running loop, and the recorders its answers go to."""
    loop = asyncio.get_running_loop()
    metrics = ProviderMetrics(state, clock)
    rec = Recorders(metrics, truth, loop, Pacer(loop))
    router = Router()
    router.add("POST", "/v1/chat/completions", _api_handler(_chat, "chat", state, rec, clock))
    router.add("POST", "/v1/embeddings", _api_handler(_embeddings, "embeddings", state, rec, clock))

    def models(request: Request, exchange: Exchange) -> Response:
        created = int(state.t0_unix)
        data = [
            {"id": m.name, "object": "model", "created": created, "owned_by": m.owned_by}
            for m in state.config.models
        ]
        return json_response(200, {"object": "list", "data": data})

    def healthz(request: Request, exchange: Exchange) -> Response:
        return json_response(200, {"status": "ok", "t": clock() - state.t0_unix})

    def prometheus(request: Request, exchange: Exchange) -> Response:
        return Response(200, metrics.registry.render().encode(), content_type=CONTENT_TYPE)

    router.add("GET", "/v1/models", models)
    router.add("GET", "/healthz", healthz)
    router.add("GET", "/metrics", prometheus)
    add_admin_routes(router, state, admin_token, clock)
    return router, rec


async def flush_periodically(truth: TruthLog, interval_s: float = 1.0) -> None:
    """Flush the truth log every ``interval_s`` until cancelled."""
    with contextlib.suppress(asyncio.CancelledError):
        while True:
            await asyncio.sleep(interval_s)
            truth.flush()
