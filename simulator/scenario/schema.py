"""The JSON Schema of scenario files, for editors (``gameday schema``)."""

from __future__ import annotations

from typing import Any

from simulator.scenario.model import ScenarioDocument

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def scenario_json_schema() -> dict[str, Any]:
    """A JSON Schema (draft 2020-12) describing a scenario file, keys as written in YAML.

    Example::

        json.dump(scenario_json_schema(), sys.stdout, indent=2)
    """
    schema = ScenarioDocument.model_json_schema(mode="validation", by_alias=True)
    schema["title"] = "llm-gameday scenario"
    schema["description"] = (
        "A game day: the fake provider, the traffic, the faults on a timeline, the monitors "
        "and budgets under test, and what is expected of them. Durations are 90s, 6m, 1h30m "
        "or a number of seconds; paths are relative to the scenario file."
    )
    return {"$schema": SCHEMA_DIALECT, **schema}
