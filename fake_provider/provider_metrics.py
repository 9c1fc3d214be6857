"""The fake provider's /metrics: vLLM-style series plus gameday fault and response counters."""

from __future__ import annotations

import time
from collections.abc import Callable

from fake_provider.metrics import TOKEN_BUCKETS, Counter, Gauge, Histogram, LabelValues, Registry
from fake_provider.records import ResponsePlan, TruthRecord
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
        running = self.running.values
        running[key] = running.get(key, 0.0) + 1
        if key not in self.waiting.values:
            self.waiting.values[key] = 0.0

    def finished(self, plan: ResponsePlan) -> None:
        """A request's answer was rendered (or abandoned)."""
        key = (plan.truth.model,)
        running = self.running.values
        if key in running:
            running[key] = max(0.0, running[key] - 1)
        self._count(plan.truth, key)

    def answered(self, plan: ResponsePlan) -> None:
        """A request answered at once: :meth:`started` then :meth:`finished`, in one step."""
        key = (plan.truth.model,)
        running = self.running.values
        if key not in running:
            running[key] = 0.0
        if key not in self.waiting.values:
            self.waiting.values[key] = 0.0
        self._count(plan.truth, key)

    def _count(self, truth: TruthRecord, key: LabelValues) -> None:
        # Plain dict and list updates: this runs once per request.
        responses = self.responses.values
        status_key = (truth.model, str(truth.status))
        responses[status_key] = responses.get(status_key, 0.0) + 1
        if truth.status != 200 or truth.endpoint != "chat":
            return
        success = self.success.values
        reason_key = (truth.finish_reason or "abort", truth.model)
        success[reason_key] = success.get(reason_key, 0.0) + 1
        prompt, generated = truth.input_tokens, truth.output_tokens
        counter = self.prompt_tokens.values
        counter[key] = counter.get(key, 0.0) + prompt
        counter = self.generation_tokens.values
        counter[key] = counter.get(key, 0.0) + generated
        ttft = truth.planned_ttft_s or 0.0
        observe = Histogram.observe
        observe(self.req_prompt, key, prompt)
        observe(self.req_generation, key, generated)
        observe(self.ttft, key, ttft)
        observe(self.e2e, key, truth.planned_latency_s)
        if generated > 1:
            observe(self.itl, key, (truth.planned_latency_s - ttft) / (generated - 1))
