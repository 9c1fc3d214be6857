"""aiohttp's own HTTP errors (404, 405, 413…) answered in OpenAI's error shape.

Per-route wrappers and a catch-all route rather than a middleware: a middleware costs
every request, and the API handlers, the hot path, convert their own errors.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import orjson
from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_JSON = "application/json"


def json_response(status: int, body: object, headers: dict[str, str] | None = None) -> web.Response:
    """A JSON answer with ``status``."""
    return web.Response(status=status, body=orjson.dumps(body), content_type=_JSON, headers=headers)


def http_error_response(request: web.Request, exc: web.HTTPException) -> web.Response:
    """The JSON error for an aiohttp HTTP error (re-raised when it is not an error)."""
    if exc.status < 400:
        raise exc
    code = {404: "unknown_url", 405: "method_not_allowed"}.get(exc.status)
    message = (
        f"Invalid URL ({request.method} {request.path})" if exc.status in (404, 405) else exc.reason
    )
    error = {"message": message, "type": "invalid_request_error", "param": None, "code": code}
    return json_response(exc.status, {"error": error})


def errors_as_json(handler: Handler) -> Handler:
    """``handler`` with the HTTP errors it raises answered as JSON."""

    async def wrapper(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except web.HTTPException as exc:
            return http_error_response(request, exc)

    return wrapper


async def unrouted(request: web.Request) -> web.Response:
    """The catch-all route's handler: 405 when another method serves the path, else 404."""
    for resource in request.app.router.resources():
        match, allowed = await resource.resolve(request)
        if match is None and allowed:
            return http_error_response(request, web.HTTPMethodNotAllowed(request.method, allowed))
    return http_error_response(request, web.HTTPNotFound())


def add_catch_all(app: web.Application) -> None:
    """Route every path and method no other route serves to :func:`unrouted` (add it last)."""
    app.router.add_route("*", "/{tail:.*}", unrouted)
