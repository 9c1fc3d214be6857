"""The orchestrator's ``/metrics``: the client view in OpenTelemetry GenAI names, plus llm_*.

Names follow the OpenTelemetry GenAI semantic conventions in Prometheus form (dots become
underscores, units as suffixes), so rules written against real instrumented apps work here.
"""

from __future__ import annotations

from fake_provider.metrics import TOKEN_BUCKETS, Counter, Gauge, Histogram, Registry
from simulator.records import TelemetryRecord

_LATENCY_BUCKETS = (
    0.01,
    0.02,
    0.04,
    0.08,
    0.16,
    0.32,
    0.64,
    1.28,
    2.56,
    5.12,
    10.24,
    20.48,
    40.96,
    81.92,
)
_STEP_BUCKETS = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 64)


class ClientMetrics:
    """Every client-side series, updated once per telemetry record.

    Example::

        metrics = ClientMetrics()
        metrics.observe(record)
        text = metrics.registry.render()
    """

    def __init__(self) -> None:
        self.registry = Registry()
        add = self.registry.add
        op = (
            "gen_ai_operation_name",
            "gen_ai_request_model",
            "gen_ai_response_model",
            "error_type",
        )
        self.duration = add(
            Histogram(
                "gen_ai_client_operation_duration_seconds",
                "GenAI operation duration.",
                op,
                _LATENCY_BUCKETS,
            )
        )
        self.tokens = add(
            Histogram(
                "gen_ai_client_token_usage",
                "Tokens used per operation.",
                (
                    "gen_ai_operation_name",
                    "gen_ai_request_model",
                    "gen_ai_response_model",
                    "gen_ai_token_type",
                ),
                TOKEN_BUCKETS,
            )
        )
        self.ttfc = add(
            Histogram(
                "gen_ai_client_operation_time_to_first_chunk_seconds",
                "Time to the first streamed chunk.",
                ("gen_ai_operation_name", "gen_ai_request_model", "gen_ai_response_model"),
                _LATENCY_BUCKETS,
            )
        )
        self.requests = add(
            Counter(
                "llm_requests_total", "Requests by outcome status and kind.", ("status", "kind")
            )
        )
        self.format_failures = add(
            Counter(
                "llm_format_failures_total",
                "Answers that failed to parse as the requested format.",
                ("kind",),
            )
        )
        self.evals = add(Counter("llm_eval_total", "Graded answers by result.", ("kind", "result")))
        self.cost = add(Counter("llm_cost_usd_total", "Spend in USD.", ("model",)))
        self.steps = add(
            Histogram(
                "llm_agent_steps", "Steps per finished agent session.", ("model",), _STEP_BUCKETS
            )
        )
        self.remaining_tokens = add(
            Gauge(
                "llm_ratelimit_remaining_tokens",
                "Last x-ratelimit-remaining-tokens seen.",
                ("api_key",),
            )
        )
        self.remaining_requests = add(
            Gauge(
                "llm_ratelimit_remaining_requests",
                "Last x-ratelimit-remaining-requests seen.",
                ("api_key",),
            )
        )
        self.budget_actions = add(
            Counter("llm_budget_actions_total", "Requests a budget guard acted on.", ("action",))
        )

    def observe(self, r: TelemetryRecord) -> None:
        """Account one request."""
        requested = r.model_requested
        reported = r.model_reported or ""
        error = r.error_type or ("" if r.outcome == "ok" else r.outcome)
        self.duration.observe(("chat", requested, reported, error), r.latency_s)
        if r.outcome == "ok":
            self.tokens.observe(("chat", requested, reported, "input"), r.input_tokens)
            self.tokens.observe(("chat", requested, reported, "output"), r.output_tokens)
        if r.ttft_s is not None:
            self.ttfc.observe(("chat", requested, reported), r.ttft_s)
        self.requests.inc((str(r.status), r.user_kind))
        if r.format_ok is False:
            self.format_failures.inc((r.user_kind,))
        if r.correct is not None:
            self.evals.inc((r.user_kind, "correct" if r.correct else "incorrect"))
        if r.cost_usd:
            self.cost.inc((requested,), r.cost_usd)
        if r.user_kind == "agent" and (r.finish_reason != "tool_calls" or r.budget_action):
            self.steps.observe((requested,), r.step)
        key = r.api_key or "default"
        if r.ratelimit_remaining_tokens is not None:
            self.remaining_tokens.set((key,), r.ratelimit_remaining_tokens)
        if r.ratelimit_remaining_requests is not None:
            self.remaining_requests.set((key,), r.ratelimit_remaining_requests)
        if r.budget_action:
            self.budget_actions.inc((r.budget_action,))
