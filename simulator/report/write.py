"""Write a run directory's report: timeline.png, report.md, report.html, postmortem-*.md.

Each output is rendered on its own; one that fails is noted (in the result and in the
report) and the others are still written, so a rendering bug never loses a run.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from simulator.orchestrate.rundir import write_atomic
from simulator.report.asrun import reproduce_command, scenario_blocks
from simulator.report.content import exit_code, report_blocks
from simulator.report.document import Block, Bullets, Code, Heading, Image, Para, Table, md_text
from simulator.report.document import render_markdown as to_markdown
from simulator.report.fmt import EXIT_MEANING
from simulator.report.html_page import render_html_page
from simulator.report.load import RunFiles, load_run_files
from simulator.report.plots import fault_marks, render_timeline
from simulator.report.postmortem import postmortem_blocks
from simulator.report.series import build_series
from simulator.report.signals import PackVerdict, earliest_pack_alerts
from simulator.scoring import DEFAULT_GRACE_S

_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True, slots=True)
class ReportResult:
    """The files a report run wrote, and what went wrong or was skipped on the way."""

    run_dir: Path
    written: tuple[Path, ...]
    notes: tuple[str, ...]

    @property
    def html(self) -> Path | None:
        """report.html, when it was written."""
        path = self.run_dir / "report.html"
        return path if path in self.written else None


def postmortem_name(fault_id: str) -> str:
    """``postmortem-<fault id>.md``, with characters unsafe in file names replaced."""
    return f"postmortem-{_UNSAFE_NAME.sub('_', fault_id)}.md"


class _Writer:
    """Writes files into the run directory, turning any failure into a note."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir
        self.written: list[Path] = []
        self.notes: list[str] = []

    def attempt(self, what: str, make: Callable[[], bytes | str], name: str) -> bool:
        """Render with ``make`` and write ``name``; on any failure note it, return False."""
        try:
            data = make()
            write_atomic(self.run_dir / name, data)
        except Exception as exc:  # a report bug must not cost the run its other files
            self.notes.append(f"{what} not written: {type(exc).__name__}: {exc}")
            return False
        self.written.append(self.run_dir / name)
        return True


def _timeline(files: RunFiles, writer: _Writer) -> Image | None:
    """timeline.png, and the image block the report embeds (None when it failed)."""
    card = files.card or {}
    duration = float(card.get("duration_s") or files.meta.get("duration_s") or 0.0)
    if files.telemetry.size:
        duration = max(duration, float(files.telemetry.t.max()))
    limits = {
        str(k): float(v) for k, v in ((card.get("budgets") or {}).get("limits") or {}).items()
    }
    box: list[bytes] = []

    def render() -> bytes:
        series = build_series(files.telemetry, max(duration, 1.0))
        box.append(
            render_timeline(
                series,
                fault_marks(card),
                files.alerts,
                limits,
                max(duration, 1.0),
                f"{card.get('scenario', '?')} — {files.run_dir.name}",
            )
        )
        return box[0]

    if not writer.attempt("timeline.png", render, "timeline.png"):
        return None
    return Image(
        "timeline.png",
        box[0],
        "Timeline: traffic, quality, spend, latency and agent steps with fault windows and alerts",
    )


def _pack(files: RunFiles) -> tuple[PackVerdict, list[str]]:
    """The built-in pack's earliest alert per fault; a failure becomes a note."""
    grace = float((files.card or {}).get("grace_s", DEFAULT_GRACE_S))
    try:
        return earliest_pack_alerts(
            files.scenario, files.run_dir, files.alerts, files.meta, grace
        ), []
    except Exception as exc:  # the postmortems still say everything else
        return PackVerdict({}, "not computed"), [f"built-in monitor replay failed: {exc!r}"]


def _postmortem(fault: Mapping[str, Any], files: RunFiles, pack: PackVerdict) -> str:
    """postmortem-<fault id>.md of one fault."""
    first = pack.earliest.get(str(fault.get("id")))
    blocks = postmortem_blocks(fault, files.card or {}, files.telemetry, first, pack.how)
    return to_markdown(blocks)


def write_report(run_dir: str | Path) -> ReportResult:
    """Write every report file of ``run_dir``; a run without scorecard.json gets a short
    report.md (and .html) saying what exists. Raises only when ``run_dir`` is unreadable."""
    files = load_run_files(Path(run_dir))
    writer = _Writer(files.run_dir)
    writer.notes.extend(files.notes)
    if files.card is None:
        blocks = unscored_blocks(files)
    else:
        image = _timeline(files, writer)
        pack, pack_notes = _pack(files)
        writer.notes.extend(pack_notes)
        for fault in files.card.get("faults", []):
            fault_id = str(fault.get("id"))
            writer.attempt(
                f"postmortem of {fault_id}",
                partial(_postmortem, fault, files, pack),
                postmortem_name(fault_id),
            )
        title = f"Game day report: {files.card.get('scenario', '?')}"
        blocks = [
            *report_blocks(files.card, files.meta, title, image, writer.notes),
            *scenario_blocks(files),
        ]
    title = f"{(files.card or files.meta).get('scenario', 'run')} — {files.run_dir.name}"
    writer.attempt("report.md", lambda: to_markdown(blocks), "report.md")
    writer.attempt("report.html", lambda: render_html_page(blocks, title), "report.html")
    return ReportResult(files.run_dir, tuple(writer.written), tuple(writer.notes))


def unscored_blocks(files: RunFiles) -> list[Block]:
    """A run that was never scored: why, which files exist, and how to go on."""
    meta = files.meta
    reason = meta.get("reason") if meta.get("interrupted") else None
    present = sorted(
        p for p in files.run_dir.iterdir() if p.is_file() and not p.name.startswith(".")
    )
    rows = tuple((p.name, f"{p.stat().st_size:,} bytes") for p in present)
    blocks: list[Block] = [
        Heading(1, f"Game day report: {meta.get('scenario', files.run_dir.name)}"),
        Para(f"NOT SCORED: {EXIT_MEANING[exit_code(None, meta)]}.", "bad"),
        Para(
            "This run has no scorecard.json: "
            + (f"it ended early ({reason}) " if reason else "")
            + "before any traffic could be scored, or scoring failed. "
            "What the run directory holds:"
        ),
        Table(("file", "size"), rows) if rows else Para("(nothing)"),
        Para(
            f"{files.telemetry.size:,} telemetry records and {len(files.alerts):,} alerts "
            "were recorded. If telemetry exists, score it and regenerate this report with:"
        ),
        Code(f"gameday score {files.run_dir}\ngameday report {files.run_dir}"),
        Para("To run the scenario again:"),
        Code(reproduce_command(files)),
    ]
    if files.notes:
        blocks += [Heading(2, "Notes"), Bullets(files.notes)]
    return blocks


def write_report_safely(run_dir: str | Path) -> list[str]:
    """:func:`write_report` for the end of a run: never raises; returns notes to show.

    Anything that goes wrong is noted, and when not even report.md was written a short one
    says why, so the run directory always says what it holds.
    """
    base = Path(run_dir)
    try:
        result = write_report(base)
    except Exception as exc:  # the run's own files matter more than its report
        note = f"report not written: {type(exc).__name__}: {exc}"
        with contextlib.suppress(OSError):
            write_atomic(base / "report.md", f"# Report of {base.name}\n\n{md_text(note)}\n")
        return [note]
    notes = list(result.notes)
    if result.html is not None:
        notes.append(f"report: {result.html}")
    return notes
