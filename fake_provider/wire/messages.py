"""HTTP/1.1 messages as the provider's handlers see them: a parsed request, a whole response.

The wire layer parses and frames; handlers are plain functions from :class:`Request` to
:class:`Response` (or, for answers that take time, to a :class:`Deferred` they complete
later through the connection's :class:`Exchange`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email.utils import formatdate
from http import HTTPStatus
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

import orjson

if TYPE_CHECKING:
    from fake_provider.wire.exchange import Exchange

JSON = "application/json"
_SERVER = b"server: llm-gameday-fake-provider\r\n"


@dataclass(slots=True)
class Request:
    """One request, its body read whole (the connection enforces the size limit)."""

    method: str
    path: str
    query_string: str
    #: Header names lower-cased; a repeated header keeps its last value.
    headers: dict[str, str]
    body: bytes
    #: ``time.monotonic()`` when the request's last byte was read (uvloop's ``loop.time()``
    #: counts whole milliseconds: too coarse to pace chunks by).
    arrived: float
    #: The body went over the limit: ``body`` is empty and the connection closes after.
    too_large: bool = False
    #: Values of the route's ``{name}`` segments.
    params: dict[str, str] = field(default_factory=dict)

    def query(self, name: str) -> str | None:
        """The last value of query parameter ``name``, if present."""
        value = None
        for key, item in parse_qsl(self.query_string, keep_blank_values=True):
            if key == name:
                value = item
        return value


@dataclass(frozen=True, slots=True)
class Response:
    """A whole answer: status, body and extra headers (``content-length`` is added)."""

    status: int
    body: bytes = b""
    headers: Sequence[tuple[str, str]] = ()
    content_type: str = JSON


class Deferred:
    """What a handler returns when it will answer later through the request's exchange."""

    __slots__ = ()


#: The handler has taken the exchange over (a wait, a stream, a cut).
DEFERRED = Deferred()

Handler = Callable[["Request", "Exchange"], "Response | Deferred"]


def json_response(status: int, body: object, headers: Sequence[tuple[str, str]] = ()) -> Response:
    """A JSON answer with ``status``."""
    return Response(status, orjson.dumps(body), headers)


def error_response(status: int, message: str, code: str | None = None) -> Response:
    """An OpenAI-shaped ``invalid_request_error`` with ``status``."""
    error = {"message": message, "type": "invalid_request_error", "param": None, "code": code}
    return json_response(status, {"error": error})


_STATUS_LINES = {
    s.value: f"HTTP/1.1 {s.value} {s.phrase}\r\n".encode("latin-1") for s in HTTPStatus
}


def status_line(status: int) -> bytes:
    """``HTTP/1.1 <status> <reason>`` with its line end (499 and other unknowns get none)."""
    line = _STATUS_LINES.get(status)
    return line if line is not None else f"HTTP/1.1 {status} \r\n".encode("latin-1")


class DateHeader:
    """The ``date`` header line, formatted at most once a second."""

    __slots__ = ("_line", "_second", "_wall")

    def __init__(self, wall: Callable[[], float] = time.time) -> None:
        self._wall = wall
        self._second = -1
        self._line = b""

    def line(self) -> bytes:
        """``date: <IMF-fixdate>`` with its line end."""
        second = int(self._wall())
        if second != self._second:
            self._second = second
            self._line = b"date: " + formatdate(second, usegmt=True).encode() + b"\r\n"
        return self._line


def encode_head(
    status: int,
    headers: Sequence[tuple[str, str]],
    date: bytes,
    *,
    content_type: str | None,
    length: int | None,
    close: bool,
    chunked: bool = False,
) -> bytes:
    """Status line and headers; a body of unknown ``length`` (None) is ``chunked`` or ends
    with the connection."""
    parts = [status_line(status), date, _SERVER]
    if content_type is not None:
        parts.append(b"content-type: " + content_type.encode("latin-1") + b"\r\n")
    for name, value in headers:
        parts.append(f"{name}: {value}\r\n".encode("latin-1"))
    if chunked:
        parts.append(b"transfer-encoding: chunked\r\n")
    elif length is not None:
        parts.append(b"content-length: %d\r\n" % length)
    if close:
        parts.append(b"connection: close\r\n")
    parts.append(b"\r\n")
    return b"".join(parts)
