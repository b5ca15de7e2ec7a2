"""The faiss index and its on-disk cache: hit, miss, change, corruption, read-only disk."""

from __future__ import annotations

import os

import numpy as np
import pytest

from embeddings import TextIndex

TEXTS = [
    "Precision is the share of predicted positives that are truly positive.",
    "Recall is the share of actual positives the model finds.",
    "A hash table maps keys to buckets with a hash function.",
]


def test_search_finds_the_nearest_text(encoder):
    index = TextIndex.build(TEXTS, encoder)
    scores, ids = index.search(encoder.encode(["How does a hashmap store keys?"]), k=2)
    assert ids[0][0] == 2
    assert scores[0][0] > scores[0][1]


def test_cache_miss_then_hit(counting_encoder, tmp_path):
    first = TextIndex.build(TEXTS, counting_encoder, tmp_path)
    assert not first.from_cache and counting_encoder.calls == 1
    assert len(list(tmp_path.glob("*.npz"))) == 1
    second = TextIndex.build(TEXTS, counting_encoder, tmp_path)
    assert second.from_cache and counting_encoder.calls == 1
    np.testing.assert_array_equal(first.vectors, second.vectors)


def test_changed_texts_rebuild(counting_encoder, tmp_path):
    TextIndex.build(TEXTS, counting_encoder, tmp_path)
    changed = TextIndex.build(TEXTS + ["A new question."], counting_encoder, tmp_path)
    assert not changed.from_cache and counting_encoder.calls == 2
    assert len(changed) == 4


@pytest.mark.parametrize("damage", [b"", b"garbage" * 10, "truncate"])
def test_corrupt_cache_is_rebuilt(counting_encoder, tmp_path, damage):
    TextIndex.build(TEXTS, counting_encoder, tmp_path)
    (path,) = tmp_path.glob("*.npz")
    if damage == "truncate":
        path.write_bytes(path.read_bytes()[:200])
    else:
        path.write_bytes(damage)
    rebuilt = TextIndex.build(TEXTS, counting_encoder, tmp_path)
    assert not rebuilt.from_cache and counting_encoder.calls == 2
    assert TextIndex.build(TEXTS, counting_encoder, tmp_path).from_cache


def test_tampered_vectors_fail_the_checksum(counting_encoder, tmp_path):
    index = TextIndex.build(TEXTS, counting_encoder, tmp_path)
    (path,) = tmp_path.glob("*.npz")
    with np.load(path) as data:
        meta = data["meta"]
    np.savez(path, vectors=index.vectors * 0.5, meta=meta)
    assert not TextIndex.build(TEXTS, counting_encoder, tmp_path).from_cache


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores folder permissions")
def test_read_only_cache_dir_still_works(counting_encoder, tmp_path):
    tmp_path.chmod(0o500)
    try:
        assert len(TextIndex.build(TEXTS, counting_encoder, tmp_path / "cache")) == 3
    finally:
        tmp_path.chmod(0o700)


