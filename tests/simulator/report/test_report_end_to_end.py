"""A real `gameday run` writes its report; headless Chromium renders report.html offline into
a screenshot that is not blank; `gameday report` regenerates the same numbers."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PIL import Image

SCENARIO = """
name: report-e2e
description: Fourteen seconds, one silent swap, for the report.
seed: 3
duration: 14s
provider:
  models:
    gpt-4o-mini: {behaviour: fast, price: {input: 0.15, output: 0.60}}
behaviours:
  fast: {extends: baseline, ttft_ms: 20, itl_ms: 1}
  fast_prose: {extends: prose_wrapped_json, ttft_ms: 20, itl_ms: 1}
traffic:
  users: 4
  spawn_rate: 4
  mix: {extract: 3, agent: 1}
  stream_share: 0.3
  think_time: {min: 0.05s, max: 0.2s}
faults:
  - {id: swap, kind: silent_model_swap, start: 6s, duration: 5s, behaviour: fast_prose}
monitors:
  - format_failures: {baseline_s: 4}
budgets: {agent_max_steps: 8}
expect:
  - {fault: swap, detect_within: 15s}
"""


def _gameday(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "simulator.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing: .ci/run installs the Debian package")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return found


def _screenshot(chromium: str, page: Path, tmp_path: Path) -> Path:
    """report.html rendered by headless Chromium with networking off, as a PNG."""
    shot = tmp_path / "shot.png"
    argv = [
        chromium,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
        f"--screenshot={shot}",
        "--window-size=1280,2000",
        page.as_uri(),
    ]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    assert shot.exists(), proc.stderr[-2000:]
    return shot


@pytest.mark.slow
def test_run_writes_a_report_chromium_renders_and_report_regenerates(tmp_path: Path) -> None:
    chromium = _chromium()
    scenario = tmp_path / "report-e2e.yaml"
    scenario.write_text(textwrap.dedent(SCENARIO))
    proc = _gameday("run", str(scenario), "--report-dir", str(tmp_path / "reports"))
    assert proc.returncode in (0, 1), proc.stderr
    run_dir = Path(proc.stdout.strip().splitlines()[-1])
    assert f"report: {run_dir / 'report.html'}" in proc.stderr
    for name in ("report.md", "report.html", "timeline.png", "postmortem-swap.md"):
        assert (run_dir / name).is_file(), name
    card = json.loads((run_dir / "scorecard.json").read_text())
    swap = card["faults"][0]
    markdown = (run_dir / "report.md").read_text()
    bad = swap["impact"]["before_detection"]["bad_responses"]
    assert f"| bad responses before detection | {bad:,} |" in markdown
    assert f"score {card['score']:.1f}/100" in markdown

    with Image.open(_screenshot(chromium, run_dir / "report.html", tmp_path)) as shot:
        pixels = shot.convert("RGB")
        colours = pixels.getcolors(maxcolors=1 << 22)
        assert colours is not None and len(colours) > 50, "screenshot looks blank"
        top = pixels.crop((0, 0, 1280, 1200)).getcolors(maxcolors=1 << 22)
        assert top is not None and len(top) > 50, "the verdict and timeline did not render"

    before = {p.name: p.read_bytes() for p in run_dir.glob("*.md")}
    regenerated = _gameday("report", str(run_dir), timeout=60)
    assert regenerated.returncode == 0, regenerated.stderr
    after = {p.name: p.read_bytes() for p in run_dir.glob("*.md")}
    assert after == before
