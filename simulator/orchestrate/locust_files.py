"""Locust's own CSV and HTML statistics in the run directory, as locust users expect them."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

from simulator.orchestrate.rundir import write_atomic


def write_locust_reports(env: Any, run_dir: Path, stop_history: Callable[[], None] | None) -> None:
    """Write ``locust_stats.csv``, ``locust_failures.csv``, ``locust_exceptions.csv``,
    ``locust_stats_history.csv`` (while it ran) and ``locust_report.html``."""
    if stop_history is not None:
        stop_history()
    if getattr(env, "runner", None) is None:
        return
    from locust import stats as locust_stats
    from locust.html import get_html_report

    writer = locust_stats.StatsCSV(env, locust_stats.PERCENTILES_TO_REPORT)
    for name, method in (
        ("stats", writer.requests_csv),
        ("failures", writer.failures_csv),
        ("exceptions", writer.exceptions_csv),
    ):
        buffer = io.StringIO()
        method(csv.writer(buffer))
        write_atomic(run_dir / f"locust_{name}.csv", buffer.getvalue())
    write_atomic(run_dir / "locust_report.html", get_html_report(env, show_download_link=False))
