"""Runbook parsing and ``gameday lint RUNBOOKS``: structure, actions and coverage."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from simulator.runbooks import lint_runbooks, load_runbooks, parse_runbook
from simulator.scenario import load_scenario

REPO = Path(__file__).resolve().parents[3]
SHIPPED = REPO / "scenarios" / "runbooks"
INVALID = Path(__file__).parent / "invalid"


def _lint(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "simulator.cli", "lint", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )


@pytest.mark.parametrize(
    ("name", "line", "fragment"),
    [
        ("missing-section.md", 8, "missing required section '## Escalation'"),
        ("unknown-action.md", 7, "unknown action 'pin_modle'; did you mean 'pin_model'?"),
        ("bad-param.md", 7, "mitigation[0].throttle.keep: expected a share above 0"),
        ("unknown-param.md", 7, "unknown parameter 'max_token'; did you mean 'max_tokens'?"),
        ("unknown-class.md", 4, "unknown class 'silent_swap'"),
        ("no-front-matter.md", 1, "expected YAML front matter"),
        ("missing-key.md", 2, "missing required key 'alerts'"),
        ("bad-severity.md", 5, "severity: unknown 'urgent'"),
        ("fallback-without-to.md", 7, "missing required parameter 'to'"),
        ("bad-yaml.md", 7, "invalid YAML"),
    ],
)
def test_lint_names_file_line_and_problem_and_exits_2(
    tmp_path: Path, name: str, line: int, fragment: str
) -> None:
    shutil.copy(INVALID / name, tmp_path / name)
    proc = _lint(str(tmp_path))
    assert proc.returncode == 2, proc.stderr
    assert f"{tmp_path / name}:{line}: " in proc.stderr, proc.stderr
    assert fragment in proc.stderr, proc.stderr


def test_every_problem_of_a_directory_is_reported_at_once(tmp_path: Path) -> None:
    for path in INVALID.glob("*.md"):
        shutil.copy(path, tmp_path / path.name)
    _, problems = lint_runbooks(tmp_path)
    assert {p.path.name for p in problems} == {p.name for p in INVALID.glob("*.md")}


def test_shipped_runbooks_parse_with_their_actions() -> None:
    runbooks, problems = load_runbooks(SHIPPED)
    assert problems == []
    assert {r.id for r in runbooks.runbooks} >= {
        "silent-model-swap",
        "rate-limit",
        "token-burst",
        "agent-loop",
        "prompt-regression",
    }
    swap = runbooks.by_id("silent-model-swap")
    assert swap is not None and [a.kind for a in swap.mitigation] == ["pin_model"]
    throttle = runbooks.by_id("rate-limit")
    assert throttle is not None
    assert [(a.kind, dict(a.params)) for a in throttle.mitigation] == [
        ("lower_max_tokens", {"max_tokens": 128}),
        ("throttle", {"keep": 0.25, "for": 180.0}),
    ]
    for book in runbooks.runbooks:
        assert [s.split()[0] for s in book.sections[1:5]] == [
            "Trigger",
            "Diagnosis",
            "Mitigation",
            "Escalation",
        ]


@pytest.mark.parametrize("scenario", sorted((REPO / "scenarios").glob("*.yaml")), ids=str)
def test_shipped_runbooks_cover_every_shipped_scenario(scenario: Path) -> None:
    proc = _lint(str(SHIPPED), "--scenario", str(scenario))
    assert proc.returncode == 0, proc.stderr
    assert "ok (" in proc.stdout


def test_coverage_names_alerts_and_classes_without_a_runbook(tmp_path: Path) -> None:
    shutil.copy(SHIPPED / "rate-limit.md", tmp_path / "rate-limit.md")
    proc = _lint(str(tmp_path), "--scenario", str(REPO / "scenarios" / "quickstart.yaml"))
    assert proc.returncode == 2
    assert "alert 'LLMModelChanged' from monitors[0] (builtin model_change) has no runbook" in (
        proc.stderr
    )
    assert "fault 'swap' is a silent_model_swap, and no runbook" in proc.stderr
    assert "LLMRateLimited" not in proc.stderr  # covered by rate-limit.md


def test_actions_must_name_what_the_scenario_has(tmp_path: Path) -> None:
    text = (SHIPPED / "silent-model-swap.md").read_text()
    text = text.replace("  - pin_model ", "  - pin_model: {model: gpt-9, behaviour: nope} ")
    (tmp_path / "swap.md").write_text(text)
    scenario = load_scenario(REPO / "scenarios" / "silent-model-swap.yaml")
    book, problems = parse_runbook(tmp_path / "swap.md")
    assert problems == [] and book is not None
    _, problems = lint_runbooks(tmp_path, scenario)
    messages = [p.message for p in problems]
    assert any("serves no model 'gpt-9'" in m for m in messages)
    assert any("unknown behaviour 'nope'" in m for m in messages)


def test_a_scenario_with_broken_runbooks_fails_lint_and_run(tmp_path: Path) -> None:
    books = tmp_path / "runbooks"
    books.mkdir()
    shutil.copy(INVALID / "unknown-action.md", books / "x.md")
    text = (REPO / "scenarios" / "silent-model-swap.yaml").read_text()
    scenario = tmp_path / "s.yaml"
    assert "runbooks: runbooks/" in text  # the copy's runbooks are the broken ones here
    scenario.write_text(text)
    lint = _lint(str(scenario))
    assert lint.returncode == 2 and "unknown action 'pin_modle'" in lint.stderr
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "simulator.cli",
            "run",
            str(scenario),
            "--report-dir",
            str(tmp_path / "reports"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )
    assert run.returncode == 2 and "unknown action 'pin_modle'" in run.stderr
    assert not (tmp_path / "reports").exists()  # nothing ran


def test_coverage_reads_every_rule_file_of_a_rules_directory(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    for name, alert in (("a.yml", "LlmRateLimited"), ("b.yaml", "TeamTokensGone")):
        (rules / name).write_text(
            f"groups:\n  - name: g\n    rules:\n      - alert: {alert}\n"
            "        expr: vector(1) > 2\n"
        )
    (rules / "a.test.yml").write_text("rule_files: [a.yml]\ntests: []\n")
    text = (REPO / "scenarios" / "rate-limit-cascade.yaml").read_text()
    text = text.replace("monitors: [builtin]", "monitors:\n  - prometheus: {rules: rules/}")
    text = text.replace("runbooks: runbooks/\n", "")
    scenario = tmp_path / "s.yaml"
    scenario.write_text(text)
    proc = _lint(str(SHIPPED), "--scenario", str(scenario))
    assert proc.returncode == 2, proc.stdout
    assert "alert 'TeamTokensGone' from monitors[0] (rule in b.yaml) has no runbook" in (
        proc.stderr
    )
    assert "LlmRateLimited" not in proc.stderr  # a.yml's alert has the rate-limit runbook
