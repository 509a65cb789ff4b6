"""Histories for the scale bench: one real run, grown by bulk SQL, cached per size.

The template run: every real text (bench.scale_world.real_texts, about 21k) as one post of one
brand in the 15 minutes before the history's end, fetched from the loopback m.weibo.cn by the real
extract, scored by the real transform, stored by the real load (the real migrations) and detected
by the real detect (topics). `warehouse.history.grow_file` then grows it to the wanted size. The
result is kept in CACHE_ROOT under a key of its size, shape, end and the code it came from; other
versions of the same size are removed. The build's own folder is removed after.

A history as a DuckLake (SQLite catalog): the history's file imported by the real code (the file
placed as a lake's state folder keeps it, and the writer that creates the lake imports it), kept
beside the file in a folder keyed by the lake's code.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from bench.scale_world import INTERVAL, LoopbackWeibo, Payloads, make_posts, real_texts, write_config
from brandmon import pipeline
from brandmon.config import load_config
from brandmon.windows import RunWindow
from extractors.base import Window
from warehouse.db import writer
from warehouse.history import HistoryShape, grow_file
from warehouse.lake import relocate
from warehouse.storage import LakeStorage

CACHE_ROOT = Path(tempfile.gettempdir()) / "brandmon-scale-cache"
REPO = Path(__file__).resolve().parent.parent
# What decides how a cached history is stored: a change to any of these builds it again. A change
# to the scoring alone does not (the history's shape stays): remove CACHE_ROOT to rebuild then.
SOURCES = ("warehouse/migrations/*.sql", "warehouse/history.py", "warehouse/load.py", "warehouse/schema.py",
           "bench/scale_world.py")
LAKE_SOURCES = ("warehouse/lake.py", "warehouse/db.py")  # what decides how a history is imported into a lake
TEMPLATE_FIRST_MID = 4_990_000_000_000_000


@dataclass(frozen=True)
class History:
    """A built history: its warehouse file (never written to: copy it), its shape and how it was got."""

    path: Path
    shape: HistoryShape
    brands: int
    seconds: float
    cached: bool


@dataclass(frozen=True)
class Lake:
    """A history as a DuckLake: its SQLite catalog and data folder (never written to: copy them,
    bench.scale_interval.place_lake) and how it was got (`seconds`: the import)."""

    catalog: Path
    data: Path
    seconds: float
    cached: bool

    @property
    def storage(self) -> LakeStorage:
        return LakeStorage(data_path=self.data, lock=self.catalog.with_name("lake.lock"), sqlite_file=self.catalog)

    @property
    def files(self) -> list[Path]:
        """The lake's files: the catalog's and the data folder's."""
        return [*self.catalog.parent.glob(self.catalog.name + "*"), *(p for p in self.data.rglob("*") if p.is_file())]


def history_end(now: datetime) -> datetime:
    """Histories end at the start of the current UTC day, so a cached one serves the whole day."""
    return now.astimezone(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)


