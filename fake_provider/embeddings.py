"""Embeddings: deterministic unit vectors from hashed character trigrams of the text.

Similar texts share trigrams and so get similar vectors, which is what retrieval code and
drift monitors need from a fake; no model weights are involved.
"""

from __future__ import annotations

import base64
import math
import struct
import zlib

import orjson

from fake_provider.errors import ApiError
from fake_provider.plan import (
    RequestContext,
    common_headers,
    error_plan,
    fault_ids,
    rate_limit_error,
    ratelimit_headers,
    request_key,
    server_error,
)
from fake_provider.records import ResponsePlan, TruthRecord
from fake_provider.request import EmbeddingRequest
from fake_provider.state import ProviderState


def embed(text: str, dimensions: int) -> list[float]:
    """A unit vector of ``dimensions`` floats for ``text`` (same text, same vector)."""
    vec = [0.0] * dimensions
    padded = f"  {text.lower()}  "
    for i in range(len(padded) - 2):
        h = zlib.crc32(padded[i : i + 3].encode())
        vec[h % dimensions] += 1.0 if (h >> 20) & 1 else -1.0
    norm = math.sqrt(sum(v * v for v in vec))
    if norm == 0.0:
        vec[zlib.crc32(text.encode()) % dimensions] = 1.0
        return vec
    return [v / norm for v in vec]


def _encode(vec: list[float], fmt: str) -> list[float] | str:
    if fmt == "base64":
        return base64.b64encode(struct.pack(f"<{len(vec)}f", *vec)).decode()
    return vec


def plan_embeddings(
    req: EmbeddingRequest, ctx: RequestContext, state: ProviderState
) -> ResponsePlan:
    """Decide the answer to one embeddings request (limits and provider faults apply)."""
    spec = state.models.get(req.model)
    if spec is None or spec.kind != "embedding":
        err = ApiError(
            404,
            f"The model `{req.model}` does not exist or you do not have access to it.",
            "invalid_request_error",
            "model",
            "model_not_found",
        )
        return error_plan(err, ctx, model=req.model, endpoint="embeddings")
    tokens = sum(state.counter.count(t) for t in req.inputs)
    key = request_key(state, ctx, orjson.dumps((req.model, req.inputs)))
    hits = [
        f
        for f in state.timeline.hits(ctx.t_s, spec.name, ctx.api_key, key)
        if f.kind in ("rate_limit", "server_error", "latency")
    ]
    ids = fault_ids(hits)
    tpm = min((f.tpm for f in hits if f.tpm is not None), default=None)
    rpm = min((f.rpm for f in hits if f.rpm is not None), default=None)
    adm = state.limiter.admit(ctx.api_key, tokens, state.t0_unix + ctx.t_s, rpm=rpm, tpm=tpm)
    kw = {"model": req.model, "endpoint": "embeddings", "admission": adm, "fault_ids": ids}
    if not adm.admitted:
        return error_plan(rate_limit_error(adm, req.model), ctx, **kw)  # type: ignore[arg-type]
    failing = next((f for f in hits if f.kind == "server_error" and f.status), None)
    if failing is not None and failing.status is not None:
        return error_plan(server_error(failing.status), ctx, **kw)  # type: ignore[arg-type]
    dims = req.dimensions or spec.dimensions
    extra_ms = sum(f.extra_ms or 0.0 for f in hits if f.kind == "latency")
    delay_s = (0.02 + extra_ms / 1000.0) * state.config.latency_scale
    data = [
        {
            "object": "embedding",
            "index": i,
            "embedding": _encode(embed(t, dims), req.encoding_format),
        }
        for i, t in enumerate(req.inputs)
    ]
    body = {
        "object": "list",
        "data": data,
        "model": req.model,
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }
    cost = tokens * spec.price_input_usd_per_mtok / 1_000_000
    truth = TruthRecord(
        t=ctx.t_s,
        request_id=ctx.request_id,
        api_key=ctx.api_key,
        model=req.model,
        behaviour=None,
        fault_ids=ids,
        status=200,
        input_tokens=tokens,
        output_tokens=0,
        cost_usd=cost,
        endpoint="embeddings",
        response_model=req.model,
        planned_latency_s=delay_s,
        client_request_id=ctx.client_request_id,
    )
    headers = (*common_headers(ctx, delay_s), *ratelimit_headers(adm))
    return ResponsePlan(200, tuple(headers), truth, body=body, delay_s=delay_s)
