"""The Prometheus command-line tools: find them, and check rules and configs before a run."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from fake_provider.errors import InvalidInputError

#: Debian package that ships each binary (Prometheus 2.42, Alertmanager 0.25 on Debian 12).
PACKAGES = {
    "prometheus": "prometheus",
    "promtool": "prometheus",
    "prometheus-alertmanager": "prometheus-alertmanager",
    "amtool": "prometheus-alertmanager",
}
#: Names the Alertmanager binary goes by: Debian's first, then upstream's tarball name.
ALERTMANAGER_NAMES = ("prometheus-alertmanager", "alertmanager")
RULE_SUFFIXES = (".yml", ".yaml")
CHECK_TIMEOUT_S = 60.0


@dataclass(frozen=True, slots=True)
class Binaries:
    """Absolute paths of the binaries a run needs (None: not needed, e.g. by ``lint``)."""

    promtool: str
    prometheus: str | None = None
    amtool: str | None = None
    alertmanager: str | None = None


def find_binary(name: str, aliases: Sequence[str] = ()) -> str:
    """The path of ``name`` (or an alias) on PATH; raises with the install hint if missing."""
    for candidate in (name, *aliases):
        path = shutil.which(candidate)
        if path is not None:
            return path
    package = PACKAGES.get(name, name)
    raise InvalidInputError(
        f"{name} is not installed (needed by the scenario's monitors); "
        f"install it with: apt-get install {package}"
    )


def find_binaries(alertmanager: bool, servers: bool = True) -> Binaries:
    """The checkers, and with ``servers`` the daemons; raises naming the first one missing."""
    am_name, *am_aliases = ALERTMANAGER_NAMES
    return Binaries(
        promtool=find_binary("promtool"),
        prometheus=find_binary("prometheus") if servers else None,
        amtool=find_binary("amtool") if alertmanager else None,
        alertmanager=find_binary(am_name, am_aliases) if alertmanager and servers else None,
    )


def rule_files(path: Path) -> list[Path]:
    """``path`` itself, or every ``*.yml``/``*.yaml`` in it when it is a directory."""
    if not path.is_dir():
        return [path]
    files = sorted(p for p in path.iterdir() if p.suffix in RULE_SUFFIXES and p.is_file())
    tests = [p for p in files if p.name.endswith((".test.yml", ".test.yaml"))]
    return [p for p in files if p not in tests]


def _run_check(cmd: Sequence[str], what: str) -> None:
    """Run a checker; a non-zero exit raises :class:`InvalidInputError` with its output."""
    try:
        proc = subprocess.run(
            list(cmd), capture_output=True, text=True, timeout=CHECK_TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired:
        raise InvalidInputError(f"{what}: {cmd[0]} did not answer in time") from None
    if proc.returncode != 0:
        output = "\n".join(s.strip() for s in (proc.stdout, proc.stderr) if s.strip())
        raise InvalidInputError(f"{what} is invalid:\n{output}")


def check_rules(promtool: str, paths: Sequence[Path], where: str = "rules") -> None:
    """``promtool check rules`` on every file; raises with promtool's message when invalid."""
    if not paths:
        raise InvalidInputError(f"{where}: no rule files (*.yml, *.yaml) found")
    _run_check([promtool, "check", "rules", *map(str, paths)], where)


def check_alertmanager_config(amtool: str, path: Path, where: str = "alertmanager") -> None:
    """``amtool check-config`` on ``path``; raises with amtool's message when invalid."""
    _run_check([amtool, "check-config", str(path)], where)


def run_rule_tests(promtool: str, path: Path) -> subprocess.CompletedProcess[str]:
    """``promtool test rules`` on a unit-test file (the shipped rules' own tests use it)."""
    return subprocess.run(
        [promtool, "test", "rules", str(path)],
        capture_output=True,
        text=True,
        timeout=CHECK_TIMEOUT_S,
        check=False,
    )
