"""The embedders: the bundled multilingual model, spec parsing, and the litellm path on loopback."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import ClassVar

import numpy as np
import pytest

from clio_dagster.core.clustering.embed import (
    EmbedderError,
    LiteLLMEmbedder,
    SentenceTransformerEmbedder,
    UseMultilingualEmbedder,
    embed_unique,
    embedding_fingerprint,
    make_embedder,
)

TEXTS = [
    "how do I bake bread",
    "¿cómo hago pan?",
    "fix my python error",
    "comment faire du pain à la maison",
    "my python script raises a KeyError",
    "write a birthday poem for my sister",
]


@pytest.fixture(scope="module")
def embedder() -> UseMultilingualEmbedder:
    return UseMultilingualEmbedder(threads=1, batch_size=4)


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def test_shape_dtype_and_unit_rows(embedder):
    vectors = embedder.embed(TEXTS)
    assert vectors.shape == (len(TEXTS), 512) == (len(TEXTS), embedder.dim)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_empty_input_gives_empty_matrix(embedder):
    assert embedder.embed([]).shape == (0, 512)


def test_same_call_twice_is_identical(embedder):
    assert np.array_equal(embedder.embed(TEXTS), embedder.embed(TEXTS))


def test_input_order_does_not_change_vectors(embedder):
    forward = embedder.embed(TEXTS)
    backward = embedder.embed(TEXTS[::-1])
    assert np.array_equal(forward, backward[::-1])


def test_multilingual_paraphrases_are_closer_than_unrelated(embedder):
    bread_en, bread_es, python, bread_fr, python_2, poem = embedder.embed(TEXTS)
    assert cosine(bread_en, bread_es) > cosine(bread_en, python) + 0.3
    assert cosine(bread_fr, bread_en) > max(cosine(bread_fr, python), cosine(bread_fr, poem))
    assert cosine(python, python_2) > cosine(python, poem)


def test_batched_matches_one_by_one(embedder):
    batched = embedder.embed(TEXTS)
    single = np.vstack([embedder.embed([text]) for text in TEXTS])
    # The quantised model scales activations over its whole batch, so equality is to cosine ~1.
    assert np.min(np.sum(batched * single, axis=1)) > 0.99


def test_duplicates_are_embedded_once():
    calls: list[list[str]] = []

    def fake(texts: list[str]) -> np.ndarray:
        calls.append(texts)
        return np.array([[len(t), 1.0] for t in texts], dtype=np.float32)

    out = embed_unique(["bb", "a", "bb", "a", "ccc"], fake, dim=2)
    assert calls == [["a", "bb", "ccc"]]
    assert np.array_equal(out[0], out[2]) and np.array_equal(out[1], out[3])
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-6)


def test_session_is_created_once_and_reused(embedder):
    embedder.embed(["first"])
    session = embedder._session
    embedder.embed(["second"])
    assert embedder._session is session


def test_make_embedder_specs():
    default = make_embedder("use-multilingual", threads=1)
    assert isinstance(default, UseMultilingualEmbedder) and default.threads == 1
    assert isinstance(make_embedder("", threads=1), UseMultilingualEmbedder)
    st = make_embedder("sentence-transformers:/models/minilm", threads=1)
    assert isinstance(st, SentenceTransformerEmbedder) and st.model == "/models/minilm"
    remote = make_embedder("litellm:openai/text-embedding-3-small", threads=1, api_base="http://x")
    assert isinstance(remote, LiteLLMEmbedder) and remote.api_base == "http://x"


@pytest.mark.parametrize("spec", ["bert", "litellm:", "sentence-transformers", "use-multilingual:v4"])
def test_unknown_specs_are_rejected(spec):
    with pytest.raises(EmbedderError, match="unknown embedder"):
        make_embedder(spec, threads=1)


def test_bad_thread_count_is_rejected():
    with pytest.raises(EmbedderError):
        UseMultilingualEmbedder(threads=0)


class _EmbeddingsHandler(BaseHTTPRequestHandler):
    """An OpenAI-style /embeddings endpoint returning a vector derived from each text's length."""

    requests: ClassVar[list[list[str]]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        texts = body["input"]
        type(self).requests.append(texts)
        # Out of order on purpose: the client must sort by index.
        data = [
            {"object": "embedding", "index": i, "embedding": [float(len(t)), 2.0, 0.0]}
            for i, t in reversed(list(enumerate(texts)))
        ]
        payload = json.dumps(
            {
                "object": "list",
                "data": data,
                "model": body["model"],
                "usage": {"prompt_tokens": 1, "total_tokens": 1},
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


def test_litellm_embedder_batches_dedupes_and_normalises(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    server = HTTPServer(("127.0.0.1", 0), _EmbeddingsHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        embedder = make_embedder(
            "litellm:openai/fake-embed",
            threads=1,
            api_base=f"http://127.0.0.1:{server.server_port}/v1",
            batch_size=2,
        )
        out = embedder.embed(["aaaa", "b", "aaaa", "cc", "ddd"])
    finally:
        server.shutdown()
    assert _EmbeddingsHandler.requests == [["b", "cc"], ["ddd", "aaaa"]]
    assert out.shape == (5, 3) and out.dtype == np.float32 and embedder.dim == 3
    expected = np.array([4.0, 2.0, 0.0]) / np.sqrt(20.0)
    np.testing.assert_allclose(out[0], expected, rtol=1e-6)
    np.testing.assert_allclose(out[1], np.array([1.0, 2.0, 0.0]) / np.sqrt(5.0), rtol=1e-6)
    assert np.array_equal(out[0], out[2])


def test_fingerprint_changes_with_model_texts_and_order():
    base = embedding_fingerprint("use-multilingual", ["a", "bc"])
    assert base == embedding_fingerprint("use-multilingual", ["a", "bc"])
    assert base != embedding_fingerprint("litellm:openai/x", ["a", "bc"])
    assert base != embedding_fingerprint("use-multilingual", ["bc", "a"])
    assert base != embedding_fingerprint("use-multilingual", ["ab", "c"])  # boundaries count
