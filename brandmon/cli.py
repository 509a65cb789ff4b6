"""The `brandmon` command line: one sub-command per module in `brandmon.commands`."""

from __future__ import annotations

import argparse
import importlib
import sys

# Each entry is a module in brandmon.commands exposing NAME, HELP, add_arguments(parser), run(args) -> int.
# Modules are imported lazily so `brandmon score` never pays for Airflow, and vice versa.
COMMANDS: dict[str, str] = {
    "run": "Set up Airflow and run brand_monitor once (make run); --serve keeps it up",
    "backfill": "Re-process past intervals through the scheduler (live runs first, alerts suppressed)",
    "status": "Exit 0 when the pipeline is alive and sources work, non-zero with the reason (for probes)",
    "sql": "Run read-only SQL against the warehouse views",
    "extract": "Try one source: print its posts for a brand and window, store nothing",
    "airflow": "Run the airflow CLI with this project's environment",
    "spikes": "Print the spike alerts the pipeline would send for a timestamp,value CSV series",
    "digest": "Show or --send the daily digest per brand (mentions, sentiment, complaints, alerts, chart)",
    "score": "Score posts (text or JSON lines) for sentiment and complaints; JSON lines out",
    "train-sentiment": "Retrain the sentiment model on your labelled posts (or --rebuild-shipped); writes model + metadata",
    "train-complaints": "Rebuild the shipped complaint model from its data (--rebuild-shipped); prints its figures",
}


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser; sub-command modules are imported only when chosen."""
    parser = argparse.ArgumentParser(prog="brandmon", description="Brand monitor: collect, score, store, alert.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, help_text in COMMANDS.items():
        sub.add_parser(name, help=help_text, add_help=False)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `brandmon` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in COMMANDS:
        build_parser().print_help()
        return 0 if not argv or argv[0] in ("-h", "--help") else 2
    module = importlib.import_module(f"brandmon.commands.{argv[0].replace('-', '_')}")
    parser = argparse.ArgumentParser(prog=f"brandmon {argv[0]}", description=module.HELP)
    module.add_arguments(parser)
    args = parser.parse_args(argv[1:])
    try:
        return int(module.run(args) or 0)
    except Exception as error:
        from brandmon.config import ConfigError  # imported on failure only: commands stay light to start

        if not isinstance(error, ConfigError):
            raise
        print(f"brandmon {argv[0]}: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
