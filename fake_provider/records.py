"""Records the provider core produces: the truth record and the response plan."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fake_provider.jsonrecord import RecordReader
from fake_provider.record_builder import record_builder

TRUTH_SCHEMA_VERSION = 1


@dataclass(frozen=True, slots=True)
class TruthRecord:
    """Ground truth for one request, as the provider decided it (one line of truth.jsonl)."""

    t: float
    request_id: str
    api_key: str
    model: str
    behaviour: str | None
    fault_ids: tuple[str, ...]
    status: int
    input_tokens: int
    output_tokens: int
    cost_usd: float
    endpoint: str = "chat"
    response_model: str | None = None
    fingerprint: str | None = None
    stream: bool = False
    finish_reason: str | None = None
    error_code: str | None = None
    #: How the answer was broken on purpose: ``hang``, ``stream_cut``, ``malformed`` or None.
    mode: str | None = None
    answer_wrong: bool = False
    format_broken: bool = False
    tool_calls: int = 0
    planned_ttft_s: float | None = None
    planned_latency_s: float = 0.0
    session: str | None = None
    client_request_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict carrying ``schema_version``."""
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        out["fault_ids"] = list(self.fault_ids)
        out["schema_version"] = TRUTH_SCHEMA_VERSION
        return out

    def abandoned(self) -> TruthRecord:
        """This truth for an answer the client stopped waiting for: status 499."""
        return dataclasses.replace(self, status=499, error_code="client_closed")

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TruthRecord:
        """Inverse of :meth:`to_json` (ignores unknown keys from newer versions; a missing
        required key raises ``TypeError``). Built positionally: re-scoring reads millions."""
        return _read_truth(data)


_read_truth = RecordReader(TruthRecord, tuple_fields=("fault_ids",))
#: ``TruthRecord(...)`` at a fraction of the cost: one is built per request.
new_truth_record = record_builder(TruthRecord)


@dataclass(frozen=True, slots=True)
class ResponsePlan:
    """Everything needed to render one answer, with timings relative to its arrival.

    A non-streaming plan sends ``body`` (or ``raw_body``) after ``delay_s``; a streaming
    plan sends ``chunks[i]`` at ``chunk_offsets_s[i]``. ``hang_s`` holds the answer that
    long and then drops the connection; ``cut_after`` drops it after that many chunks (or,
    non-streaming, after half the body); ``malformed_at`` sends that chunk as broken JSON.
    """

    status: int
    headers: tuple[tuple[str, str], ...]
    truth: TruthRecord
    body: Mapping[str, Any] | None = None
    raw_body: bytes | None = None
    chunks: Sequence[Mapping[str, Any]] | None = None
    chunk_offsets_s: tuple[float, ...] = ()
    delay_s: float = 0.0
    hang_s: float | None = None
    cut_after: int | None = None
    malformed_at: int | None = None

    @property
    def streaming(self) -> bool:
        """Whether this plan answers with Server-Sent Events."""
        return self.chunks is not None

    @property
    def immediate(self) -> bool:
        """Whether this plan is one whole JSON answer sent at once (no wait, stream or cut)."""
        return (
            self.chunks is None
            and self.hang_s is None
            and self.cut_after is None
            and self.delay_s <= 0
        )


#: ``ResponsePlan(...)`` at a fraction of the cost: one is built per request.
new_response_plan = record_builder(ResponsePlan)
