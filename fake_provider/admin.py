"""The admin API under /admin/: inspect state, edit the fault timeline, set t0, mitigate.

The orchestrator drives the provider through it (faults on schedule, runbook actions);
with an admin token configured, every call must carry it.
"""

from __future__ import annotations

import dataclasses
import hmac
from collections.abc import Callable
from typing import Any

import orjson

from fake_provider.config import FAULT_KINDS, Fault
from fake_provider.errors import ApiError
from fake_provider.state import Mitigation, ProviderState
from fake_provider.wire import Exchange, Request, Response, Router, json_response

_FAULT_FIELDS = {f.name for f in dataclasses.fields(Fault)}
AdminHandler = Callable[[Request], Response]


def _error(status: int, message: str, param: str | None = None) -> Response:
    return json_response(status, ApiError(status, message, "invalid_request_error", param).body())


def parse_fault(data: Any, path: str = "fault") -> Fault:
    """A fault from its JSON form (as ``Fault.to_json`` writes it); ApiError 400 otherwise."""
    if not isinstance(data, dict):
        raise ApiError(400, f"{path}: expected an object", param=path)
    unknown = sorted(set(data) - _FAULT_FIELDS)
    if unknown:
        raise ApiError(400, f"{path}.{unknown[0]}: unknown field", param=f"{path}.{unknown[0]}")
    for name in ("id", "kind", "start_s", "duration_s"):
        if name not in data:
            raise ApiError(400, f"{path}.{name}: required", param=f"{path}.{name}")
    if data["kind"] not in FAULT_KINDS:
        raise ApiError(
            400, f"{path}.kind: expected one of {', '.join(FAULT_KINDS)}", param=f"{path}.kind"
        )
    for name in ("start_s", "duration_s", "ramp_s", "fraction"):
        value = data.get(name, 0)
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise ApiError(
                400, f"{path}.{name}: expected a non-negative number", param=f"{path}.{name}"
            )
    try:
        return Fault.from_json(data)
    except TypeError as exc:
        raise ApiError(400, f"{path}: {exc}", param=path) from None


def add_admin_routes(
    router: Router, state: ProviderState, token: str | None, clock: Callable[[], float]
) -> None:
    """Register the /admin/ routes on ``router``."""

    def guarded(handler: AdminHandler) -> Callable[[Request, Exchange], Response]:
        def wrapper(request: Request, exchange: Exchange) -> Response:
            if token is not None:
                given = request.headers.get("authorization", "")[7:] or request.headers.get(
                    "x-admin-token", ""
                )
                if not hmac.compare_digest(given.encode(), token.encode()):
                    return _error(401, "Missing or wrong admin token.")
            if request.too_large:
                return _error(413, "Request body too large.")
            try:
                return handler(request)
            except ApiError as err:
                return json_response(err.status, err.body())

        return wrapper

    def body_of(request: Request) -> Any:
        try:
            return orjson.loads(request.body)
        except orjson.JSONDecodeError as exc:
            raise ApiError(400, f"malformed JSON: {exc.msg}") from None

    def snapshot() -> dict[str, Any]:
        now = clock()
        t_s = now - state.t0_unix
        return {
            "t0_unix": state.t0_unix,
            "t_s": t_s,
            "faults": [f.to_json() for f in state.timeline.faults],
            "active": [f.id for f in state.timeline.active(t_s)],
            "mitigations": [m.to_json() for m in state.mitigations.values()],
            "models": [dataclasses.asdict(m) for m in state.config.models],
            "rate_limits": state.limiter.snapshot(now),
            "requests": state.sequence,
        }

    def get_state(request: Request) -> Response:
        return json_response(200, snapshot())

    def put_faults(request: Request) -> Response:
        data = body_of(request)
        if not isinstance(data, list):
            raise ApiError(400, "expected a JSON array of faults")
        faults = [parse_fault(item, f"faults[{i}]") for i, item in enumerate(data)]
        if len({f.id for f in faults}) != len(faults):
            raise ApiError(400, "fault ids must be unique", param="faults")
        state.timeline.replace(faults)
        return json_response(200, snapshot())

    def post_fault(request: Request) -> Response:
        state.timeline.add(parse_fault(body_of(request)))
        return json_response(201, snapshot())

    def delete_fault(request: Request) -> Response:
        fault_id = request.params["fault_id"]
        if not state.timeline.remove(fault_id):
            return _error(404, f"no fault {fault_id!r}", "fault_id")
        return json_response(200, snapshot())

    def set_t0(request: Request) -> Response:
        data = body_of(request)
        value = data.get("t0_unix") if isinstance(data, dict) else None
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise ApiError(
                400, "t0_unix: expected a Unix time in seconds or null (now)", param="t0_unix"
            )
        state.t0_unix = float(value) if value is not None else clock()
        return json_response(200, snapshot())

    def post_mitigation(request: Request) -> Response:
        data = body_of(request)
        if not isinstance(data, dict):
            raise ApiError(400, "expected an object")
        kind, model = data.get("action"), data.get("model")
        if model not in state.models:
            raise ApiError(400, f"model: unknown model {model!r}", param="model")
        if kind == "pin_model":
            behaviour = data.get("behaviour") or state.models[model].behaviour
            try:
                state.behaviour(str(behaviour))
            except Exception:
                raise ApiError(
                    400, f"behaviour: unknown {behaviour!r}", param="behaviour"
                ) from None
            fix = Mitigation(
                "pin_model", model, behaviour=str(behaviour), at_s=clock() - state.t0_unix
            )
        elif kind == "fallback_model":
            target = data.get("to")
            if target not in state.models or target == model:
                raise ApiError(
                    400, f"to: expected another served model, got {target!r}", param="to"
                )
            fix = Mitigation("fallback_model", model, to=str(target), at_s=clock() - state.t0_unix)
        else:
            raise ApiError(400, "action: expected 'pin_model' or 'fallback_model'", param="action")
        state.mitigations[model] = fix
        return json_response(201, snapshot())

    def delete_mitigations(request: Request) -> Response:
        model = request.query("model")
        if model is None:
            state.mitigations.clear()
        else:
            state.mitigations.pop(model, None)
        return json_response(200, snapshot())

    router.add("GET", "/admin/state", guarded(get_state))
    router.add("PUT", "/admin/faults", guarded(put_faults))
    router.add("POST", "/admin/faults", guarded(post_fault))
    router.add("DELETE", "/admin/faults/{fault_id}", guarded(delete_fault))
    router.add("POST", "/admin/t0", guarded(set_t0))
    router.add("POST", "/admin/mitigations", guarded(post_mitigation))
    router.add("DELETE", "/admin/mitigations", guarded(delete_mitigations))


__all__ = ["add_admin_routes", "parse_fault"]