def code_fingerprint(sources: tuple[str, ...] = SOURCES) -> str:
    """A short hash of the files in `sources`."""
    digest = hashlib.sha256()
    for pattern in sources:
        for path in sorted(REPO.glob(pattern)):
            digest.update(path.relative_to(REPO).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def get_history(posts: int, brands: int, per_week: int, end: datetime, page_size: int) -> History:
    """The cached history of this size and shape, built first when there is none."""
    shape = HistoryShape(posts, end, per_week, INTERVAL, INTERVAL)
    key = f"{posts}-b{brands}-w{per_week}-{end:%Y%m%d}-{code_fingerprint()}"
    cached = CACHE_ROOT / key / "brandmon.duckdb"
    if cached.exists():
        return History(cached, shape, brands, 0.0, True)
    for stale in CACHE_ROOT.glob(f"{posts}-*"):
        shutil.rmtree(stale, ignore_errors=True)
    began = time.monotonic()
    template = get_template(brands, end, page_size)
    build = Path(tempfile.mkdtemp(prefix=f"brandmon-scale-build-{posts}-"))
    try:
        warehouse = build / "brandmon.duckdb"
        shutil.copyfile(template, warehouse)
        began_growing = time.monotonic()
        counts = grow_file(warehouse, shape, lambda done: print(
            f"  {done:,} posts stored ({time.monotonic() - began_growing:.0f} s)", flush=True))
        cached.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(warehouse, cached)
    finally:
        shutil.rmtree(build, ignore_errors=True)
    print(f"  rows: {', '.join(f'{table} {rows:,}' for table, rows in counts.items())}")
    return History(cached, shape, brands, time.monotonic() - began, False)


def get_lake(history: History, page_size: int) -> Lake:
    """The history as a lake, imported first when not cached beside its file: the file placed in a
    lake world's state folder and a writer opened on its LakeStorage, which creates the lake and
    imports the file (warehouse.db.writer, warehouse.lake.import_file)."""
    folder = history.path.parent / f"lake-{code_fingerprint(LAKE_SOURCES)}"
    cached = Lake(folder / "catalog.sqlite", folder / "data", 0.0, True)
    if cached.catalog.exists():
        return cached
    for stale in history.path.parent.glob("lake-*"):
        shutil.rmtree(stale, ignore_errors=True)
    build = Path(tempfile.mkdtemp(prefix="brandmon-scale-lake-", dir=history.path.parent))
    try:
        config = load_config(write_config(build, history.brands, "http://127.0.0.1:9", page_size, "lake"))
        storage = config.warehouse
        assert isinstance(storage, LakeStorage) and storage.import_from is not None
        storage.import_from.parent.mkdir(parents=True)
        shutil.copyfile(history.path, storage.import_from)  # the import migrates (writes) the file first
        began = time.monotonic()
        with writer(storage, config.timezone.key):
            pass
        seconds = time.monotonic() - began
        folder.mkdir()
        for catalog_file in storage.sqlite_file.parent.glob(storage.sqlite_file.name + "*"):
            shutil.move(catalog_file, folder / catalog_file.name)
        shutil.move(storage.data_path, cached.data)
        relocate(cached.storage)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    finally:
        shutil.rmtree(build, ignore_errors=True)
    return Lake(cached.catalog, cached.data, seconds, False)


def get_template(brands: int, end: datetime, page_size: int) -> Path:
    """The template run's warehouse file, cached like the histories (key: "template-...")."""
    cached = CACHE_ROOT / f"template-b{brands}-{end:%Y%m%d}-{code_fingerprint()}" / "brandmon.duckdb"
    if cached.exists():
        return cached
    for stale in CACHE_ROOT.glob("template-*"):
        shutil.rmtree(stale, ignore_errors=True)
    began = time.monotonic()
    build = Path(tempfile.mkdtemp(prefix="brandmon-scale-template-"))
    try:
        warehouse = build_template(build, brands, end, page_size)
        cached.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(warehouse, cached)
    finally:
        shutil.rmtree(build, ignore_errors=True)
    print(f"  template run (real extract, transform, load, detect) in {time.monotonic() - began:.0f} s")
    return cached


def build_template(root: Path, brands: int, end: datetime, page_size: int) -> Path:
    """Run the real pipeline once over the template posts in [end - INTERVAL, end); returns the
    warehouse file (closed)."""
    texts = real_texts()
    posts = make_posts(len(texts), end - INTERVAL, end, brands, texts, TEMPLATE_FIRST_MID, seed=1)
    with LoopbackWeibo(posts, brands, page_size, Payloads()) as weibo:
        config = load_config(write_config(root, brands, weibo.url, page_size))
        window = RunWindow(Window(end - INTERVAL, end), config.schedule.lookback)
        run = pipeline.RunInfo(f"scheduled__{window.interval.start.isoformat()}", "scheduled", end)
        staged = [pipeline.extract(config, item["brand"], item["source"], window, run.run_id, end)
                  for item in pipeline.plan(config)]
        pipeline.load(config, pipeline.transform(config, staged, window, run.run_id), window)
        pipeline.detect(config, window, run)
    return config.warehouse.path
