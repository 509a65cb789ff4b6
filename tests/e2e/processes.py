"""The processes a test started: found by the state folder in their environment, never by name,
so an Airflow that someone else runs on the same machine is never counted (or killed)."""

from __future__ import annotations

from pathlib import Path


def processes_under(root: Path) -> dict[int, str]:
    """pid → command line of every live process whose AIRFLOW_HOME or BRANDMON_STATE_DIR lies under `root`."""
    markers = [f"{name}={Path(root).resolve()}".encode() for name in ("AIRFLOW_HOME", "BRANDMON_STATE_DIR")]
    found = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            environ = (proc / "environ").read_bytes().split(b"\0")
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:  # gone meanwhile, or not ours to read
            continue
        if any(entry.startswith(marker) for entry in environ for marker in markers):
            found[int(proc.name)] = cmdline
    return found
