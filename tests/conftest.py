"""Session-wide test hygiene."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support import close_clients


@pytest.fixture(autouse=True)
def _close_sdk_clients() -> Iterator[None]:
    """Close the SDK clients a test opened, so their sockets never leak into the next one."""
    yield
    close_clients()
