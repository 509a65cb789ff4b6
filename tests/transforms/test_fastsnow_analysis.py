"""analyze(): per-text results in input order, each distinct text computed once, same on any number of workers."""

from __future__ import annotations

import multiprocessing
import os

import pytest

from transforms.fastsnow import Analysis, SentimentModel, analyze, parallel, segment_parallel, train_bayes, words

TEXTS = ["今天天气真好，心情不错[哈哈]", "转发微博", "手机坏了，客服不理人[怒]", "转发微博", "",
         "iPhone 15 Pro 发热严重！！", "转发微博", "今天天气真好，心情不错[哈哈]", "😀👍"]
MANY = [f"第{i}条：这个牌子的{'好' if i % 3 else '差'}评价，编号{i % 97}" for i in range(300)] + TEXTS


@pytest.fixture(scope="module")
def custom_model() -> SentimentModel:
    return train_bayes(["质量太差，失望", "客服态度恶劣"], ["质量很好，满意", "客服耐心，点赞"])


def test_results_follow_input_order_and_equal_text_by_text_scoring():
    model = SentimentModel.stock()
    results = analyze(TEXTS, model, workers=1)
    assert results == [Analysis(words(t), model.probability(t)) for t in TEXTS]


def test_repeated_texts_get_equal_results_with_their_own_word_lists():
    results = analyze(TEXTS, SentimentModel.stock(), workers=1)
    first, again = results[1], results[3]
    assert first == again
    again.words.append("changed")
    assert results[1].words == words(TEXTS[1])


def test_each_distinct_text_reaches_the_batch_function_once():
    seen_batches = []

    def batch(texts):
        seen_batches.append(list(texts))
        return [len(t) for t in texts]

    assert parallel.per_distinct(batch, TEXTS, 1) == [len(t) for t in TEXTS]
    assert seen_batches == [list(dict.fromkeys(TEXTS))]


def test_empty_input_gives_no_results():
    assert analyze([], SentimentModel.stock()) == []
    assert segment_parallel([]) == []


def test_worker_processes_give_the_same_results(monkeypatch, custom_model):
    expected_stock = analyze(MANY, SentimentModel.stock(), workers=1)
    expected_custom = analyze(MANY, custom_model, workers=1)
    monkeypatch.setattr(parallel, "PARALLEL_MIN_TEXTS", 10)
    assert analyze(MANY, SentimentModel.stock(), workers=2) == expected_stock
    assert analyze(MANY, custom_model, workers=2) == expected_custom
    assert segment_parallel(MANY, workers=2) == [r.words for r in expected_stock]


def test_default_workers_is_at_least_one():
    assert parallel.default_workers() >= 1


def _analyze_in_child(queue) -> None:
    queue.put([r.sentiment for r in analyze(MANY, SentimentModel.stock(), workers=2)])


def test_inside_a_daemonic_process_big_batches_stay_in_process(monkeypatch):
    monkeypatch.setattr(parallel, "PARALLEL_MIN_TEXTS", 10)
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_analyze_in_child, args=(queue,), daemon=True)
    child.start()
    sentiments = queue.get(timeout=30)
    child.join(timeout=30)
    assert sentiments == [r.sentiment for r in analyze(MANY, SentimentModel.stock(), workers=1)]


_warmed = False


def _warm() -> None:
    global _warmed
    _warmed = True


def _chunk_info(chunk, tag):
    return os.getpid(), _warmed, tag, list(chunk)


def test_small_batches_run_their_chunks_here_in_order():
    items = list(range(25))
    results = list(parallel.map_chunks(_chunk_info, items, ("t",), workers=2, min_items=26, chunk_size=10))
    assert [r[3] for r in results] == [items[0:9], items[9:18], items[18:25]]
    assert {(pid, tag) for pid, _, tag, _ in results} == {(os.getpid(), "t")}


@pytest.mark.parametrize("start_method", ["fork", "spawn"])
def test_big_batches_run_in_warmed_workers_and_come_back_in_order(monkeypatch, start_method):
    if start_method == "spawn":
        monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    items = [f"text {i}" for i in range(100)]
    results = list(parallel.map_chunks(_chunk_info, items, ("t",), workers=2, min_items=50, chunk_size=30,
                                       warm=_warm))
    assert [item for r in results for item in r[3]] == items
    assert len(results) == 4  # at least TASKS_PER_WORKER chunks per worker
    assert all(pid != os.getpid() and warmed and tag == "t" for pid, warmed, tag, _ in results)
