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
