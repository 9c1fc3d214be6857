"""The truth log writes each record exactly as ``TruthRecord.to_json`` describes it."""

from __future__ import annotations

from pathlib import Path

import orjson

from fake_provider.records import TruthRecord
from fake_provider.truthlog import _BATCH, TruthLog, dumps_truth


def _record(**overrides: object) -> TruthRecord:
    fields: dict[str, object] = {
        "t": 1.25,
        "request_id": "req_00000001abcdef",
        "api_key": 'sk-"quoted"\n',
        "model": "gpt-4o-mini",
        "behaviour": "baseline",
        "fault_ids": ("slow", "errors"),
        "status": 200,
        "input_tokens": 120,
        "output_tokens": 33,
        "cost_usd": 3.78e-05,
        "planned_ttft_s": 0.25,
        "planned_latency_s": 0.73,
        "session": "s-1",
    }
    fields.update(overrides)
    return TruthRecord(**fields)  # type: ignore[arg-type]


def test_dumps_truth_is_to_json_byte_for_byte() -> None:
    for record in (_record(), _record(fault_ids=(), behaviour=None, planned_ttft_s=None)):
        assert dumps_truth(record) == orjson.dumps(record.to_json()) + b"\n"


def test_truth_log_lines_read_back_as_records(tmp_path: Path) -> None:
    log = TruthLog(tmp_path / "truth.jsonl")
    records = [_record(), _record(status=503, error_code="server_error")]
    for record in records:
        log.append(record)
    log.close()
    lines = (tmp_path / "truth.jsonl").read_bytes().splitlines()
    assert [TruthRecord.from_json(orjson.loads(line)) for line in lines] == records
    assert all(orjson.loads(line)["schema_version"] == 1 for line in lines)


def test_every_record_is_written_in_order_across_batches_and_flushes(tmp_path: Path) -> None:
    """Records are serialised in batches: a flush between batches, mid-batch or at close
    still writes every record once, in the order appended."""
    log = TruthLog(tmp_path / "truth.jsonl")
    records = [_record(request_id=f"req_{i:014x}", t=i * 0.5) for i in range(7 * _BATCH + 3)]
    for i, record in enumerate(records):
        log.append(record)
        if i in (10, _BATCH - 1, _BATCH, 5 * _BATCH + 7):
            log.flush()
    log.close()
    data = (tmp_path / "truth.jsonl").read_bytes()
    assert data == b"".join(dumps_truth(r) for r in records)
    assert log.written == len(records)
