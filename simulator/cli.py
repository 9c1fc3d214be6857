"""The ``gameday`` command line: parses flags, calls the stages, maps errors to exit codes.

Exit codes: 0 all expectations met, 1 an expectation failed, 2 invalid input, 3 the harness
itself failed. Only this module prints errors or exits.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from fake_provider.errors import GamedayError, InvalidInputError

EXIT_OK, EXIT_EXPECTATION, EXIT_INVALID, EXIT_HARNESS = 0, 1, 2, 3


class _Parser(argparse.ArgumentParser):
    """argparse that reports bad flags with exit code 2 and a hint, like every other error."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        hint = " ".join(self.prog.split()[1:])
        print(
            f"error: {message}\nhint: gameday {hint + ' ' if hint else ''}--help", file=sys.stderr
        )
        raise SystemExit(EXIT_INVALID)


def _cmd_provider(args: argparse.Namespace) -> int:
    from fake_provider.config import ProviderConfig, default_models
    from fake_provider.netaddr import is_loopback
    from fake_provider.runner import serve

    if not is_loopback(args.host) and not args.admin_token:
        raise InvalidInputError(
            f"--host {args.host} is not loopback: pass --admin-token so nobody else can "
            "reconfigure the provider"
        )
    if args.config is not None:
        import orjson

        try:
            config = ProviderConfig.from_json(orjson.loads(args.config.read_bytes()))
        except (OSError, ValueError, TypeError) as exc:
            raise InvalidInputError(f"--config {args.config}: {exc}") from None
    elif args.scenario is not None:
        from simulator.scenario import load_scenario, to_provider_config

        config = to_provider_config(load_scenario(args.scenario))
    else:
        config = ProviderConfig(models=default_models())
    if args.seed is not None:
        config = dataclasses.replace(config, seed=args.seed)
    if args.latency_scale is not None:
        config = dataclasses.replace(config, latency_scale=args.latency_scale)

    def ready(url: str) -> None:
        print(f"gameday provider listening on {url} (OpenAI base_url {url}/v1)", flush=True)

    serve(
        config,
        host=args.host,
        port=args.port,
        truth_path=args.truth,
        admin_token=args.admin_token,
        on_ready=ready,
    )
    return EXIT_OK


def _add_provider(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "provider",
        help="run the fake LLM provider on its own",
        description="Serve the OpenAI-compatible fake provider until Ctrl-C.",
    )
    p.add_argument(
        "--scenario",
        type=Path,
        help="scenario whose provider, behaviours and "
        "faults to serve (default: a fault-free default world)",
    )
    p.add_argument(
        "--config",
        type=Path,
        help="a ProviderConfig as JSON (what `gameday run` hands its provider process)",
    )
    p.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8900, help="port (default 8900; 0 = any free)")
    p.add_argument("--truth", type=Path, help="write the truth log (JSONL) here")
    p.add_argument("--seed", type=int, help="override the scenario seed")
    p.add_argument("--admin-token", help="require this token on /admin/ calls")
    p.add_argument(
        "--latency-scale", type=float, help="multiply every planned delay (0 = answer at once)"
    )
    p.set_defaults(func=_cmd_provider)


def build_parser() -> argparse.ArgumentParser:
    """The full ``gameday`` parser."""
    parser = _Parser(
        prog="gameday",
        description="Game days for LLM features: inject failures, "
        "drive traffic, and score whether monitoring caught them.",
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for add in _subcommands():
        add(sub)
    return parser


def _subcommands() -> list[Callable[[argparse._SubParsersAction], None]]:
    from simulator.commands import (
        report_commands,
        run_commands,
        scenario_commands,
        score_commands,
        simulate_commands,
    )

    return [
        run_commands.add_run,
        run_commands.add_worker,
        simulate_commands.add_simulate,
        _add_provider,
        score_commands.add_score,
        report_commands.add_report,
        scenario_commands.add_lint,
        scenario_commands.add_scenarios,
        scenario_commands.add_schema,
    ]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``gameday`` console script."""
    args = build_parser().parse_args(argv)
    try:
        code = int(args.func(args))
    except InvalidInputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except GamedayError as exc:
        print(
            f"error: {exc}\nhint: this is a harness failure; rerun with the same seed to "
            "reproduce it",
            file=sys.stderr,
        )
        return EXIT_HARNESS
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return EXIT_HARNESS
    return code


if __name__ == "__main__":
    raise SystemExit(main())
