"""Build hook: a wheel of llm-gameday compiles the provider's per-request modules with mypyc.

The provider answers every request in Python; compiled, the same code serves about a tenth
more requests per second (``benchmarks/RESULTS.md``). Only wheels are compiled (``pip install
.``): editable installs (``pip install -e .``) stay pure Python, so an edit to a module takes
effect at once and no compiled copy beside the sources can shadow it. The choice is made by
``build_support/gameday_backend.py`` through ``LLM_GAMEDAY_COMPILE``.

The compiled modules keep their Python semantics: classes the record builders fill, classes
with ``__slots__`` and the ``random.Random`` subclass are marked
``@mypyc_attr(native_class=False)`` in the sources, and a test compares the compiled build's
answers, truth records and metrics with the pure-Python ones.
"""

from __future__ import annotations

import os
from typing import Any

from setuptools import setup

#: Modules compiled into a wheel, the per-request path from parsed body to recorded answer.
#: Not compiled: the HTTP layer (no measurable gain), ``records``/``record_builder`` (orjson
#: and the builders need plain classes), ``lazy``/``stream_chunks`` (generic ABC bases).
COMPILED = (
    "delivery", "metrics", "model", "plan", "plan_chat", "provider_metrics", "ratelimit",
    "request", "schema_instance", "server", "state", "task_answers", "task_extract",
    "task_patterns", "task_reading", "task_tools", "task_types", "tasks", "timeline",
    "tokenizer", "truthlog",
)  # fmt: skip


def _ext_modules() -> list[Any]:
    if os.environ.get("LLM_GAMEDAY_COMPILE") != "1":
        return []
    from mypyc.build import mypycify

    return mypycify([f"fake_provider/{name}.py" for name in COMPILED], opt_level="3")


setup(ext_modules=_ext_modules())
