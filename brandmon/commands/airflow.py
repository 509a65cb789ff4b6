"""`brandmon airflow ARGS...`: the airflow CLI with this project's environment and secrets.

For example `brandmon airflow backfill create --dag-id brand_monitor --from-date ... --to-date ...`.
"""

from __future__ import annotations

import argparse
import os

NAME = "airflow"
HELP = "Run the airflow CLI with this project's environment (AIRFLOW_HOME, secrets, DAGs folder)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("args", nargs=argparse.REMAINDER, help="arguments passed to airflow")


def run(args: argparse.Namespace) -> int:
    from brandmon.airflow_setup import AirflowHome, airflow_bin, airflow_env
    from brandmon.config import load_config

    env = airflow_env(AirflowHome(load_config().state_dir))
    os.execve(airflow_bin(), [airflow_bin(), *args.args], env)
    return 0  # not reached: execve replaces this process
