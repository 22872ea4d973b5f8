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
    from ocula.models import load_model

    return load_model("smollm2-135m")


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    return REPO / "samples"
