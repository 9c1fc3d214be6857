"""The admin API under /admin/: inspect state, edit the fault timeline, set t0, mitigate.

The orchestrator drives the provider through it (faults on schedule, runbook actions);
with an admin token configured, every call must carry it.
"""

from __future__ import annotations

import dataclasses
import hmac
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from aiohttp import web

from fake_provider.config import FAULT_KINDS, Fault
from fake_provider.errors import ApiError
from fake_provider.http_errors import http_error_response
from fake_provider.state import Mitigation, ProviderState

_FAULT_FIELDS = {f.name for f in dataclasses.fields(Fault)}
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _json(status: int, body: object) -> web.Response:
    return web.Response(status=status, body=orjson.dumps(body), content_type="application/json")


def _error(status: int, message: str, param: str | None = None) -> web.Response:
    return _json(status, ApiError(status, message, "invalid_request_error", param).body())


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
    app: web.Application, state: ProviderState, token: str | None, clock: Callable[[], float]
) -> None:
    """Register the /admin/ routes on ``app``."""

    def guarded(handler: Handler) -> Handler:
        async def wrapper(request: web.Request) -> web.StreamResponse:
            if token is not None:
                given = request.headers.get("Authorization", "")[7:] or request.headers.get(
                    "X-Admin-Token", ""
                )
                if not hmac.compare_digest(given.encode(), token.encode()):
                    return _error(401, "Missing or wrong admin token.")
            try:
                return await handler(request)
            except ApiError as err:
                return _json(err.status, err.body())
            except web.HTTPException as exc:
                return http_error_response(request, exc)

        return wrapper

    async def body_of(request: web.Request) -> Any:
        try:
            return orjson.loads(await request.read())
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

    async def get_state(request: web.Request) -> web.StreamResponse:
        return _json(200, snapshot())

    async def put_faults(request: web.Request) -> web.StreamResponse:
        data = await body_of(request)
        if not isinstance(data, list):
            raise ApiError(400, "expected a JSON array of faults")
        faults = [parse_fault(item, f"faults[{i}]") for i, item in enumerate(data)]
        if len({f.id for f in faults}) != len(faults):
            raise ApiError(400, "fault ids must be unique", param="faults")
        state.timeline.replace(faults)
        return _json(200, snapshot())

    async def post_fault(request: web.Request) -> web.StreamResponse:
        state.timeline.add(parse_fault(await body_of(request)))
        return _json(201, snapshot())

    async def delete_fault(request: web.Request) -> web.StreamResponse:
        fault_id = request.match_info["fault_id"]
        if not state.timeline.remove(fault_id):
            return _error(404, f"no fault {fault_id!r}", "fault_id")
        return _json(200, snapshot())

    async def set_t0(request: web.Request) -> web.StreamResponse:
        data = await body_of(request)
        value = data.get("t0_unix") if isinstance(data, dict) else None
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise ApiError(
                400, "t0_unix: expected a Unix time in seconds or null (now)", param="t0_unix"
            )
        state.t0_unix = float(value) if value is not None else clock()
        return _json(200, snapshot())

    async def post_mitigation(request: web.Request) -> web.StreamResponse:
        data = await body_of(request)
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
        return _json(201, snapshot())

    async def delete_mitigations(request: web.Request) -> web.StreamResponse:
        model = request.query.get("model")
        if model is None:
            state.mitigations.clear()
        else:
            state.mitigations.pop(model, None)
        return _json(200, snapshot())

    r = app.router
    r.add_get("/admin/state", guarded(get_state))
    r.add_put("/admin/faults", guarded(put_faults))
    r.add_post("/admin/faults", guarded(post_fault))
    r.add_delete("/admin/faults/{fault_id}", guarded(delete_fault))
    r.add_post("/admin/t0", guarded(set_t0))
    r.add_post("/admin/mitigations", guarded(post_mitigation))
    r.add_delete("/admin/mitigations", guarded(delete_mitigations))


__all__ = ["add_admin_routes", "parse_fault"]
