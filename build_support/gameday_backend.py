"""setuptools' build backend, deciding whether a wheel is compiled (see ``setup.py``).

``LLM_GAMEDAY_COMPILE``: ``auto`` (the default) compiles a wheel when a C compiler is on the
PATH and Python's headers are installed, ``1`` always compiles (failing without them), ``0``
never does. Editable installs are never compiled.
"""

from __future__ import annotations

import os
import shutil
import sysconfig
from typing import Any

from setuptools import build_meta as _setuptools
from setuptools.build_meta import *  # noqa: F403 - every other hook is setuptools' own

_FLAG = "LLM_GAMEDAY_COMPILE"
_MYPYC = "mypy>=1.10"


def _compiling() -> bool:
    choice = os.environ.get(_FLAG, "auto").strip().lower()
    if choice in ("0", "no", "false", "pure"):
        return False
    if choice in ("1", "yes", "true"):
        return True
    compiler = os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc"
    headers = os.path.join(sysconfig.get_paths()["include"], "Python.h")
    return shutil.which(compiler.split()[0]) is not None and os.path.exists(headers)


def get_requires_for_build_wheel(config_settings: dict[str, Any] | None = None) -> list[str]:
    needed = _setuptools.get_requires_for_build_wheel(config_settings)
    return [*needed, _MYPYC] if _compiling() else needed


def build_wheel(
    wheel_directory: str,
    config_settings: dict[str, Any] | None = None,
    metadata_directory: str | None = None,
) -> str:
    os.environ[_FLAG] = "1" if _compiling() else "0"
    return _setuptools.build_wheel(wheel_directory, config_settings, metadata_directory)


def build_editable(
    wheel_directory: str,
    config_settings: dict[str, Any] | None = None,
    metadata_directory: str | None = None,
) -> str:
    os.environ[_FLAG] = "0"
    return _setuptools.build_editable(wheel_directory, config_settings, metadata_directory)
