"""What is under test and what is expected of it: monitors, budgets, responder, expectations."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator

from simulator.scenario.durations import Duration, PositiveDuration
from simulator.scenario.fields import (
    NonNegFloat,
    PositiveFloat,
    PositiveInt,
    ScenarioPath,
    Spec,
    scenario_error,
)


class BuiltinPack(Spec):
    """The reference pack of built-in monitors (``- builtin``)."""


class BuiltinMonitor(Spec):
    """One built-in monitor by name; the monitors stage validates its parameters."""

    name: str = Field(min_length=1)
    params: dict[str, Any] = Field(default_factory=dict)


class PrometheusMonitor(Spec):
    """Prometheus alert rules evaluated over the harness's metrics."""

    rules: ScenarioPath
    scrape_interval_s: PositiveDuration = Field(default=15.0, alias="scrape_interval")
    evaluation_interval_s: PositiveDuration = Field(default=15.0, alias="evaluation_interval")


class AlertmanagerMonitor(Spec):
    """An Alertmanager configuration whose routes deliver to the harness."""

    config: ScenarioPath


class WebhookMonitor(Spec):
    """Where the alert intake listens for Alertmanager-style webhooks."""

    listen: str = "127.0.0.1:9095"

    @field_validator("listen")
    @classmethod
    def _host_port(cls, value: str) -> str:
        """``host:port`` with a port from 0 to 65535."""
        match = re.fullmatch(r"(\[[0-9a-fA-F:]+\]|[^:\s]+):(\d{1,5})", value)
        if match is None or int(match.group(2)) > 65535:
            raise scenario_error(f"expected host:port such as 127.0.0.1:9095, got {value!r}")
        return value

    @property
    def host(self) -> str:
        """The host part, without IPv6 brackets."""
        return self.listen.rsplit(":", 1)[0].strip("[]")

    @property
    def port(self) -> int:
        """The TCP port."""
        return int(self.listen.rsplit(":", 1)[1])


MonitorSpec = (
    BuiltinPack | BuiltinMonitor | PrometheusMonitor | AlertmanagerMonitor | WebhookMonitor
)


class PrometheusEntry(Spec):
    """``- prometheus: {...}`` in ``monitors``."""

    prometheus: PrometheusMonitor


class AlertmanagerEntry(Spec):
    """``- alertmanager: {...}`` in ``monitors``."""

    alertmanager: AlertmanagerMonitor


class WebhookEntry(Spec):
    """``- webhook: {...}`` in ``monitors``."""

    webhook: WebhookMonitor


MonitorEntry = (
    Literal["builtin"] | str | PrometheusEntry | AlertmanagerEntry | WebhookEntry | dict[str, Any]
)


class BudgetsSpec(Spec):
    """Guard limits; every budget is optional.

    ``enforce: false`` keeps the limits for judging (overspend, the cost monitor) but has
    the clients enforce none of them: what happens without guards, or when the team's own
    gateway is the one that must enforce them.
    """

    session_tokens: PositiveInt | None = None
    agent_max_steps: PositiveInt | None = None
    spend_per_minute_usd: PositiveFloat | None = None
    request_max_tokens: PositiveInt | None = None
    global_spend_per_minute_usd: PositiveFloat | None = None
    enforce: bool = True

    @classmethod
    def budget_names(cls) -> list[str]:
        """The names of the budgets (every field but ``enforce``)."""
        return [name for name in cls.model_fields if name != "enforce"]

    def limits(self) -> dict[str, float]:
        """Every budget that is set, by name."""
        return {
            name: float(value)
            for name in self.budget_names()
            if (value := getattr(self, name)) is not None
        }


class ResponderSpec(Spec):
    """The simulated human: how long they take to act on a page (0 = automation)."""

    delay_s: Duration = Field(default=0.0, alias="delay")


class DetectExpectation(Spec):
    """Fault ``fault`` is detected within ``detect_within`` of its onset."""

    fault: str
    detect_within_s: Duration = Field(alias="detect_within")


class MitigateExpectation(Spec):
    """Fault ``fault``'s impact stops within ``mitigated_within`` of its onset."""

    fault: str
    mitigated_within_s: Duration = Field(alias="mitigated_within")


class FalseAlarmsExpectation(Spec):
    """At most ``false_alarms`` alerts attributed to no fault."""

    false_alarms: Annotated[int, Field(ge=0)]


class BudgetExpectation(Spec):
    """Budget ``budget`` is overspent by at most ``max_overspend_usd``."""

    budget: str
    max_overspend_usd: NonNegFloat


Expectation = DetectExpectation | MitigateExpectation | FalseAlarmsExpectation | BudgetExpectation
