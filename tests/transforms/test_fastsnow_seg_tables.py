"""Segmenter tables: compiled from snownlp's model file once, cached by snownlp version and file hash."""

from __future__ import annotations

from dataclasses import fields

import numpy as np
import pytest
from snownlp.seg.seg import Seg
from snownlp.seg.y09_2047 import CharacterBasedGenerativeModel

from transforms.fastsnow import seg_tables
from transforms.fastsnow.segmenter import segment_runs


def _snownlp_words(model: CharacterBasedGenerativeModel, run: str) -> list[str]:
    segmenter = Seg()
    segmenter.segger = model
    return list(segmenter.seg(run))


def _same(a: seg_tables.SegTables, b: seg_tables.SegTables) -> bool:
    return all(np.array_equal(getattr(a, f.name), getattr(b, f.name)) for f in fields(a))


@pytest.fixture()
def tiny_model_file(tmp_path):
    """A segmenter model trained and saved by snownlp itself (it writes NAME.3)."""
    model = CharacterBasedGenerativeModel()
    model.train([[("我", "s"), ("爱", "s"), ("北", "b"), ("京", "e")], [("天", "b"), ("气", "e"), ("好", "s")]])
    base = tmp_path / "tiny.marshal"
    model.save(str(base))
    return base, model


@pytest.fixture()
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("BRANDMON_CACHE_DIR", str(folder))
    return folder


def test_first_use_builds_and_caches_then_reads_the_cache(tiny_model_file, cache):
    base, _model = tiny_model_file
    built = seg_tables.tables_for(base)
    cached_files = list(cache.rglob("*.npz"))
    assert len(cached_files) == 1
    assert _same(seg_tables.read_tables(cached_files[0]), built)
    assert _same(seg_tables.tables_for(base), built)


def test_cache_name_carries_snownlp_version_model_hash_and_format(tmp_path, cache):
    one, two = tmp_path / "one.3", tmp_path / "two.3"
    one.write_bytes(b"model one")
    two.write_bytes(b"model two")
    name = seg_tables.cache_path(one).name
    assert seg_tables.cache_path(one) != seg_tables.cache_path(two)
    assert seg_tables.cache_path(one).parent == cache / "fastsnow"
    assert "snownlp0.12.3" in name and name.endswith(f"-v{seg_tables.FORMAT_VERSION}.npz")


def test_a_damaged_cache_is_rebuilt(tiny_model_file, cache):
    base, model = tiny_model_file
    path = seg_tables.cache_path(base.with_name(base.name + ".3"))
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a zip file")
    tables = seg_tables.tables_for(base)
    assert segment_runs(["我爱北京天气好"], tables)[0] == _snownlp_words(model, "我爱北京天气好")
    assert _same(seg_tables.read_tables(path), tables)


def test_an_unwritable_cache_dir_still_gives_tables(tiny_model_file, tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("the cache dir cannot be created under a file")
    monkeypatch.setenv("BRANDMON_CACHE_DIR", str(blocker / "cache"))
    base, model = tiny_model_file
    assert segment_runs(["天气好"], seg_tables.tables_for(base))[0] == _snownlp_words(model, "天气好")


def test_only_characters_snownlp_can_tag_get_ids(tiny_model_file):
    _base, model = tiny_model_file
    saved = {k: (v.__dict__ if hasattr(v, "__dict__") else v) for k, v in model.__dict__.items()}
    tables = seg_tables.build_tables(saved)
    assert tables.char_ids[ord("我") - seg_tables.ZH_FIRST] > 0
    assert tables.char_ids[ord("龠") - seg_tables.ZH_FIRST] == seg_tables.UNKNOWN_ID
    assert tables.known.sum() == len(set("我爱北京天气好"))
