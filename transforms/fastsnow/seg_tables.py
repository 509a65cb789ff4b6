"""Compact log-probability tables for snownlp's character-based segmenter, cached on disk.

snownlp's segmenter (`CharacterBasedGenerativeModel`) scores a tag trigram with
`log(l1*P(c3,t3) + l2*C(c2t2,c3t3)/C(c2t2) + l3*C(c1t1,c2t2,c3t3)/C(c1t1,c2t2))`.
Every such value is fixed by the model, so it is computed here once, with snownlp's own
float operations in snownlp's own order (identical results), and stored as sorted arrays:

- `unigram[c, t]`: the value when neither the bigram nor the trigram was ever seen;
- per character pair (c2, c3): the values for the tag pairs whose bigram was seen;
- per character triple (c1, c2, c3): the values for the tag triples whose trigram was seen.

Only characters the segmenter can be given (U+4E00..U+9FA5) and the sentence start get ids.
The arrays are saved as one .npz in the user cache dir, keyed by the snownlp version, the
model file's hash and this module's FORMAT_VERSION; a missing or stale cache is rebuilt.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import zipfile
from dataclasses import dataclass, fields
from functools import lru_cache
from math import log
from pathlib import Path

import numpy as np

from transforms.fastsnow import snownlp_files

FORMAT_VERSION = 2
TAGS = ("b", "m", "e", "s")
ZH_FIRST, ZH_LAST = 0x4E00, 0x9FA5
BOS_TOKEN = ("", "BOS")
UNKNOWN_ID = 0


@dataclass(frozen=True)
class SegTables:
    """The segmenter model as flat numpy arrays (see the module docstring)."""

    char_ids: np.ndarray  # int64 [ZH_LAST-ZH_FIRST+1]: code point - ZH_FIRST -> id (0 = unknown)
    known: np.ndarray  # bool [n_ids]: snownlp's "found" test (some tag has a unigram count)
    unigram: np.ndarray  # float64 [n_ids, 4]
    pair_keys: np.ndarray  # int64, sorted: id2 * n_ids + id3
    pair_offsets: np.ndarray  # int64 [len(pair_keys) + 1]
    pair_codes: np.ndarray  # uint8: t2 * 4 + t3
    pair_logs: np.ndarray  # float64
    triple_keys: np.ndarray  # int64, sorted: (id1 * n_ids + id2) * n_ids + id3
    triple_offsets: np.ndarray  # int64 [len(triple_keys) + 1]
    triple_codes: np.ndarray  # uint8: t1 * 16 + t2 * 4 + t3
    triple_logs: np.ndarray  # float64
    bos_id: np.ndarray  # int64 scalar

    @property
    def n_ids(self) -> int:
        """How many character ids exist (the base used to pack keys)."""
        return len(self.known)


def _grouped(keys: list[int], codes: list[int], values: list[float]):
    """Sort entries by key and return (unique keys, offsets, codes, values)."""
    key_arr = np.array(keys, dtype=np.int64)
    order = np.argsort(key_arr, kind="stable")
    key_arr = key_arr[order]
    unique = np.unique(key_arr)
    offsets = np.searchsorted(key_arr, unique).astype(np.int64)
    offsets = np.append(offsets, np.int64(len(key_arr)))
    return (unique, offsets, np.array(codes, dtype=np.uint8)[order],
            np.array(values, dtype=np.float64)[order])


def build_tables(model: dict) -> SegTables:
    """Precompute every trigram log-probability snownlp's tagger can use, from its model dict."""
    l1, l2, l3 = model["l1"], model["l2"], model["l3"]
    if tuple(model["status"]) != TAGS:
        raise ValueError(f"unexpected segmenter tags {model['status']!r}")
    uni, bi, tri = model["uni"], model["bi"], model["tri"]
    uni_d, bi_d, tri_d = uni["d"], bi["d"], tri["d"]
    uni_none, bi_none, tri_none = uni["none"], bi["none"], tri["none"]
    uni_total = uni["total"]

    def div(v1, v2):  # snownlp's CharacterBasedGenerativeModel.div
        if v2 == 0:
            return 0
        return float(v1) / v2

    def combine(u, b, t):  # the tail of snownlp's log_prob
        if u + b + t == 0:
            return float("-inf")
        return log(u + b + t)

    def uni_term(s3):
        return l1 * (float(uni_d.get(s3, uni_none)) / uni_total)

    def bi_term(s2, s3):
        return div(l2 * bi_d.get((s2, s3), bi_none), uni_d.get(s2, uni_none))

    def tri_term(s1, s2, s3):
        return div(l3 * tri_d.get((s1, s2, s3), tri_none), bi_d.get((s1, s2), bi_none))

    ids: dict[str, int] = {}
    for char, _tag in uni_d:
        if len(char) == 1 and ZH_FIRST <= ord(char) <= ZH_LAST and char not in ids:
            ids[char] = len(ids) + 1
    bos_id = len(ids) + 1
    n_ids = bos_id + 1
    tag_index = {tag: i for i, tag in enumerate(TAGS)}

    def token_id(token) -> int | None:
        char, tag = token
        if token == BOS_TOKEN:
            return bos_id
        return ids.get(char) if tag in tag_index else None

    def tag_of(token) -> int:
        return 0 if token == BOS_TOKEN else tag_index[token[1]]

    char_ids = np.zeros(ZH_LAST - ZH_FIRST + 1, dtype=np.int64)
    known = np.zeros(n_ids, dtype=bool)
    unigram = np.full((n_ids, 4), float("-inf"))
    for char, cid in ids.items():
        char_ids[ord(char) - ZH_FIRST] = cid
        known[cid] = any(float(uni_d.get((char, tag), uni_none)) / uni_total != 0 for tag in TAGS)
        for t, tag in enumerate(TAGS):
            # Neither bigram nor trigram seen: both terms are 0 (or 0.0), as in snownlp.
            unigram[cid, t] = combine(uni_term((char, tag)), 0, 0)

    pair_keys, pair_codes, pair_logs = [], [], []
    for s2, s3 in bi_d:
        id2, id3 = token_id(s2), token_id(s3)
        if id2 is None or id3 is None or id3 == bos_id:
            continue
        pair_keys.append(id2 * n_ids + id3)
        pair_codes.append(tag_of(s2) * 4 + tag_of(s3))
        # Trigram unseen: its term is 0 (or 0.0) whatever s1 is.
        pair_logs.append(combine(uni_term(s3), bi_term(s2, s3), 0))

    triple_keys, triple_codes, triple_logs = [], [], []
    for s1, s2, s3 in tri_d:
        id1, id2, id3 = token_id(s1), token_id(s2), token_id(s3)
        if id1 is None or id2 is None or id3 is None or id3 == bos_id:
            continue
        triple_keys.append((id1 * n_ids + id2) * n_ids + id3)
        triple_codes.append(tag_of(s1) * 16 + tag_of(s2) * 4 + tag_of(s3))
        triple_logs.append(combine(uni_term(s3), bi_term(s2, s3), tri_term(s1, s2, s3)))

    pk, po, pc, pl = _grouped(pair_keys, pair_codes, pair_logs)
    tk, to, tc, tl = _grouped(triple_keys, triple_codes, triple_logs)
    return SegTables(char_ids=char_ids, known=known, unigram=unigram,
                     pair_keys=pk, pair_offsets=po, pair_codes=pc, pair_logs=pl,
                     triple_keys=tk, triple_offsets=to, triple_codes=tc, triple_logs=tl,
                     bos_id=np.int64(bos_id))