def test_unwritable_cache_path_still_works(counting_encoder, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    index = TextIndex.build(TEXTS, counting_encoder, blocker / "cache")
    assert len(index) == 3 and not index.from_cache


def test_vectors_are_read_only(encoder):
    index = TextIndex.build(TEXTS, encoder)
    with pytest.raises(ValueError):
        index.vectors[0, 0] = 1.0


def test_build_reports_progress_by_chunk(counting_encoder, tmp_path, monkeypatch):
    import embeddings.index

    monkeypatch.setattr(embeddings.index, "BUILD_CHUNK", 2)
    seen = []
    index = TextIndex.build(TEXTS, counting_encoder, tmp_path, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(0, 3), (2, 3), (3, 3)]
    assert counting_encoder.calls == 2 and len(index) == 3
    np.testing.assert_allclose(index.vectors, TextIndex.build(TEXTS, counting_encoder).vectors, atol=1e-5)


def test_build_encodes_chunks_of_similar_length_and_keeps_each_vector_with_its_text(encoder, monkeypatch):
    import embeddings.index

    texts = ["A much longer sentence about gradient descent, learning rates and the loss surface it walks down.",
             "Short one.", "A middling sentence about recall.", "Tiny.",
             "Another long sentence: bagging averages many high-variance trees grown on bootstrap samples."]
    chunks = []

    class Recording:
        model_id, dim = encoder.model_id, encoder.dim

        def encode(self, batch):
            chunks.append(list(batch))
            return encoder.encode(batch)

    monkeypatch.setattr(embeddings.index, "BUILD_CHUNK", 2)
    index = TextIndex.build(texts, Recording(), progress=lambda done, total: None)
    assert [len(t) for chunk in chunks for t in chunk] == sorted(map(len, texts))   # shortest first
    np.testing.assert_allclose(index.vectors, encoder.encode(texts), atol=1e-5)      # each vector at its text
    assert index.search(encoder.encode(["Tiny."]), 1)[1][0][0] == texts.index("Tiny.")


def test_background_build_hands_over_the_index_and_caches_it(counting_encoder, tmp_path):
    from embeddings.background import BackgroundIndex

    got = []
    build = BackgroundIndex(TEXTS, counting_encoder, tmp_path, on_done=got.append).start()
    assert build.wait(120)
    status = build.status
    assert status.finished and status.error is None and status.done == status.total == 3
    assert status.fraction == 1.0 and status.eta == 0.0
    assert len(got) == 1 and got[0].texts == TEXTS
    assert TextIndex.is_cached(TEXTS, counting_encoder.model_id, tmp_path)


def test_background_build_failure_is_reported_not_raised(tmp_path):
    from embeddings.background import BackgroundIndex

    class Broken:
        model_id, dim = "broken", 4

        def encode(self, texts):
            raise RuntimeError("out of memory")

    build = BackgroundIndex(TEXTS, Broken(), tmp_path).start()
    assert build.wait(30)
    assert build.status.finished and build.status.error == "out of memory"


def test_a_build_asked_to_stop_ends_after_its_chunk_and_caches_nothing(tmp_path):
    import threading

    from embeddings.background import BackgroundIndex
    from embeddings.index import BUILD_CHUNK

    entered, release = threading.Event(), threading.Event()

    class Slow:
        model_id, dim = "slow", 4

        def encode(self, texts):
            entered.set()
            release.wait(30)
            return np.ones((len(texts), 4), dtype=np.float32) / 2

    texts = [f"text {i}" for i in range(3 * BUILD_CHUNK)]
    build = BackgroundIndex(texts, Slow(), tmp_path).start()
    assert entered.wait(30)
    threading.Timer(0.2, release.set).start()
    assert build.stop(timeout=30)                       # at exit, this keeps native code from aborting
    status = build.status
    assert status.finished and status.error == "stopped" and status.done < status.total
    assert not TextIndex.is_cached(texts, "slow", tmp_path)


def test_eta_follows_the_pace_so_far():
    from embeddings.background import BuildStatus

    assert BuildStatus(0, 100, 5.0).eta is None
    assert BuildStatus(25, 100, 10.0).eta == pytest.approx(30.0)
    assert BuildStatus(25, 100, 10.0).fraction == 0.25


def test_a_first_run_grades_at_once_and_attaches_the_index_when_built(encoder, tmp_path):
    from fakes import small_bank
    from interviewer.engine import grader_now
    from interviewer.report import indexing_label

    bank = small_bank(tmp_path / "bank", per_level=1)
    grader, build = grader_now(bank, encoder, tmp_path / "cache")
    question = bank.questions[0]
    assert grader.grade(question.rubric, question.reference_answer).score > 0   # before or while it builds
    assert build is not None and build.wait(300) and build.status.error is None
    assert grader.index is not None and len(grader.index) == len(bank.texts())
    again, none = grader_now(bank, encoder, tmp_path / "cache")               # the next start: from the cache
    assert none is None and again.index.from_cache
    assert "12 of 3,400 texts (about 2 min left)" in indexing_label(12, 3400, 61.0)
