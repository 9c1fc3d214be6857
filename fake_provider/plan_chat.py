"""The provider's decision for one chat completion: a pure plan from (request, time, state)."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from typing import Any, NamedTuple

import orjson

from fake_provider.config import BehaviourProfile, Fault, ModelSpec
from fake_provider.errors import ApiError
from fake_provider.model import Generation, Modifiers, apply_limits, generate
from fake_provider.plan import (
    INSUFFICIENT_QUOTA,
    RequestContext,
    common_headers,
    error_plan,
    fault_ids,
    rate_limit_error,
    ratelimit_headers,
    request_key,
    request_rng,
    retry_after_headers,
    server_error,
    session_key,
    storm_wait_s,
)
from fake_provider.records import ResponsePlan, TruthRecord, new_response_plan, new_truth_record
from fake_provider.request import ChatRequest
from fake_provider.state import ProviderState
from fake_provider.stream_chunks import StreamChunks, chunk_offsets
from fake_provider.task_reading import read_for_reply


class _Faults(NamedTuple):
    """The applied provider faults of one request, sorted by what they change.

    Private to planning, so a NamedTuple: it is built on every request.
    """

    applied: tuple[Fault, ...]
    swap: Fault | None = None
    storm: Fault | None = None
    quota_exhausted: Fault | None = None
    rpm: int | None = None
    tpm: int | None = None
    error: Fault | None = None
    output_multiplier: float = 1.0
    loop: Fault | None = None
    ttft_multiplier: float = 1.0
    itl_multiplier: float = 1.0
    extra_ms: float = 0.0


_NO_FAULTS = _Faults(())
#: Generation as the profile alone dictates (no fault changes it).
_PLAIN = Modifiers()


def _sort_faults(hits: Sequence[Fault], req: ChatRequest) -> _Faults:
    if not hits:
        return _NO_FAULTS
    swap: Fault | None = None
    storm: Fault | None = None
    quota_exhausted: Fault | None = None
    error: Fault | None = None
    loop: Fault | None = None
    rpm: int | None = None
    tpm: int | None = None
    applied: list[Fault] = []
    out_mult, ttft_mult, itl_mult, extra = 1.0, 1.0, 1.0, 0.0
    for f in hits:
        kind = f.kind
        if kind == "agent_loop" and not req.tools:
            continue  # only tool-using requests are eligible
        applied.append(f)
        if kind == "silent_model_swap":
            swap = f
        elif kind == "rate_limit":
            if f.mode == "storm":
                storm = storm or f
            elif f.mode == "insufficient_quota":
                quota_exhausted = quota_exhausted or f
            else:
                if f.rpm is not None:
                    rpm = min(f.rpm, rpm or f.rpm)
                if f.tpm is not None:
                    tpm = min(f.tpm, tpm or f.tpm)
        elif kind == "server_error":
            error = error or f
        elif kind == "token_burst":
            out_mult *= f.output_multiplier or 1.0
        elif kind == "agent_loop":
            loop = f
        elif kind == "latency":
            ttft_mult *= f.ttft_multiplier or 1.0
            itl_mult *= f.itl_multiplier or 1.0
            extra += f.extra_ms or 0.0
    return _Faults(
        tuple(applied), swap, storm, quota_exhausted, rpm, tpm, error,
        out_mult, loop, ttft_mult, itl_mult, extra,
    )  # fmt: skip


def _served(req: ChatRequest, state: ProviderState) -> tuple[ModelSpec, str | None]:
    """The model that serves the request (after a fallback) and a pinned behaviour, if any."""
    spec = state.models.get(req.model)
    if spec is None or spec.kind != "chat":
        raise ApiError(
            404,
            f"The model `{req.model}` does not exist or you do not have access to it.",
            "invalid_request_error",
            "model",
            "model_not_found",
        )
    fix = state.mitigations.get(req.model)
    if fix is not None and fix.kind == "fallback_model" and fix.to in state.models:
        return state.models[fix.to], None
    return spec, (fix.behaviour if fix is not None and fix.kind == "pin_model" else None)


def _timings(
    profile: BehaviourProfile,
    sorted_faults: _Faults,
    n: int,
    rng: random.Random,
    scale: float,
    per_token: bool,
) -> tuple[float, list[float]]:
    """TTFT and per-token gaps in seconds (one gap per token after the first)."""
    if scale <= 0:
        return 0.0, [0.0] * max(0, n - 1) if per_token else []
    ttft = profile.ttft_ms * math.exp(rng.gauss(0.0, profile.ttft_jitter))
    ttft = (ttft * sorted_faults.ttft_multiplier + sorted_faults.extra_ms) * scale / 1000.0
    itl = profile.itl_ms * sorted_faults.itl_multiplier * scale / 1000.0
    if not per_token:
        return ttft, [itl * max(0, n - 1) * math.exp(rng.gauss(0.0, profile.itl_jitter / 4))]
    sigma = profile.itl_jitter
    if sigma == 0.0:
        # exp(gauss(0, 0)) is exactly 1, and these are the request's last draws.
        return ttft, [itl] * max(0, n - 1)
    return ttft, [itl * math.exp(rng.gauss(0.0, sigma)) for _ in range(max(0, n - 1))]


def plan_chat(req: ChatRequest, ctx: RequestContext, state: ProviderState) -> ResponsePlan:
    """Decide the whole answer to one chat completion request."""
    try:
        spec, pinned = _served(req, state)
    except ApiError as err:
        return error_plan(err, ctx, model=req.model)
    key = request_key(
        state,
        ctx,
        orjson.dumps(
            (
                req.model,
                req.texts,
                [t["function"]["name"] for t in req.tools] if req.tools else [],
                req.response_format,
                req.temperature,
                req.seed,
                req.tool_choice,
            )
        ),
    )
    hits = state.timeline.hits(
        ctx.t_s, spec.name, ctx.api_key, key, session_key(state, ctx, req.user)
    )
    if pinned is not None:
        hits = [f for f in hits if f.kind != "silent_model_swap"]
    faults = _sort_faults(hits, req)
    ids = fault_ids(faults.applied)
    prompt_tokens = state.counter.count_messages(req.texts)
    if faults.quota_exhausted is not None:
        return error_plan(INSUFFICIENT_QUOTA, ctx, model=req.model, fault_ids=ids)
    if faults.storm is not None:
        storm = ApiError(
            429,
            "Rate limit reached: the service is receiving too many requests. "
            "Please retry after a brief wait.",
            "requests",
            None,
            "rate_limit_exceeded",
        )
        return error_plan(
            storm,
            ctx,
            model=req.model,
            fault_ids=ids,
            extra_headers=retry_after_headers(storm_wait_s(key)),
        )
    cost = prompt_tokens + (req.max_tokens or state.config.rate_limits.default_max_tokens)
    now_s = state.t0_unix + ctx.t_s
    adm = state.limiter.admit(ctx.api_key, cost, now_s, rpm=faults.rpm, tpm=faults.tpm)
    if not adm.admitted:
        return error_plan(
            rate_limit_error(adm, req.model), ctx, model=req.model, admission=adm, fault_ids=ids
        )
    if faults.error is not None and faults.error.mode in (None, "status"):
        failure = server_error(faults.error.status or 500)
        return error_plan(
            failure, ctx, model=req.model, admission=adm, fault_ids=ids, input_tokens=prompt_tokens
        )
    base = state.behaviour(spec.behaviour)
    name = pinned or (faults.swap.behaviour if faults.swap else None) or spec.behaviour
    profile = base if name == spec.behaviour else state.behaviour(name)
    announce = faults.swap is not None and faults.swap.announce
    fingerprint = profile.fingerprint if announce else base.fingerprint
    model_out = f"{spec.name}-{profile.name}" if announce else spec.name
    rng = request_rng(key)
    loop = faults.loop.pattern or "repeat" if faults.loop else None
    if faults.output_multiplier == 1.0 and loop is None:
        mods = _PLAIN
    else:
        mods = Modifiers(faults.output_multiplier, loop)
    gen = generate(req, read_for_reply(req.messages, req.tools), profile, mods, rng)
    gen = apply_limits(gen, req.stop, req.max_tokens)
    n = len(gen.pieces)
    ttft, gaps = _timings(profile, faults, n, rng, state.config.latency_scale, req.stream)
    total_s = ttft + sum(gaps)
    usage = _usage(prompt_tokens, n)
    cost_usd = (
        prompt_tokens * spec.price_input_usd_per_mtok + n * spec.price_output_usd_per_mtok
    ) / 1_000_000
    mode = faults.error.mode if faults.error is not None else None
    truth = new_truth_record(
        t=ctx.t_s,
        request_id=ctx.request_id,
        api_key=ctx.api_key,
        model=req.model,
        behaviour=profile.name,
        fault_ids=ids,
        status=200,
        input_tokens=prompt_tokens,
        output_tokens=n,
        cost_usd=cost_usd,
        response_model=model_out,
        fingerprint=fingerprint,
        stream=req.stream,
        finish_reason=gen.finish_reason,
        mode=mode,
        answer_wrong=gen.answer_wrong,
        format_broken=gen.format_broken,
        tool_calls=len(gen.tool_calls),
        planned_ttft_s=ttft,
        planned_latency_s=total_s,
        session=ctx.session or req.user,
        client_request_id=ctx.client_request_id,
    )
    if mode == "hang":
        truth = _failed(truth, 504, "hang", total_s)
        seconds = faults.error.seconds if faults.error and faults.error.seconds else 120.0
        return new_response_plan(504, (), truth, hang_s=seconds)
    headers = tuple(
        common_headers(ctx, total_s if not req.stream else ttft) + ratelimit_headers(adm)
    )
    head = {
        "id": "chatcmpl-" + ctx.request_id[4:],
        "created": int(now_s),
        "model": model_out,
        "system_fingerprint": fingerprint,
    }
    if req.stream:
        chunks = StreamChunks(head, gen, usage if req.include_usage else None)
        offsets = chunk_offsets(ttft, gaps, len(chunks))
        cut = max(1, len(chunks) // 2) if mode == "stream_cut" else None
        bad = max(1, len(chunks) // 2) if mode == "malformed" else None
        return new_response_plan(
            200,
            headers,
            truth,
            chunks=chunks,
            chunk_offsets_s=offsets,
            cut_after=cut,
            malformed_at=bad,
        )
    body = _body(head, gen, usage)
    if mode == "malformed":
        raw = orjson.dumps(body)
        return new_response_plan(
            200, headers, truth, raw_body=raw[: len(raw) // 2], delay_s=total_s
        )
    return new_response_plan(
        200,
        headers,
        truth,
        body=body,
        delay_s=total_s,
        cut_after=0 if mode == "stream_cut" else None,
    )


def _failed(truth: TruthRecord, status: int, code: str, latency_s: float) -> TruthRecord:
    """The truth of an answer that never arrives whole."""
    from dataclasses import replace

    return replace(
        truth,
        status=status,
        error_code=code,
        planned_latency_s=latency_s,
        output_tokens=0,
        cost_usd=0.0,
    )


def _usage(prompt_tokens: int, completion_tokens: int) -> dict[str, Any]:
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": 0,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def _body(head: dict[str, Any], gen: Generation, usage: dict[str, Any]) -> dict[str, Any]:
    message: dict[str, Any] = {
        "role": "assistant",
        "content": gen.content,
        "refusal": gen.refusal,
        "annotations": [],
    }
    if gen.tool_calls:
        message["tool_calls"] = list(gen.tool_calls)
    return {
        **head,
        "object": "chat.completion",
        "choices": [
            {"index": 0, "message": message, "logprobs": None, "finish_reason": gen.finish_reason}
        ],
        "usage": usage,
        "service_tier": "default",
    }
