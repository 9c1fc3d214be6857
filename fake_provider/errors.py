"""The project's exception root and the provider's API error."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class GamedayError(Exception):
    """Root of every error llm-gameday raises on purpose; the CLI maps subclasses to exit codes."""


class InvalidInputError(GamedayError):
    """Bad user input (scenario, runbook, flags): the CLI exits 2."""


@dataclass(frozen=True, slots=True)
class ApiError(Exception):
    """An OpenAI-shaped error answer: HTTP status plus ``{"error": {...}}``."""

    status: int
    message: str
    type: str = "invalid_request_error"
    param: str | None = None
    code: str | None = None

    def body(self) -> dict[str, Any]:
        """The JSON body OpenAI sends for this error."""
        return {
            "error": {
                "message": self.message,
                "type": self.type,
                "param": self.param,
                "code": self.code,
            }
        }
