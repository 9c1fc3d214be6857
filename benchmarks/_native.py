"""The provider as a wheel installs it: mypyc-compiled (see ``setup.py``), built once per source.

``native_site(tree)`` builds the compiled wheel of the checkout ``tree`` and installs it,
without dependencies, into a directory of its own; servers run from there (``PYTHONPATH``
and working directory) get the compiled ``fake_provider`` and the ``simulator`` beside it,
while the checkout's editable install stays pure Python. Builds are kept under
``benchmarks/.work/native/`` by a digest of the sources, the build files, Python and mypy,
so only a change rebuilds (about a minute on one core).

Run: ``python benchmarks/_native.py [TREE]`` prints the directory (building if needed).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
_CACHE = REPO / "benchmarks" / ".work" / "native"
_BUILD_FILES = ("setup.py", "pyproject.toml", "MANIFEST.in")


class NativeBuildError(RuntimeError):
    """The compiled wheel could not be built or installed."""


def source_digest(tree: Path) -> str:
    """A digest of everything that goes into the compiled wheel of ``tree``."""
    h = hashlib.sha256()
    try:
        mypy_version = metadata.version("mypy")
    except metadata.PackageNotFoundError:
        mypy_version = "none"
    h.update(f"{sys.version}|{sysconfig.get_platform()}|mypy {mypy_version}\n".encode())
    files = [tree / name for name in _BUILD_FILES]
    for package in ("fake_provider", "simulator", "build_support"):
        files += sorted((tree / package).rglob("*.py"))
    for path in files:
        if path.is_file():
            h.update(path.relative_to(tree).as_posix().encode() + b"\0")
            h.update(path.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def native_site(tree: Path = REPO) -> Path:
    """A directory holding the compiled install of ``tree`` (built now unless cached)."""
    tree = tree.resolve()
    site = _CACHE / source_digest(tree)
    if (site / "fake_provider").is_dir():
        return site
    for module in ("mypy", "wheel", "setuptools"):
        try:
            metadata.version(module)
        except metadata.PackageNotFoundError:
            raise NativeBuildError(
                f"building the compiled provider needs {module} (pip install '.[test]')"
            ) from None
    _CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="build-", dir=_CACHE) as tmp:
        wheels, staged = Path(tmp) / "wheels", Path(tmp) / "site"
        env = {**os.environ, "LLM_GAMEDAY_COMPILE": "1"}
        pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
        _run([*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(wheels), str(tree)],
             env, "building the compiled wheel")  # fmt: skip
        built = sorted(wheels.glob("llm_gameday-*.whl"))
        if len(built) != 1 or built[0].name.endswith("-none-any.whl"):
            raise NativeBuildError(f"expected one compiled wheel, got {[p.name for p in built]}")
        _run([*pip, "install", "--no-deps", "--target", str(staged), str(built[0])],
             env, "installing the compiled wheel")  # fmt: skip
        if site.exists():  # built meanwhile by another run
            return site
        staged.rename(site)
    _prune(keep=site)
    return site


def _run(argv: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-15:]
        raise NativeBuildError(f"{what} failed ({done.returncode}):\n" + "\n".join(tail))


def _prune(keep: Path, kept: int = 3) -> None:
    """Drop all but the ``kept`` newest builds (each is a few megabytes)."""
    builds = [p for p in _CACHE.iterdir() if p.is_dir() and not p.name.startswith("build-")]
    builds.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    for old in builds[kept:]:
        if old != keep:
            shutil.rmtree(old, ignore_errors=True)


def main() -> int:
    """Print the compiled install's directory for the tree given (default: this checkout)."""
    tree = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO
    try:
        print(native_site(tree))
    except NativeBuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
