"""The orchestrator's client-view metrics render the DESIGN.md names with their labels."""

from __future__ import annotations

import dataclasses

from simulator.client_metrics import ClientMetrics
from simulator.records import TelemetryRecord

BASE = TelemetryRecord(
    t=1.0, request_id="req_1", user_kind="extract", session_id="s1", step=1,
    model_requested="gpt-4o-mini", model_reported="gpt-4o-mini", system_fingerprint="fp_1",
    prompt_version="extract:v1", status=200, outcome="ok", error_type=None, latency_s=0.4,
    ttft_s=0.2, input_tokens=120, output_tokens=40, cost_usd=0.0001, finish_reason="stop",
    format_ok=True, correct=True, ratelimit_remaining_tokens=5000,
    ratelimit_remaining_requests=99, api_key="sk-1", stream=True,
)


def test_client_metrics_count_outcomes_quality_spend_and_headroom() -> None:
    metrics = ClientMetrics()
    metrics.observe(BASE)
    metrics.observe(dataclasses.replace(BASE, format_ok=False, correct=False,
                                        ratelimit_remaining_tokens=1200))
    metrics.observe(dataclasses.replace(BASE, status=429, outcome="rate_limited",
                                        error_type="rate_limit_exceeded", format_ok=None,
                                        correct=None, cost_usd=0.0, ttft_s=None))
    metrics.observe(dataclasses.replace(BASE, user_kind="agent", step=7, finish_reason="stop",
                                        format_ok=None, correct=None))
    text = metrics.registry.render()
    assert 'llm_requests_total{status="200",kind="extract"} 2' in text
    assert 'llm_requests_total{status="429",kind="extract"} 1' in text
    assert 'llm_format_failures_total{kind="extract"} 1' in text
    assert 'llm_eval_total{kind="extract",result="incorrect"} 1' in text
    assert 'llm_ratelimit_remaining_tokens{api_key="sk-1"} 5000' in text
    assert 'llm_cost_usd_total{model="gpt-4o-mini"} 0.0003' in text
    assert 'llm_agent_steps_bucket{model="gpt-4o-mini",le="8"} 1' in text
    assert ('gen_ai_client_token_usage_count{gen_ai_operation_name="chat",'
            'gen_ai_request_model="gpt-4o-mini",gen_ai_response_model="gpt-4o-mini",'
            'gen_ai_token_type="output"} 3') in text
    assert 'error_type="rate_limit_exceeded"' in text
    assert "# TYPE gen_ai_client_operation_time_to_first_chunk_seconds histogram" in text
