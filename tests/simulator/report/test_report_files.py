"""The report of a synthetic, really scored run: numbers equal the scorecard's, images decode,
the HTML is self-contained and escapes what alerts say, failures cost no other file."""

from __future__ import annotations

import base64
import io
import re
import shutil
from pathlib import Path
from typing import Any

import orjson
import pytest
from PIL import Image

import simulator.report.write as report_write
from simulator.cli import main
from simulator.report import write_report, write_report_safely
from tests.simulator.report.builders import make_run, team_alert

_DATA_URI = re.compile(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"')


@pytest.fixture(scope="module")
def scored(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """One synthetic run, scored and reported (shared by the read-only tests)."""
    run_dir = tmp_path_factory.mktemp("report") / "synthetic-20250101T000000Z"
    card = make_run(run_dir)
    write_report(run_dir)
    return run_dir, card


def _section(markdown: str, heading: str) -> str:
    """The Markdown from ``heading`` up to the next heading of any level."""
    start = markdown.index(heading)
    rest = markdown[start + len(heading) :]
    end = re.search(r"^#{1,3} ", rest, flags=re.MULTILINE)
    return rest[: end.start()] if end else rest


def _assert_not_blank(png: bytes, min_colours: int = 8) -> None:
    with Image.open(io.BytesIO(png)) as image:
        image.load()
        assert image.width >= 600 and image.height >= 600
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) >= min_colours


def test_report_numbers_equal_the_scorecard(scored: tuple[Path, dict[str, Any]]) -> None:
    run_dir, card = scored
    markdown = (run_dir / "report.md").read_text()
    html = (run_dir / "report.html").read_text()
    assert card["faults"][0]["detected"] and card["faults"][1]["detected"]
    verdict = "PASSED" if card["passed"] else "FAILED"
    assert markdown.splitlines()[2].startswith(f"**{verdict}: score {card['score']:.1f}/100")
    for fault in card["faults"]:
        part = _section(markdown, f"### {fault['id']} ({fault['kind']})")
        before = fault["impact"]["before_detection"]
        assert f"| time to detect | {fault['time_to_detect_s']:.1f} s " in part
        assert f"| bad responses before detection | {before['bad_responses']:,} |" in part
        assert f"| tokens before detection | {before['tokens']:,} |" in part
        first = fault["first_alert"]
        assert f"| first alert | {first['name']} ({first['source']}) at " in part
        for text in (f"{fault['time_to_detect_s']:.1f} s", f"{before['bad_responses']:,}"):
            assert text in html
    swap = _section(markdown, "### swap (silent_model_swap)")
    assert "| USD before detection | $0.0196 |" in swap
    assert card["faults"][0]["impact"]["before_detection"]["cost_usd"] == pytest.approx(0.0196062)
    spend = card["budgets"]["overspend"][1]
    assert spend["budget"] == "spend_per_minute_usd"
    assert f"| spend_per_minute_usd | 0.002 | {spend['exceeded']} minutes |" in markdown
    for expectation in card["expectations"]:
        assert f"| {expectation['text']} | {'pass' if expectation['passed'] else 'FAIL'} |" in (
            markdown
        )


def test_every_image_decodes_and_shows_something(scored: tuple[Path, dict[str, Any]]) -> None:
    run_dir, _ = scored
    timeline = (run_dir / "timeline.png").read_bytes()
    _assert_not_blank(timeline)
    embedded = _DATA_URI.findall((run_dir / "report.html").read_text())
    assert len(embedded) == 1
    assert base64.b64decode(embedded[0]) == timeline
    assert "![" in (run_dir / "report.md").read_text()


def test_html_is_self_contained(scored: tuple[Path, dict[str, Any]]) -> None:
    html = (scored[0] / "report.html").read_text()
    links = re.findall(r'(?:src|href)\s*=\s*["\']?([^"\'\s>]*)', html, flags=re.IGNORECASE)
    assert links, "expected the embedded image and the section links"
    for link in links:
        assert link.startswith(("data:image/png;base64,", "#")), link
        assert "//" not in link.split(",")[0]
    assert "@import" not in html and "url(" not in html
    assert "<script" not in html.lower() and "<link" not in html.lower()
    assert len(html.encode()) < 3_000_000


def test_postmortem_per_fault_says_what_changed_and_why_nobody_saw_it(
    scored: tuple[Path, dict[str, Any]],
) -> None:
    run_dir, card = scored
    swap = (run_dir / "postmortem-swap.md").read_text()
    quota = (run_dir / "postmortem-quota.md").read_text()
    assert "Component: model." in swap and "Component: provider capacity." in quota
    # Every swapped response was an HTTP 200: the sentence says so, from the telemetry.
    assert "Standard monitoring saw nothing unusual: 100.0 % of responses were HTTP 200" in swap
    assert "What did change: format-ok rate" in swap
    assert "Standard monitoring could see this one" in quota
    first = card["faults"][0]["first_alert"]
    assert f"{first['name']} (builtin, monitor format_failures) fired at" in swap
    assert "None faster" in swap
    assert "- [ ] " in swap and "- [ ] Write or link a runbook for silent_model_swap" in swap
    before = card["faults"][0]["impact"]["before_detection"]
    assert f"| before detection | {before['requests']:,} | {before['bad_responses']:,} |" in swap


def test_a_faster_builtin_signal_is_found_and_timed(tmp_path: Path) -> None:
    run_dir = tmp_path / "slow-team-alert"
    # As `gameday score --no-builtin` leaves it: only the team's own (slow) alert counts.
    card = make_run(
        run_dir,
        monitors=[{"format_failures": {"baseline_s": 10}}],
        builtin="none",
        alerts=[team_alert("TeamJsonBroken", 40.0, "silent_model_swap")],
    )
    swap = card["faults"][0]
    assert swap["first_alert"]["name"] == "TeamJsonBroken"
    write_report(run_dir)
    text = (run_dir / "postmortem-swap.md").read_text()
    found = re.search(
        r"LLMFormatFailures \(built-in monitor format_failures\) would have "
        r"fired at ([\d.]+) s \(TTD ([\d.]+) s\), ([\d.]+) s earlier",
        text,
    )
    assert found, text
    fired, ttd, gain = (float(g) for g in found.groups())
    assert gain == pytest.approx(40.0 - fired, abs=0.051)
    assert ttd == pytest.approx(fired - swap["onset_s"], abs=0.051)
    assert gain > 0
    quota = (run_dir / "postmortem-quota.md").read_text()
    assert "Nothing caught it" in quota and "would have caught it at" in quota


def test_data_strings_are_escaped_in_html_and_markdown(tmp_path: Path) -> None:
    run_dir = tmp_path / "hostile"
    evil = '<script>alert("x")</script>'
    make_run(run_dir, alerts=[team_alert(evil, 5.0, "latency", summary="<b>&'\"")])
    write_report(run_dir)
    html = (run_dir / "report.html").read_text()
    assert "<script" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "\\<script\\>" in (run_dir / "report.md").read_text()


def test_detection_stages_show_each_leg_and_skip_nulls(tmp_path: Path) -> None:
    run_dir = tmp_path / "stages"
    shutil.copytree(make_run_dir_once(tmp_path), run_dir)
    card = orjson.loads((run_dir / "scorecard.json").read_bytes())
    card["faults"][0]["detection_stages"] = {"pending_s": 2.0, "firing_s": 5.5, "notified_s": None}
    card["faults"][1]["detection_stages"] = None
    (run_dir / "scorecard.json").write_bytes(orjson.dumps(card))
    write_report(run_dir)
    markdown = (run_dir / "report.md").read_text()
    swap = _section(markdown, "### swap (silent_model_swap)")
    assert "| detection stage: pending | 2.0 s after onset (onset to pending: 2.0 s) |" in swap
    assert "| detection stage: firing | 5.5 s after onset (pending to firing: 3.5 s) |" in swap
    assert "notified" not in swap
    assert "detection stage" not in _section(markdown, "### quota (rate_limit)")
    assert "pending to firing: 3.5 s" in (run_dir / "report.html").read_text()


def make_run_dir_once(tmp_path: Path) -> Path:
    """A scored synthetic run under ``tmp_path`` (no report yet)."""
    run_dir = tmp_path / "base"
    if not (run_dir / "scorecard.json").exists():
        make_run(run_dir)
    return run_dir


def test_a_rendering_failure_loses_no_other_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_dir = make_run_dir_once(tmp_path)

    def broken(*args: object, **kwargs: object) -> bytes:
        raise RuntimeError("plotting broke")

    monkeypatch.setattr(report_write, "render_timeline", broken)
    notes = write_report_safely(run_dir)
    assert any("timeline.png not written: RuntimeError: plotting broke" in n for n in notes)
    assert not (run_dir / "timeline.png").exists()
    assert "timeline.png not written" in (run_dir / "report.md").read_text()
    assert (run_dir / "report.html").exists() and (run_dir / "postmortem-swap.md").exists()
    assert (run_dir / "scorecard.json").exists() and (run_dir / "telemetry.jsonl").exists()


def test_unscored_run_gets_a_report_saying_what_exists(tmp_path: Path) -> None:
    run_dir = tmp_path / "interrupted"
    run_dir.mkdir()
    (run_dir / "run.json").write_bytes(
        orjson.dumps(
            {
                "scenario": "synthetic",
                "seed": 1,
                "mode": "realtime",
                "t0_unix": None,
                "duration_s": 60.0,
                "interrupted": True,
                "reason": "target unreachable",
            }
        )
    )
    (run_dir / "telemetry.jsonl").write_bytes(b"")
    notes = write_report_safely(run_dir)
    text = (run_dir / "report.md").read_text()
    assert "NOT SCORED: exit 3" in text and "target unreachable" in text
    assert "| telemetry.jsonl | 0 bytes |" in text and "gameday score" in text
    assert any(n.startswith("report: ") for n in notes)


def test_cli_report_refuses_what_is_not_a_scored_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", str(tmp_path / "missing")]) == 2
    assert "not a run directory" in capsys.readouterr().err
    (tmp_path / "run.json").write_text("{}")
    assert main(["report", str(tmp_path)]) == 2
    assert "no scorecard.json" in capsys.readouterr().err


def test_cli_report_regenerates_identical_files(
    scored: tuple[Path, dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    run_dir, _ = scored
    first = {
        name: (run_dir / name).read_bytes()
        for name in ("report.md", "postmortem-swap.md", "postmortem-quota.md")
    }
    assert main(["report", str(run_dir)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert str(run_dir / "report.html") in out and str(run_dir / "timeline.png") in out
    for name, data in first.items():
        assert (run_dir / name).read_bytes() == data, name
