"""Where the warehouse lives: the typed settings every connection is opened from.

Two kinds, chosen by `storage.warehouse` in the config file (docs/decisions/0003-storage.md):
- `FileStorage`: one DuckDB file on this host, written by one process and copied once per run to a
  published file analysts open read-only (docs/decisions/0001-duckdb-readers.md). The default.
- `LakeStorage`: a DuckLake, Parquet files under `data_path` and a catalog in a SQLite file or a
  PostgreSQL database. Nothing is copied: a commit is what readers see, and workers on several
  hosts share it (PostgreSQL catalog, `data_path` on storage they all mount).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class FileStorage:
    """The private DuckDB file the writer opens and the published copy readers open."""

    path: Path
    published: Path

    @property
    def lock(self) -> Path:
        return self.path.with_suffix(".lock")

    @property
    def where(self) -> str:
        """What readers open, for messages."""
        return str(self.published)


@dataclass(frozen=True)
class LakeStorage:
    """A DuckLake: `catalog` is a SQLite file (`sqlite_file`) or a libpq conninfo of a PostgreSQL
    database (`postgres`, no password: libpq reads PGPASSWORD or ~/.pgpass); `lock` is this host's
    writer lock file (a PostgreSQL catalog also takes an advisory lock that holds across hosts).
    `import_from`: the file a `warehouse: file` set-up kept, copied into the lake when the writer
    creates it, so switching loses no history."""

    data_path: Path
    lock: Path
    sqlite_file: Path | None = None
    postgres: str | None = None
    import_from: Path | None = None  # a DuckDB file warehouse whose rows a new lake starts with

    def __post_init__(self) -> None:
        if (self.sqlite_file is None) == (self.postgres is None):
            raise ValueError("a lake's catalog is either a SQLite file or a PostgreSQL database")

    @property
    def catalog(self) -> str:
        """The catalog as DuckLake's ATTACH names it."""
        return f"postgres:{self.postgres}" if self.postgres is not None else f"sqlite:{self.sqlite_file}"

    @property
    def where(self) -> str:
        """What readers open, for messages."""
        return f"the lake {self.postgres or self.sqlite_file} (data in {self.data_path})"


Storage = FileStorage | LakeStorage
