"""snownlp's word segmentation, computed for many texts at once with numpy: same words, faster.

snownlp (`snownlp.seg.seg`) cuts a text into maximal runs of U+4E00..U+9FA5, splits the rest
on whitespace, and tags each run on its own with a second-order Viterbi over the tags
b/m/e/s whose state is (previous tag, tag). This module runs that same Viterbi for all runs
of a batch in lock-step (runs sorted by length, one numpy step per character position) and
keeps snownlp's exact rules:

- scores are sums of the precomputed log-probabilities in the same order (same floats);
- among predecessors of a state the first best in snownlp's order wins (it replaces only on
  a strictly greater score), and the final state is the first best in its dict order, which
  is (tag, previous tag) in b, m, e, s order;
- for a character the model never saw, snownlp scores nothing and each new state inherits
  the score and path of the *last* predecessor it iterates, the one whose previous tag is 's'.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from transforms.fastsnow.seg_tables import ZH_FIRST, SegTables, stock_tables

RE_ZH = re.compile("([\u4E00-\u9FA5]+)")
# Positions tagged per numpy pass; bounds the score array at ~64 floats per position.
MAX_POSITIONS_PER_PASS = 100_000
TAG_B, TAG_M, TAG_E, TAG_S = 0, 1, 2, 3


def words(text: str) -> list[str]:
    """Exactly `snownlp.SnowNLP(text).words` (for "" that raises in snownlp; this gives `seg.seg("")`, [])."""
    return segment_many([text])[0]


def segment_many(texts: Sequence[str], tables: SegTables | None = None) -> list[list[str]]:
    """`snownlp.SnowNLP(text).words` for each text; each distinct Chinese run is tagged once."""
    run_index: dict[str, int] = {}
    plans: list[list[str | int]] = []
    for text in texts:
        plan: list[str | int] = []
        for i, piece in enumerate(RE_ZH.split(text)):
            if i & 1:  # a run of Chinese characters (the split's captured group)
                index = run_index.get(piece)
                if index is None:
                    index = run_index[piece] = len(run_index)
                plan.append(index)
            elif piece:
                plan.extend(piece.split())
        plans.append(plan)
    run_words = segment_runs(list(run_index), tables)
    result = []
    for plan in plans:
        out: list[str] = []
        for item in plan:
            if item.__class__ is int:
                out.extend(run_words[item])
            else:
                out.append(item)
        result.append(out)
    return result


def segment_runs(runs: Sequence[str], tables: SegTables | None = None) -> list[list[str]]:
    """The words snownlp's tagger gives each run of U+4E00..U+9FA5 characters (none for "")."""
    tables = tables or stock_tables()
    order = sorted((i for i, run in enumerate(runs) if run), key=lambda i: len(runs[i]), reverse=True)
    result: list[list[str]] = [[] for _ in runs]
    start = 0
    while start < len(order):
        end, positions = start, 0
        while end < len(order) and (end == start or positions + len(runs[order[end]]) <= MAX_POSITIONS_PER_PASS):
            positions += len(runs[order[end]])
            end += 1
        batch = [runs[i] for i in order[start:end]]
        for i, run_words in zip(order[start:end], _segment_sorted_runs(batch, tables)):
            result[i] = run_words
        start = end
    return result


def _table_entries(query: np.ndarray, keys: np.ndarray, offsets: np.ndarray):
    """For each query key found in `keys`: (query position, entry index) for all its entries."""
    empty = np.zeros(0, dtype=np.int64)
    if len(keys) == 0 or len(query) == 0:
        return empty, empty
    group = np.searchsorted(keys, query)
    group[group == len(keys)] = 0
    hit = np.flatnonzero(keys[group] == query)
    group = group[hit]
    first = offsets[group]
    count = offsets[group + 1] - first
    position = np.repeat(hit, count)
    entry = np.arange(int(count.sum()), dtype=np.int64) + np.repeat(first - (np.cumsum(count) - count), count)
    return position, entry


