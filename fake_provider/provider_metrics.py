"""The fake provider's /metrics: vLLM-style series plus gameday fault and response counters."""

from __future__ import annotations

import time
from collections.abc import Callable

from fake_provider.metrics import TOKEN_BUCKETS, Counter, Gauge, Histogram, LabelValues, Registry
from fake_provider.records import ResponsePlan
from fake_provider.state import ProviderState


class ProviderMetrics:
    """Every series the provider exports, updated once per answered request."""

    def __init__(self, state: ProviderState, clock: Callable[[], float] = time.time) -> None:
        self.registry = Registry()
        add = self.registry.add
        model = ("model_name",)
        self.running = add(
            Gauge("vllm:num_requests_running", "Requests currently being answered.", model)
        )
        self.waiting = add(Gauge("vllm:num_requests_waiting", "Requests queued (always 0).", model))
        self.success = add(
            Counter(
                "vllm:request_success_total",
                "Finished requests by finish reason.",
                ("finished_reason", "model_name"),
            )
        )
        self.prompt_tokens = add(
            Counter("vllm:prompt_tokens_total", "Prefill tokens processed.", model)
        )
        self.generation_tokens = add(
            Counter("vllm:generation_tokens_total", "Generation tokens produced.", model)
        )
        self.ttft = add(
            Histogram("vllm:time_to_first_token_seconds", "Time to first token (planned).", model)
        )
        self.itl = add(
            Histogram(
                "vllm:inter_token_latency_seconds",
                "Mean inter-token latency per request (planned).",
                model,
                (0.001, 0.005, 0.01, 0.02, 0.04, 0.08, 0.15, 0.3, 0.6, 1.0),
            )
        )
        self.e2e = add(
            Histogram(
                "vllm:e2e_request_latency_seconds", "End-to-end request latency (planned).", model
            )
        )
        self.req_prompt = add(
            Histogram(
                "vllm:request_prompt_tokens", "Prompt tokens per request.", model, TOKEN_BUCKETS
            )
        )
        self.req_generation = add(
            Histogram(
                "vllm:request_generation_tokens",
                "Generation tokens per request.",
                model,
                TOKEN_BUCKETS,
            )
        )
        self.responses = add(
            Counter(
                "gameday_provider_responses_total",
                "Answers by model and HTTP status.",
                ("model", "status"),
            )
        )

        def active_faults() -> dict[LabelValues, float]:
            t_s = clock() - state.t0_unix
            active = {f.id for f in state.timeline.active(t_s)}
            return {(f.id, f.kind): 1.0 if f.id in active else 0.0 for f in state.timeline.faults}

        add(
            Gauge(
                "gameday_provider_faults_active",
                "1 while a fault's window is open.",
                ("fault", "kind"),
                collect=active_faults,
            )
        )

    def started(self, model: str) -> None:
        """A request began rendering."""
        key = (model,)
        self.running.set(key, self.running.values.get(key, 0.0) + 1)
        if key not in self.waiting.values:
            self.waiting.set(key, 0.0)

    def finished(self, plan: ResponsePlan) -> None:
        """A request's answer was rendered (or abandoned)."""
        truth = plan.truth
        key = (truth.model,)
        if key in self.running.values:
            self.running.set(key, max(0.0, self.running.values[key] - 1))
        self.responses.inc((truth.model, str(truth.status)))
        if truth.status != 200 or truth.endpoint != "chat":
            return
        self.success.inc((truth.finish_reason or "abort", truth.model))
        self.prompt_tokens.inc(key, truth.input_tokens)
        self.generation_tokens.inc(key, truth.output_tokens)
        self.req_prompt.observe(key, truth.input_tokens)
        self.req_generation.observe(key, truth.output_tokens)
        ttft = truth.planned_ttft_s or 0.0
        self.ttft.observe(key, ttft)
        self.e2e.observe(key, truth.planned_latency_s)
        if truth.output_tokens > 1:
            self.itl.observe(key, (truth.planned_latency_s - ttft) / (truth.output_tokens - 1))