def cache_dir() -> Path:
    """Where compiled tables live: $BRANDMON_CACHE_DIR, else $XDG_CACHE_HOME/brandmon, else ~/.cache/brandmon."""
    explicit = os.environ.get("BRANDMON_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "brandmon"


def cache_path(model_file: Path) -> Path:
    """The cache file for one segmenter model file: snownlp version + file hash + format."""
    digest = hashlib.sha256(model_file.read_bytes()).hexdigest()[:20]
    name = f"seg-snownlp{snownlp_files.version()}-{digest}-v{FORMAT_VERSION}.npz"
    return cache_dir() / "fastsnow" / name


def save_tables(tables: SegTables, path: Path) -> None:
    """Write tables atomically (temp file + rename), so concurrent builders never clash."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.stem, suffix=".tmp.npz")
    try:
        with os.fdopen(fd, "wb") as out:
            np.savez(out, **{f.name: getattr(tables, f.name) for f in fields(tables)})
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def read_tables(path: Path) -> SegTables:
    """Read tables written by `save_tables`."""
    with np.load(path, allow_pickle=False) as data:
        return SegTables(**{f.name: data[f.name] for f in fields(SegTables)})


def tables_for(model_base: Path) -> SegTables:
    """Tables for a snownlp segmenter model (named as snownlp's `load` takes it): cached, else built and cached."""
    path = cache_path(snownlp_files.marshal_path(model_base))
    try:
        return read_tables(path)
    except (OSError, EOFError, KeyError, ValueError, zipfile.BadZipFile):
        pass  # missing, stale or damaged: rebuild
    tables = build_tables(snownlp_files.read_marshal(model_base))
    try:
        save_tables(tables, path)
    except OSError:
        pass  # a read-only cache dir only costs the rebuild next time
    return tables


@lru_cache(maxsize=1)
def stock_tables() -> SegTables:
    """Tables for the installed snownlp segmenter (the first use on a machine builds them, ~10 s)."""
    return tables_for(snownlp_files.seg_model_base())
