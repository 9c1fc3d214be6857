"""How runbook actions take effect: provider fixes via the admin API (or the provider state in
virtual time), client fixes via the clients' :class:`ClientControls`."""

from __future__ import annotations

import json
import urllib.error
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from fake_provider.errors import GamedayError
from fake_provider.state import Mitigation, ProviderState
from simulator.runbooks.model import PROVIDER_ACTIONS, MitigationAction
from simulator.workloads.controls import ClientControls


class MitigationError(GamedayError):
    """A runbook action could not be carried out (recorded in actions.jsonl, not raised on)."""


class ProviderFixes(Protocol):
    """Where provider-side mitigations go."""

    def mitigate(self, body: Mapping[str, Any], now_s: float) -> None:
        """Apply ``{"action": "pin_model"|"fallback_model", "model": …, …}``."""


class AdminApiFixes:
    """Provider fixes through ``POST /admin/mitigations`` of a running fake provider."""

    def __init__(self, call: Callable[[str, str, Any], Any]) -> None:
        self._call = call  # ProviderProcess.request

    def mitigate(self, body: Mapping[str, Any], now_s: float) -> None:
        """POST the mitigation; an HTTP error becomes a :class:`MitigationError`."""
        try:
            self._call("POST", "/admin/mitigations", dict(body))
        except urllib.error.HTTPError as exc:
            try:
                message = json.loads(exc.read()).get("error", {}).get("message", "")
            except (ValueError, AttributeError):
                message = ""
            raise MitigationError(f"admin API answered {exc.code}: {message}") from None
        except OSError as exc:
            raise MitigationError(f"admin API unreachable: {exc}") from None


class StateFixes:
    """Provider fixes straight on an in-process :class:`ProviderState` (virtual time)."""

    def __init__(self, state: ProviderState) -> None:
        self.state = state

    def mitigate(self, body: Mapping[str, Any], now_s: float) -> None:
        """Record the mitigation on the state, as the admin API would."""
        model, action = str(body["model"]), str(body["action"])
        if model not in self.state.models:
            raise MitigationError(f"model: unknown model {model!r}")
        if action == "pin_model":
            behaviour = str(body.get("behaviour") or self.state.models[model].behaviour)
            self.state.behaviour(behaviour)  # raises on an unknown profile
            fix = Mitigation("pin_model", model, behaviour=behaviour, at_s=now_s)
        else:
            target = body.get("to")
            if target not in self.state.models or target == model:
                raise MitigationError(f"to: expected another served model, got {target!r}")
            fix = Mitigation("fallback_model", model, to=str(target), at_s=now_s)
        self.state.mitigations[model] = fix


class Mitigator:
    """The responder's effector: provider actions to ``provider``, the rest to ``controls``.

    ``publish`` is called after every client-side change (the master sends the controls to
    its workers there).
    """

    def __init__(
        self,
        provider: ProviderFixes,
        controls: ClientControls,
        default_model: str,
        publish: Callable[[ClientControls], None] | None = None,
    ) -> None:
        self.provider = provider
        self.controls = controls
        self.default_model = default_model
        self.publish = publish

    def execute(self, action: MitigationAction, now_s: float) -> tuple[str | None, str]:
        """Carry ``action`` out; (target, what changed)."""
        params = action.params
        if action.kind in PROVIDER_ACTIONS:
            model = str(params.get("model") or self.default_model)
            body: dict[str, Any] = {"action": action.kind, "model": model}
            if action.kind == "pin_model":
                if params.get("behaviour"):
                    body["behaviour"] = params["behaviour"]
                pinned = params.get("behaviour") or "its configured"
                change = f"{model} pinned to {pinned} behaviour"
            else:
                body["to"] = params.get("to")
                change = f"{model} routed to {params.get('to')}"
            self.provider.mitigate(body, now_s)
            return model, change
        change = self.controls.apply(action.kind, params, now_s)
        if self.publish is not None:
            self.publish(self.controls)
        return "clients", change
