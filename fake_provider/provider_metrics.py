"""The fake provider's /metrics: vLLM-style series plus gameday fault and response counters."""

from __future__ import annotations

import time
from bisect import bisect_left
from collections import Counter as Tally
from collections.abc import Callable, Sequence
from functools import reduce
from itertools import compress, repeat
from operator import add, attrgetter

from mypy_extensions import mypyc_attr

from fake_provider.metrics import TOKEN_BUCKETS, Counter, Gauge, Histogram, LabelValues, Registry
from fake_provider.records import ResponsePlan, TruthRecord
from fake_provider.state import ProviderState

#: Answers counted together: the counting then runs as a few C-level passes over the batch
#: instead of a dozen dict and list updates in Python per answer.
_BATCH = 64
_MODEL_STATUS = attrgetter("model", "status")
_STATUS_ENDPOINT = attrgetter("status", "endpoint")
_CHAT_ANSWER = (200, "chat")
_MODEL = attrgetter("model")
_REASON = attrgetter("finish_reason")
_INPUT = attrgetter("input_tokens")
_OUTPUT = attrgetter("output_tokens")
_TTFT = attrgetter("planned_ttft_s")
_LATENCY = attrgetter("planned_latency_s")


@mypyc_attr(native_class=False)
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


def _observe_all(row: list[float], bounds: tuple[float, ...], values: Sequence[float]) -> None:
    """:meth:`Histogram.observe` of each value in turn, on a row already looked up; the sum
    is added value by value, in order, so it comes out as one observation at a time would."""
    for bucket, n in Tally(map(bisect_left, repeat(bounds), values)).items():
        row[bucket] += n
    row[-2] = reduce(add, values, row[-2])
    row[-1] += len(values)


class ProviderMetrics:
    """Every series the provider exports: the running gauge moves as requests start and
    finish; everything else counts finished answers in batches, up to date at every render."""

    def __init__(self, state: ProviderState, clock: Callable[[], float] = time.time) -> None:
        self.registry = Registry(before_render=self.count_pending)
        self._models: dict[str, _ModelSeries] = {}
        #: Finished answers not yet counted (see :meth:`count_pending`).
        self._pending: list[TruthRecord] = []
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

    def finished(self, truth: TruthRecord) -> None:
        """A request's answer was rendered (or abandoned), as ``truth`` says."""
        series = self._series(truth.model)
        running = self.running.values
        if series.key in running:
            running[series.key] = max(0.0, running[series.key] - 1)
        self._pend(truth)

    def answered(self, plan: ResponsePlan) -> None:
        """A request answered at once: :meth:`started` then :meth:`finished`, in one step."""
        self._pend(plan.truth)  # its model's series (and gauges) are made when counted

    def _pend(self, truth: TruthRecord) -> None:
        pending = self._pending
        pending.append(truth)
        if len(pending) >= _BATCH:
            self.count_pending()

    def _series(self, model: str) -> _ModelSeries:
        series = self._models.get(model)
        if series is None:
            series = self._models[model] = _ModelSeries(model)
            # Every model seen gets both request gauges, at 0 until a request is running.
            self.running.values.setdefault(series.key, 0.0)
            self.waiting.values.setdefault(series.key, 0.0)
        return series

    def count_pending(self) -> None:
        """Count the finished answers not counted yet into every series.

        Answers are counted in batches (every ``_BATCH`` answers, and before each render),
        which comes to the same values as counting each when it finishes: counts are sums of
        ones, and sums add value by value in the order the answers finished.
        """
        batch = self._pending
        if not batch:
            return
        self._pending = []
        responses = self.responses.values
        for (model, status), n in Tally(map(_MODEL_STATUS, batch)).items():
            series = self._series(model)
            status_key = series.status_keys.get(status)
            if status_key is None:
                status_key = series.status_keys[status] = (model, str(status))
            responses[status_key] = responses.get(status_key, 0.0) + n
        chat = list(compress(batch, map(_CHAT_ANSWER.__eq__, map(_STATUS_ENDPOINT, batch))))
        models = Tally(map(_MODEL, chat))
        for model in models:
            group = (
                chat
                if len(models) == 1
                else list(compress(chat, map(model.__eq__, map(_MODEL, chat))))
            )
            self._count_chat(self._series(model), group)

    def _count_chat(self, series: _ModelSeries, group: list[TruthRecord]) -> None:
        """Count one model's answered chat requests (status 200), in the order they finished."""
        success = self.success.values
        for reason, n in Tally(map(_REASON, group)).items():
            name = reason or "abort"
            reason_key = series.reason_keys.get(name)
            if reason_key is None:
                reason_key = series.reason_keys[name] = (name, series.key[0])
            success[reason_key] = success.get(reason_key, 0.0) + n
        key = series.key
        prompts = list(map(_INPUT, group))
        generated = list(map(_OUTPUT, group))
        ttfts = [ttft or 0.0 for ttft in map(_TTFT, group)]
        latencies = list(map(_LATENCY, group))
        counter = self.prompt_tokens.values
        counter[key] = reduce(add, prompts, counter.get(key, 0.0))
        counter = self.generation_tokens.values
        counter[key] = reduce(add, generated, counter.get(key, 0.0))
        rows = series.rows or self._chat_rows(series)
        _observe_all(rows[0], self.req_prompt.bounds, prompts)
        _observe_all(rows[1], self.req_generation.bounds, generated)
        _observe_all(rows[2], self.ttft.bounds, ttfts)
        _observe_all(rows[3], self.e2e.bounds, latencies)
        itls = [
            (latency - ttft) / (n - 1)
            for latency, ttft, n in zip(latencies, ttfts, generated, strict=True)
            if n > 1
        ]
        if itls:
            _observe_all(self.itl.row(key), self.itl.bounds, itls)

    def _chat_rows(self, series: _ModelSeries) -> tuple[list[float], ...]:
        """The four histogram rows every answered chat request updates, made together."""
        hists = (self.req_prompt, self.req_generation, self.ttft, self.e2e)
        series.rows = tuple(h.row(series.key) for h in hists)
        return series.rows
