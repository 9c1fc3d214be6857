"""/metrics counts answers in batches; the values equal counting each answer as it finishes."""

from __future__ import annotations

import random
from typing import Any

from fake_provider.config import ProviderConfig, default_models
from fake_provider.errors import ApiError
from fake_provider.plan import error_plan, request_context
from fake_provider.plan_chat import plan_chat
from fake_provider.provider_metrics import ProviderMetrics
from fake_provider.records import ResponsePlan
from fake_provider.request import parse_chat_request
from fake_provider.state import ProviderState
from fake_provider.tasks import generate_task

_KINDS = ("extract", "classify", "chat", "agent", "rag")


def _plans(state: ProviderState, n: int) -> list[ResponsePlan]:
    """Real plans for generated tasks: several models, streamed and not, some refused."""
    models = [m.name for m in default_models() if m.kind == "chat"] + ["no-such-model"]
    plans = []
    for i in range(n):
        task = generate_task(_KINDS[i % len(_KINDS)], random.Random(i))
        body: dict[str, Any] = {
            "model": models[i % len(models)],
            "messages": list(task.messages),
            "stream": i % 3 == 0,
        }
        if i % 7 == 0:
            body["max_tokens"] = 5
        if task.tools:
            body["tools"] = list(task.tools)
        ctx = request_context({"authorization": "Bearer sk-1"}.get, state, i * 0.01)
        try:
            plans.append(plan_chat(parse_chat_request(body), ctx, state))
        except ApiError as err:
            plans.append(error_plan(err, ctx))
    return plans


def _feed(metrics: ProviderMetrics, plans: list[ResponsePlan], render_each: bool) -> str:
    for i, plan in enumerate(plans):
        if plan.streaming:
            metrics.started(plan.truth.model)
            truth = plan.truth.abandoned() if i % 5 == 0 else plan.truth
            metrics.finished(truth)
        else:
            metrics.answered(plan)
        if render_each:
            metrics.registry.render()
    return metrics.registry.render()


def test_batched_counts_equal_counting_each_answer() -> None:
    state = ProviderState.create(
        ProviderConfig(seed=3, models=default_models()), t0_unix=1_700_000_000.0
    )
    plans = _plans(state, 600)
    assert {p.status for p in plans} >= {200, 404}
    assert any(p.streaming for p in plans) and any(not p.streaming for p in plans)
    one_at_a_time = _feed(ProviderMetrics(state), plans, render_each=True)
    batched = _feed(ProviderMetrics(state), plans, render_each=False)
    assert batched == one_at_a_time
    assert 'gameday_provider_responses_total{model="no-such-model",status="404"}' in batched
    assert "vllm:inter_token_latency_seconds_count" in batched


def test_a_scrape_counts_answers_not_yet_batched() -> None:
    state = ProviderState.create(
        ProviderConfig(seed=3, models=default_models()), t0_unix=1_700_000_000.0
    )
    metrics = ProviderMetrics(state)
    plans = [p for p in _plans(state, 20) if p.status == 200 and not p.streaming][:3]
    for plan in plans:
        metrics.answered(plan)
    text = metrics.registry.render()
    model = plans[0].truth.model
    expected = sum(p.truth.model == model for p in plans)
    assert f'gameday_provider_responses_total{{model="{model}",status="200"}} {expected}' in text
