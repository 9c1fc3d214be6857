"""The files a run hands Prometheus and Alertmanager: prometheus.yml, rules, alertmanager.yml.

Prometheus scrapes the orchestrator's ``/metrics`` (client view, on the intake port) and the
fake provider's ``/metrics``, evaluates the team's rules (copied into the run directory) and
sends alerts straight to the harness intake's ``/api/v2/alerts`` and, when the scenario has
one, to the team's Alertmanager. The team's Alertmanager config keeps its routes, grouping
and inhibitions; every receiver also notifies the harness webhook.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from fake_provider.errors import InvalidInputError
from simulator.orchestrate.rundir import write_atomic

RULES_DIR = "rules"


@dataclass(frozen=True, slots=True)
class ScrapeTargets:
    """Loopback ``host:port`` of everything Prometheus talks to during a run."""

    client: str
    provider: str
    intake: str
    alertmanager: str | None = None


def prom_duration(seconds: float) -> str:
    """Seconds as a Prometheus duration (``1s``, ``1500ms``)."""
    millis = max(1, round(seconds * 1000))
    return f"{millis // 1000}s" if millis % 1000 == 0 else f"{millis}ms"


def copy_rules(files: Sequence[Path], run_dir: Path) -> list[str]:
    """Copy rule files into ``run_dir/rules/``; returns their paths relative to ``run_dir``."""
    target = run_dir / RULES_DIR
    target.mkdir(exist_ok=True)
    out = []
    for i, path in enumerate(files):
        name = path.name if not (target / path.name).exists() else f"{i}-{path.name}"
        shutil.copyfile(path, target / name)
        out.append(f"{RULES_DIR}/{name}")
    return out


def prometheus_config(
    targets: ScrapeTargets,
    rule_paths: Sequence[str],
    scrape_interval_s: float,
    evaluation_interval_s: float,
) -> dict[str, Any]:
    """prometheus.yml as data: two scrape jobs, the rules, and where alerts go."""
    interval = prom_duration(scrape_interval_s)
    managers = [targets.intake] + ([targets.alertmanager] if targets.alertmanager else [])
    return {
        "global": {
            "scrape_interval": interval,
            "scrape_timeout": interval,
            "evaluation_interval": prom_duration(evaluation_interval_s),
        },
        "rule_files": list(rule_paths),
        "scrape_configs": [
            {"job_name": "gameday-client", "static_configs": [{"targets": [targets.client]}]},
            {"job_name": "gameday-provider", "static_configs": [{"targets": [targets.provider]}]},
        ],
        "alerting": {
            "alertmanagers": [
                {"api_version": "v2", "static_configs": [{"targets": [target]}]}
                for target in managers
            ]
        },
    }


def write_yaml(path: Path, data: Mapping[str, Any], header: str = "") -> None:
    """Write ``data`` as YAML, atomically, after ``header`` comment lines."""
    comment = "".join(f"# {line}\n" for line in header.splitlines())
    write_atomic(path, (comment + yaml.safe_dump(dict(data), sort_keys=False)).encode())


def read_team_yaml(path: Path, where: str) -> dict[str, Any]:
    """A team's YAML file as a mapping; raises :class:`InvalidInputError` when it is not."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise InvalidInputError(f"{where}: cannot read {path}: {exc}") from None
    if not isinstance(data, dict):
        raise InvalidInputError(f"{where}: {path} is not a YAML mapping")
    return data


def alertmanager_config(
    team: Mapping[str, Any], webhook_url: str, config_dir: Path
) -> dict[str, Any]:
    """The team's Alertmanager config with the harness webhook added to every receiver.

    Each receiver gets one more ``webhook_configs`` entry (``send_resolved: true``) pointing
    at ``webhook_url`` and keeps its own integrations, so the routes, grouping, inhibitions
    and timers stay the team's and every notification Alertmanager sends is recorded (the
    webhook payload names the receiver). Relative template paths become absolute against
    ``config_dir``.
    """
    config = yaml.safe_load(yaml.safe_dump(dict(team), sort_keys=False))  # a deep, plain copy
    receivers = config.get("receivers")
    if not isinstance(receivers, list) or not all(isinstance(r, dict) for r in receivers):
        raise InvalidInputError("alertmanager config: expected a list of receivers")
    for receiver in receivers:
        hooks = receiver.get("webhook_configs") or []
        hooks.append({"url": webhook_url, "send_resolved": True})
        receiver["webhook_configs"] = hooks
    if isinstance(config.get("templates"), list):
        config["templates"] = [str(config_dir / t) for t in config["templates"]]
    return config
