"""`brandmon airflow ARGS...`: the airflow CLI with this project's environment and secrets.

For example `brandmon airflow backfill create --dag-id brand_monitor --from-date ... --to-date ...`.
"""

from __future__ import annotations

import argparse

NAME = "airflow"
HELP = "Run the airflow CLI with this project's environment (AIRFLOW_HOME, secrets, DAGs folder)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("args", nargs=argparse.REMAINDER, help="arguments passed to airflow")


def run(args: argparse.Namespace) -> int:
    from brandmon.airflow_setup import AirflowHome, airflow_env, stream_airflow
    from brandmon.config import load_config

    return stream_airflow(args.args, airflow_env(AirflowHome(load_config().state_dir)))
