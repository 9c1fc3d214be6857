"""The README lists every metric the orchestrator and the provider export, with its labels."""

from __future__ import annotations

import re
from pathlib import Path

from fake_provider.config import ProviderConfig, default_models
from fake_provider.provider_metrics import ProviderMetrics
from fake_provider.state import ProviderState
from simulator.client_metrics import ClientMetrics

README = Path(__file__).resolve().parents[3] / "README.md"


def _documented() -> dict[str, set[str]]:
    """metric name -> labels, from every README table row ``| `name`, `name` | type | labels |``."""
    out: dict[str, set[str]] = {}
    for line in README.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or cells[1] not in ("counter", "gauge", "histogram"):
            continue
        labels = set(re.findall(r"`([^`]+)`", cells[2]))
        for name in re.findall(r"`([^`]+)`", cells[0]):
            out[name] = labels
    return out


def test_every_exported_metric_and_label_is_in_the_readme() -> None:
    state = ProviderState.create(ProviderConfig(models=default_models()), t0_unix=0.0)
    registries = [ClientMetrics().registry, ProviderMetrics(state).registry]
    documented = _documented()
    exported = {m.name: set(m.label_names) for r in registries for m in r.metrics}
    assert len(exported) >= 20
    for name, labels in exported.items():
        assert name in documented, f"{name} is missing from the README metrics tables"
        assert documented[name] == labels, f"{name}: README says {documented[name]}"
