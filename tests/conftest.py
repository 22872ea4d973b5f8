import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TORCHDYNAMO_DISABLE", "1")

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def bundled_llm():
    """The bundled SmolLM2-135M GGUF on llama.cpp, loaded once for the test session."""
    from ocula.model_cache import load_model

    return load_model("smollm2-135m")


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    return REPO / "samples"


@pytest.fixture(scope="session")
def llama_server():
    """llama-cpp-python's OpenAI-compatible server on the bundled GGUF, on a loopback port, for the session."""
    from tests.fixtures.llama_server import missing_server_modules, start_llama_server

    missing = missing_server_modules()
    if missing:
        pytest.skip(f"llama-cpp-python's server needs {', '.join(missing)}: pip install 'llama-cpp-python[server]'")
    from ocula.adapters.models.bundled import bundled_gguf

    server = start_llama_server(bundled_gguf("smollm2-135m"), api_key="ocula-test-key")
    yield server
    server.stop()
