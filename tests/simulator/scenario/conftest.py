"""Helpers for scenario tests: valid fixtures copied into tmp_path with the files they name."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

VALID = Path(__file__).parent / "valid"


@pytest.fixture
def design_example(tmp_path: Path) -> Path:
    """DESIGN.md's example scenario beside the rules file and runbooks folder it references."""
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "llm-alerts.yml").write_text("groups: []\n")
    (tmp_path / "runbooks").mkdir()
    return Path(shutil.copy(VALID / "design_example.yaml", tmp_path / "silent-model-swap.yaml"))


@pytest.fixture
def every_fault() -> Path:
    """A scenario with one fault of every kind (it references no files)."""
    return VALID / "all_fault_kinds.yaml"
