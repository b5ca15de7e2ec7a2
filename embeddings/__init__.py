"""Sentence embeddings (offline, packaged model) and a cached faiss index."""

from embeddings.encoder import Encoder, ModelError, SentenceEncoder, load_encoder
from embeddings.index import TextIndex

__all__ = ["Encoder", "ModelError", "SentenceEncoder", "TextIndex", "load_encoder"]
