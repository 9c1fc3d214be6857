"""Test support: a real fake-provider server on a loopback port, run in a background thread."""

from __future__ import annotations

import asyncio
import dataclasses
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import openai

from fake_provider.config import ProviderConfig, default_models
from fake_provider.runner import serve_async


@contextmanager
def running_provider(
    config: ProviderConfig, truth_path: Path | None = None, admin_token: str | None = None
) -> Iterator[str]:
    """Serve ``config`` on 127.0.0.1:<free port>; yields the base URL (without /v1)."""
    ready = threading.Event()
    box: dict[str, object] = {}

    def run() -> None:
        loop = asyncio.new_event_loop()
        stop = asyncio.Event()
        box["loop"], box["stop"] = loop, stop

        def on_ready(url: str) -> None:
            box["url"] = url
            ready.set()

        try:
            loop.run_until_complete(
                serve_async(
                    config,
                    port=0,
                    truth_path=truth_path,
                    admin_token=admin_token,
                    on_ready=on_ready,
                    stop=stop,
                )
            )
        except BaseException as exc:  # surface start-up failures to the test
            box["error"] = exc
            ready.set()
        finally:
            loop.close()

    thread = threading.Thread(target=run, name="fake-provider", daemon=True)
    thread.start()
    if not ready.wait(15) or "error" in box:
        raise RuntimeError(f"provider did not start: {box.get('error')}")
    try:
        yield str(box["url"])
    finally:
        loop = box["loop"]
        assert isinstance(loop, asyncio.AbstractEventLoop)
        loop.call_soon_threadsafe(box["stop"].set)  # type: ignore[attr-defined]
        thread.join(15)


def fast_config(**overrides: object) -> ProviderConfig:
    """The default world with delays scaled down 20× so tests stay quick."""
    base = ProviderConfig(seed=7, models=default_models(), latency_scale=0.05)
    return dataclasses.replace(base, **overrides)


#: SDK clients handed out during the current test; the autouse fixture in tests/conftest.py
#: closes them so no pooled connection outlives its test (ResourceWarning is an error).
OPEN_CLIENTS: list[openai.OpenAI] = []


def sdk(url: str, **kwargs: object) -> openai.OpenAI:
    """The official SDK pointed at a provider (closed automatically after the test)."""
    kwargs.setdefault("max_retries", 0)
    kwargs.setdefault("timeout", 10.0)
    client = openai.OpenAI(base_url=url + "/v1", api_key="sk-test-1", **kwargs)  # type: ignore[arg-type]
    OPEN_CLIENTS.append(client)
    return client


def close_clients() -> None:
    """Close every SDK client :func:`sdk` handed out."""
    while OPEN_CLIENTS:
        OPEN_CLIENTS.pop().close()
