"""Routes by method and path: exact paths, plus paths ending in one ``{name}`` segment.

Anything unrouted is answered in OpenAI's error shape: 405 (with ``allow``) when another
method serves the path, else 404.
"""

from __future__ import annotations

from urllib.parse import unquote

from fake_provider.wire.messages import Handler, Response, error_response


class Router:
    """Method + path → handler."""

    def __init__(self) -> None:
        self._exact: dict[str, dict[str, Handler]] = {}
        #: (prefix ending in "/", parameter name, method → handler)
        self._tails: list[tuple[str, str, dict[str, Handler]]] = []

    def add(self, method: str, path: str, handler: Handler) -> None:
        """Serve ``method path`` with ``handler``; ``path`` may end in ``/{name}``."""
        head, _, last = path.rpartition("/")
        if last.startswith("{") and last.endswith("}"):
            prefix, name = head + "/", last[1:-1]
            for known_prefix, known_name, methods in self._tails:
                if known_prefix == prefix and known_name == name:
                    methods[method] = handler
                    return
            self._tails.append((prefix, name, {method: handler}))
        else:
            self._exact.setdefault(path, {})[method] = handler

    def resolve(self, method: str, path: str) -> tuple[Handler, dict[str, str], bool] | Response:
        """(handler, path parameters, head only) for the request, or the error answer."""
        params: dict[str, str] = {}
        methods = self._exact.get(path)
        if methods is None:
            for prefix, name, candidates in self._tails:
                tail = path[len(prefix) :]
                if path.startswith(prefix) and tail and "/" not in tail:
                    methods, params = candidates, {name: unquote(tail)}
                    break
        if methods is None:
            return error_response(404, f"Invalid URL ({method} {path})", "unknown_url")
        handler = methods.get(method)
        if handler is not None:
            return handler, params, False
        if method == "HEAD" and "GET" in methods:
            return methods["GET"], params, True
        allowed = sorted({*methods, *(("HEAD",) if "GET" in methods else ())})
        refusal = error_response(405, f"Invalid URL ({method} {path})", "method_not_allowed")
        return Response(
            refusal.status, refusal.body, (("allow", ", ".join(allowed)),), refusal.content_type
        )
