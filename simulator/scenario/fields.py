"""Building blocks of scenario records: the base model, number ranges, paths, prompt text.

Paths in a scenario are relative to the scenario file: validators read the scenario's
directory from the validation context (``{"base_dir": Path}``) and return absolute paths.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, WithJsonSchema
from pydantic_core import PydanticCustomError

from simulator.scenario.problems import show, unknown

Probability = Annotated[float, Field(ge=0, le=1)]
PositiveFloat = Annotated[float, Field(gt=0)]
PositiveInt = Annotated[int, Field(gt=0)]
NonNegFloat = Annotated[float, Field(ge=0)]


class Spec(BaseModel):
    """Base of every scenario record: immutable, unknown keys rejected."""

    model_config = ConfigDict(frozen=True, extra="forbid")


def scenario_error(message: str) -> PydanticCustomError:
    """A validation error whose text is ``message`` verbatim."""
    return PydanticCustomError("scenario", "{message}", {"message": message})


def _resolve_path(value: Any, info: ValidationInfo) -> Path:
    """An existing path, made absolute against the scenario's directory."""
    if not isinstance(value, str | Path) or not str(value).strip():
        raise scenario_error(f"expected a path relative to the scenario file, got {show(value)}")
    base = Path((info.context or {}).get("base_dir") or Path.cwd())
    path = (base / Path(value).expanduser()).resolve()
    if not path.exists():
        raise scenario_error(f"file not found: {path} (paths are relative to the scenario file)")
    return path


#: An existing file or directory named relative to the scenario file; absolute once loaded.
ScenarioPath = Annotated[
    Path,
    BeforeValidator(_resolve_path),
    WithJsonSchema({"type": "string", "description": "path relative to the scenario file"}),
]


def _read_prompt(value: Any, info: ValidationInfo) -> str:
    """Prompt text given inline, or read from ``{file: path}``."""
    if isinstance(value, str):
        return value
    if not isinstance(value, Mapping):
        raise scenario_error(f"expected prompt text or {{file: path}}, got {show(value)}")
    for key in value:
        if key != "file":
            raise scenario_error(unknown("key", key, ["file"]))
    if "file" not in value:
        raise scenario_error("missing required key 'file'")
    path = _resolve_path(value["file"], info)
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise scenario_error(f"cannot read prompt file {path}: {err}") from None


PromptText = Annotated[
    str,
    BeforeValidator(_read_prompt),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string"},
                {
                    "type": "object",
                    "properties": {"file": {"type": "string"}},
                    "required": ["file"],
                    "additionalProperties": False,
                },
            ]
        }
    ),
]


def loader_fills(key: str) -> Any:
    """JSON Schema hook: ``key`` may be left out, the loader supplies it."""

    def drop(schema: dict[str, Any]) -> None:
        schema["required"] = [k for k in schema.get("required", []) if k != key]

    return drop
