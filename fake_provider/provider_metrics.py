"""The fake provider's /metrics: vLLM-style series plus gameday fault and response counters."""

from __future__ import annotations

import time
from bisect import bisect_left
from collections.abc import Callable

from fake_provider.metrics import TOKEN_BUCKETS, Counter, Gauge, Histogram, LabelValues, Registry
from fake_provider.records import ResponsePlan, TruthRecord
from fake_provider.state import ProviderState


class _ModelSeries:
    """One model's label tuples and chat histogram rows, made once and reused: a new tuple
    per update costs a hash and an element-wise comparison on every dict access."""

    __slots__ = ("key", "reason_keys", "rows", "status_keys")

    def __init__(self, model: str) -> None:
        self.key: LabelValues = (model,)
        self.status_keys: dict[int, LabelValues] = {}
        self.reason_keys: dict[str, LabelValues] = {}
        #: Rows of the prompt, generation, TTFT and end-to-end histograms (made on first use).
        self.rows: tuple[list[float], ...] = ()


def _observe(row: list[float], bounds: tuple[float, ...], value: float) -> None:
    """:meth:`Histogram.observe` on a row already looked up."""
    row[bisect_left(bounds, value)] += 1
    row[-2] += value
    row[-1] += 1


class ProviderMetrics:
    """Every series the provider exports, updated once per answered request."""

    def __init__(self, state: ProviderState, clock: Callable[[], float] = time.time) -> None:
        self.registry = Registry()
        self._models: dict[str, _ModelSeries] = {}
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
        key = self._series(model).key
        running = self.running.values
        running[key] = running.get(key, 0.0) + 1
        if key not in self.waiting.values:
            self.waiting.values[key] = 0.0

    def finished(self, truth: TruthRecord) -> None:
        """A request's answer was rendered (or abandoned), as ``truth`` says."""
        series = self._series(truth.model)
        running = self.running.values
        if series.key in running:
            running[series.key] = max(0.0, running[series.key] - 1)
        self._count(truth, series)

    def answered(self, plan: ResponsePlan) -> None:
        """A request answered at once: :meth:`started` then :meth:`finished`, in one step."""
        series = self._series(plan.truth.model)
        key = series.key
        running = self.running.values
        if key not in running:
            running[key] = 0.0
        if key not in self.waiting.values:
            self.waiting.values[key] = 0.0
        self._count(plan.truth, series)

    def _series(self, model: str) -> _ModelSeries:
        series = self._models.get(model)
        if series is None:
            series = self._models[model] = _ModelSeries(model)
        return series

    def _count(self, truth: TruthRecord, series: _ModelSeries) -> None:
        # Plain dict and list updates: this runs once per request.
        status_key = series.status_keys.get(truth.status)
        if status_key is None:
            status_key = series.status_keys[truth.status] = (truth.model, str(truth.status))
        responses = self.responses.values
        responses[status_key] = responses.get(status_key, 0.0) + 1
        if truth.status != 200 or truth.endpoint != "chat":
            return
        reason = truth.finish_reason or "abort"
        reason_key = series.reason_keys.get(reason)
        if reason_key is None:
            reason_key = series.reason_keys[reason] = (reason, truth.model)
        success = self.success.values
        success[reason_key] = success.get(reason_key, 0.0) + 1
        key = series.key
        prompt, generated = truth.input_tokens, truth.output_tokens
        counter = self.prompt_tokens.values
        counter[key] = counter.get(key, 0.0) + prompt
        counter = self.generation_tokens.values
        counter[key] = counter.get(key, 0.0) + generated
        ttft = truth.planned_ttft_s or 0.0
        rows = series.rows or self._chat_rows(series)
        _observe(rows[0], self.req_prompt.bounds, prompt)
        _observe(rows[1], self.req_generation.bounds, generated)
        _observe(rows[2], self.ttft.bounds, ttft)
        _observe(rows[3], self.e2e.bounds, truth.planned_latency_s)
        if generated > 1:
            self.itl.observe(key, (truth.planned_latency_s - ttft) / (generated - 1))

    def _chat_rows(self, series: _ModelSeries) -> tuple[list[float], ...]:
        """The four histogram rows every answered chat request updates, made together."""
        hists = (self.req_prompt, self.req_generation, self.ttft, self.e2e)
        series.rows = tuple(h.row(series.key) for h in hists)
        return series.rows
