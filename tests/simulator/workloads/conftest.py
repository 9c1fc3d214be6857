"""Fixtures for workload tests: real providers on loopback, stopped at teardown."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack

import pytest

from fake_provider.config import ProviderConfig
from tests.support import fast_config, running_provider

ProviderFactory = Callable[..., str]


@pytest.fixture
def provider() -> Iterator[ProviderFactory]:
    """Start providers for a test: ``url = provider(config)``; all stop at teardown."""
    with ExitStack() as stack:

        def start(config: ProviderConfig | None = None) -> str:
            return stack.enter_context(running_provider(config or fast_config()))

        yield start