def _segment_sorted_runs(runs: list[str], tables: SegTables) -> list[list[str]]:
    """Tag runs (sorted longest first) in lock-step and cut them into words."""
    n_runs = len(runs)
    lengths = np.fromiter(map(len, runs), dtype=np.int64, count=n_runs)
    joined = "".join(runs)
    n_pos = len(joined)
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    ids = tables.char_ids[codes - ZH_FIRST]
    max_len = int(lengths[0])

    # active[j]: runs longer than j, i.e. the prefix of runs still tagging at step j.
    active = np.append(np.searchsorted(-lengths, -np.arange(max_len), side="left"), 0)
    step_start = np.zeros(max_len + 1, dtype=np.int64)
    step_start[1:] = np.cumsum(active[:-1])
    run_start = np.zeros(n_runs, dtype=np.int64)
    run_start[1:] = np.cumsum(lengths)[:-1]
    rank = np.repeat(np.arange(n_runs, dtype=np.int64), lengths)
    offset = np.arange(n_pos, dtype=np.int64) - run_start[rank]
    step_pos = step_start[offset] + rank  # run-major position -> step-major position

    bos = int(tables.bos_id)
    prev1 = np.full(n_pos, bos, dtype=np.int64)
    prev1[1:] = ids[:-1]
    prev1[offset < 1] = bos
    prev2 = np.full(n_pos, bos, dtype=np.int64)
    prev2[2:] = ids[:-2]
    prev2[offset < 2] = bos
    c1, c2, c3 = (np.empty(n_pos, dtype=np.int64) for _ in range(3))
    c1[step_pos], c2[step_pos], c3[step_pos] = prev2, prev1, ids

    # scores[p, t1*16 + t2*4 + t3]: snownlp's log_prob for tags (t1, t2, t3) at step-major p.
    n_ids = tables.n_ids
    scores = np.tile(tables.unigram[c3], 16)
    pos, entry = _table_entries(c2 * n_ids + c3, tables.pair_keys, tables.pair_offsets)
    scores.reshape(n_pos, 4, 16)[pos, :, tables.pair_codes[entry]] = tables.pair_logs[entry][:, None]
    pos, entry = _table_entries((c1 * n_ids + c2) * n_ids + c3, tables.triple_keys, tables.triple_offsets)
    scores[pos, tables.triple_codes[entry]] = tables.triple_logs[entry]
    if max_len > 1:  # step 1 follows the sentence start: t1 is BOS whatever row is read
        lo, hi = step_start[1], step_start[1] + active[1]
        scores[lo:hi, 16:] = np.tile(scores[lo:hi, :16], 3)
    known = tables.known[c3]

    # Step 0: a single predecessor (BOS, BOS); an unseen character keeps the score 0.0.
    first = np.where(known[:n_runs, None], scores[:n_runs, :4], 0.0)
    best = np.repeat(first[:, None, :], 4, axis=1)  # best[run, previous tag, tag]
    back: list[np.ndarray | None] = [None] * max_len
    final_tag = np.zeros(n_runs, dtype=np.int64)
    final_prev = np.zeros(n_runs, dtype=np.int64)

    def record_finals(j: int) -> None:
        lo, hi = active[j + 1], active[j]
        if hi > lo:
            flat = best[lo:hi].transpose(0, 2, 1).reshape(-1, 16).argmax(axis=1)
            final_tag[lo:hi], final_prev[lo:hi] = flat // 4, flat % 4

    active_at, start_at = active.tolist(), step_start.tolist()
    unseen_steps = set((np.searchsorted(step_start, np.flatnonzero(~known), side="right") - 1).tolist())
    record_finals(0)
    for j in range(1, max_len):
        count, lo = active_at[j], start_at[j]
        candidates = best[:count, :, :, None] + scores[lo:lo + count].reshape(count, 4, 4, 4)
        # argmax keeps the first best predecessor, as snownlp's strict '>' does.
        pointer = candidates.argmax(axis=1)
        new = candidates.max(axis=1)
        if j in unseen_steps:
            unseen = np.flatnonzero(~known[lo:lo + count])
            new[unseen] = best[unseen, TAG_S, :, None]
            pointer[unseen] = TAG_S
        best = new
        back[j] = pointer
        if active_at[j + 1] < count:
            record_finals(j)

    tags = np.empty(n_pos, dtype=np.int64)
    tag = prev = np.zeros(0, dtype=np.int64)
    run_numbers = np.arange(n_runs)
    for j in range(max_len - 1, -1, -1):
        lo, count = active_at[j + 1], active_at[j]
        if count > lo:
            tag = np.concatenate([tag, final_tag[lo:count]])
            prev = np.concatenate([prev, final_prev[lo:count]])
        tags[start_at[j]:start_at[j] + count] = tag
        if j >= 2:
            tag, prev = prev, back[j][run_numbers[:count], prev, tag]
        elif j == 1:
            tag = prev

    run_tags = tags[step_pos]
    starts = (offset == 0) | (run_tags == TAG_B) | (run_tags == TAG_S)
    starts[1:] |= run_tags[:-1] == TAG_E
    start_idx = np.flatnonzero(starts)
    bounds = np.append(start_idx, n_pos).tolist()
    flat_words = [joined[a:b] for a, b in zip(bounds, bounds[1:])]
    per_run = np.bincount(rank[start_idx], minlength=n_runs).tolist()
    out, k = [], 0
    for n in per_run:
        out.append(flat_words[k:k + n])
        k += n
    return out
