"""The name a Celery worker started by brandmon records on the task instances it runs.

Airflow records `[core] hostname_callable()` as a task instance's host. Several workers on one
machine share its host name, so each worker brandmon starts gets `BRANDMON_WORKER` and this
callable, and reports itself by its Celery node name (`worker-1@host`, the host as Celery's `%h`
gives it). Kept free of heavy imports: Airflow calls it in every task process.
"""

from __future__ import annotations

import os
import socket

WORKER_ENV = "BRANDMON_WORKER"
HOSTNAME_CALLABLE = f"{__name__}.hostname"  # the value of [core] hostname_callable


def hostname() -> str:
    """`worker-N@host` inside a worker brandmon started, the host's name anywhere else."""
    worker = os.environ.get(WORKER_ENV)
    return f"{worker}@{socket.gethostname()}" if worker else socket.getfqdn()
