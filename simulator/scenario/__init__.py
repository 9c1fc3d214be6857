"""Scenario loading: YAML in, a validated immutable ``Scenario`` (or every problem) out.

Example::

    from simulator.scenario import load_scenario, to_provider_config

    scenario = load_scenario("scenarios/silent-model-swap.yaml", overrides={"seed": 3})
    config = to_provider_config(scenario)
"""

from simulator.scenario.convert import is_provider_fault, to_fault, to_provider_config
from simulator.scenario.durations import (
    Duration,
    PositiveDuration,
    format_duration,
    parse_duration,
)
from simulator.scenario.faults import (
    FAULT_MODELS,
    AgentLoopFault,
    ConfigDriftFault,
    FaultSpec,
    FaultSpecBase,
    InputDriftFault,
    LatencyFault,
    PromptRegressionFault,
    RateLimitFault,
    RetrievalDegradationFault,
    ServerErrorFault,
    SilentModelSwapFault,
    TokenBurstFault,
    fault_parameters,
)
from simulator.scenario.load import apply_overrides, load_scenario, parse_scenario, read_yaml
from simulator.scenario.model import (
    USER_KINDS,
    ClientSpec,
    ModelEntry,
    PriceSpec,
    ProviderSpec,
    RateLimitsSpec,
    Scenario,
    ScenarioDocument,
    ThinkTime,
    TrafficSpec,
    UserKind,
)
from simulator.scenario.monitoring import (
    AlertmanagerMonitor,
    BudgetExpectation,
    BudgetsSpec,
    BuiltinMonitor,
    BuiltinPack,
    DetectExpectation,
    Expectation,
    FalseAlarmsExpectation,
    MitigateExpectation,
    MonitorSpec,
    PrometheusMonitor,
    ResponderSpec,
    WebhookMonitor,
)
from simulator.scenario.problems import Problem, ScenarioError, ScenarioWarning
from simulator.scenario.schema import scenario_json_schema

__all__ = [
    "FAULT_MODELS",
    "USER_KINDS",
    "AgentLoopFault",
    "AlertmanagerMonitor",
    "BudgetExpectation",
    "BudgetsSpec",
    "BuiltinMonitor",
    "BuiltinPack",
    "ClientSpec",
    "ConfigDriftFault",
    "DetectExpectation",
    "Duration",
    "Expectation",
    "FalseAlarmsExpectation",
    "FaultSpec",
    "FaultSpecBase",
    "InputDriftFault",
    "LatencyFault",
    "MitigateExpectation",
    "ModelEntry",
    "MonitorSpec",
    "PositiveDuration",
    "PriceSpec",
    "Problem",
    "PrometheusMonitor",
    "PromptRegressionFault",
    "ProviderSpec",
    "RateLimitFault",
    "RateLimitsSpec",
    "ResponderSpec",
    "RetrievalDegradationFault",
    "Scenario",
    "ScenarioDocument",
    "ScenarioError",
    "ScenarioWarning",
    "ServerErrorFault",
    "SilentModelSwapFault",
    "ThinkTime",
    "TokenBurstFault",
    "TrafficSpec",
    "UserKind",
    "WebhookMonitor",
    "apply_overrides",
    "fault_parameters",
    "format_duration",
    "is_provider_fault",
    "load_scenario",
    "parse_duration",
    "parse_scenario",
    "read_yaml",
    "scenario_json_schema",
    "to_fault",
    "to_provider_config",
]
