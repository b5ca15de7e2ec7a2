"""Sentence embeddings (offline, packaged model) and a cached faiss index."""

from embeddings.encoder import BackgroundEncoder, Encoder, ModelError, SentenceEncoder, load_encoder, start_encoder
from embeddings.index import TextIndex

__all__ = ["BackgroundEncoder", "Encoder", "ModelError", "SentenceEncoder", "TextIndex", "load_encoder", "start_encoder"]
