"""Real Prometheus and Alertmanager in the loop: config files, checks, processes, queries.

Example::

    plan = plan_stack(scenario)  # raises InvalidInputError on bad rules or missing binaries
    with prometheus_stack(scenario, run_dir, intake_port, provider_url, book, notes):
        ...
"""

from simulator.promstack.activations import Activation, activations_from_matrix, query_activations
from simulator.promstack.configs import alertmanager_config, prometheus_config
from simulator.promstack.stack import StackPlan, plan_stack, prometheus_stack
from simulator.promstack.tools import check_alertmanager_config, check_rules, run_rule_tests

__all__ = [
    "Activation",
    "StackPlan",
    "activations_from_matrix",
    "alertmanager_config",
    "check_alertmanager_config",
    "check_rules",
    "plan_stack",
    "prometheus_config",
    "prometheus_stack",
    "query_activations",
    "run_rule_tests",
]
