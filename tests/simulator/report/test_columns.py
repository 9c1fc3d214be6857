"""The telemetry columns scoring leaves for the report: the same numbers as parsing the JSON
lines, and ignored as soon as telemetry.jsonl changes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import orjson

from simulator.report.load import COLUMNS_FILE, Telemetry, read_telemetry_columns
from tests.simulator.report.builders import make_run


def _parsed(run_dir: Path) -> Telemetry:
    """The columns from the JSON lines alone (the columns file moved aside)."""
    saved = run_dir / COLUMNS_FILE
    aside = saved.with_suffix(".aside")
    saved.rename(aside)
    try:
        return read_telemetry_columns(run_dir / "telemetry.jsonl", [])
    finally:
        aside.rename(saved)


def test_scoring_leaves_columns_equal_to_the_json_lines(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    make_run(run_dir)
    assert (run_dir / COLUMNS_FILE).is_file()
    saved = read_telemetry_columns(run_dir / "telemetry.jsonl", [])
    parsed = _parsed(run_dir)
    assert saved.size == parsed.size > 100
    for name in Telemetry.__slots__:
        a, b = getattr(saved, name), getattr(parsed, name)
        assert a.dtype == b.dtype, name
        assert np.array_equal(a, b, equal_nan=a.dtype.kind == "f"), name


def test_columns_of_an_older_telemetry_file_are_ignored(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    make_run(run_dir)
    telemetry = run_dir / "telemetry.jsonl"
    lines = telemetry.read_bytes().splitlines(keepends=True)
    extra = orjson.loads(lines[-1])
    extra["t"] = 999.0
    telemetry.write_bytes(b"".join(lines) + orjson.dumps(extra) + b"\n")
    columns = read_telemetry_columns(telemetry, [])
    assert columns.size == len(lines) + 1 and columns.t[-1] == 999.0
