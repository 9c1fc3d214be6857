"""The provider's HTTP/1.1 layer: httptools parsing on asyncio protocols, paced writers.

Handlers are plain functions of a parsed :class:`Request` returning a :class:`Response`,
or :data:`DEFERRED` when they answer later through the request's :class:`Exchange`.
"""

from fake_provider.wire.exchange import Exchange
from fake_provider.wire.listener import HttpServer
from fake_provider.wire.messages import (
    DEFERRED,
    JSON,
    Deferred,
    Handler,
    Request,
    Response,
    error_response,
    json_response,
)
from fake_provider.wire.pacer import Paced, Pacer
from fake_provider.wire.router import Router

__all__ = [
    "DEFERRED",
    "JSON",
    "Deferred",
    "Exchange",
    "Handler",
    "HttpServer",
    "Paced",
    "Pacer",
    "Request",
    "Response",
    "Router",
    "error_response",
    "json_response",
]
