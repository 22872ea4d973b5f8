"""The model registry: each kind of model spec goes to its loader (backends replaced by recorders, no model is
loaded), the bundled names are listed, and an unknown name fails at once with the hub offline or unreachable."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest

from ocula.adapters.models import bundled, hub, registry
from ocula.adapters.models.base import Capabilities, Generation, GenerationRequest, ModelAdapter
from ocula.adapters.models.bundled import BUNDLED, DEFAULT_MODEL, bundled_gguf
from ocula.schemas.errors import ModelError


class Stub(ModelAdapter):
    """A loaded model as a recorder returns it: which backend built it, from what, with which options."""

    def __init__(self, backend: str, source: Any = None, options: dict[str, Any] | None = None, images: bool = False):
        self.backend = backend
        self.source = source
        self.options = options or {}
        self.capabilities = Capabilities(images=images)

    def generate(self, request: GenerationRequest) -> Generation:
        raise AssertionError("not called")


@pytest.fixture
def backends(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every backend's constructor replaced by one returning a `Stub` that says which it was."""
    from ocula.adapters.models.llamacpp import LlamaCppModel
    from ocula.adapters.models.openai_server import OpenAIServerModel
    from ocula.adapters.models.transformers_lm import TransformersLM
    from ocula.adapters.models.transformers_vlm import TransformersVLM

    def recorder(backend: str) -> Any:
        return classmethod(lambda cls, source, **options: Stub(backend, source, options))

    monkeypatch.setattr(LlamaCppModel, "load", recorder("llama.cpp"))
    monkeypatch.setattr(TransformersLM, "load", recorder("transformers-lm"))
    monkeypatch.setattr(TransformersVLM, "load", recorder("transformers-vlm"))
    monkeypatch.setattr(OpenAIServerModel, "from_spec", recorder("openai"))


def _folder(path: Path, config: dict[str, Any]) -> str:
    path.mkdir()
    (path / "config.json").write_text(json.dumps(config))
    return str(path)


@pytest.mark.parametrize(
    ("spec", "route"),
    [
        ("smollm2-135m", "bundled"),
        ("gemma3-270m", "bundled"),
        ("/models/model.Q4_K_M.gguf", "gguf"),
        ("openai:http://127.0.0.1:8080/v1#qwen2.5vl:7b", "openai"),
        ("Qwen/Qwen2.5-VL-3B-Instruct", "transformers"),
        ("./my-model", "transformers"),
    ],
)
def test_each_name_resolves_to_its_route(spec: str, route: str) -> None:
    assert registry.resolve(spec).name == route


def test_routes_are_tried_from_the_most_specific() -> None:
    names = [route.name for route in registry.routes()]
    assert names == ["instance", "langchain", "openai", "bundled", "gguf", "transformers"]


def test_bundled_names_on_llama_cpp_or_transformers(backends: None) -> None:
    model = registry.load("smollm2-135m", n_threads=2)
    assert model.backend == "llama.cpp" and model.source == bundled_gguf("smollm2-135m")
    assert model.options == {"name": "smollm2-135m", "n_threads": 2}
    on_transformers = registry.load("smollm2-135m", backend="transformers")
    gguf = bundled_gguf("smollm2-135m")
    assert on_transformers.backend == "transformers-lm" and on_transformers.source == str(gguf.parent)
    assert on_transformers.options == {"gguf_file": gguf.name}
    with pytest.raises(ModelError, match="unknown backend 'onnx' for smollm2-135m"):
        registry.load("smollm2-135m", backend="onnx")


def test_no_name_is_the_default_model(backends: None) -> None:
    assert DEFAULT_MODEL in BUNDLED
    assert registry.load().options["name"] == DEFAULT_MODEL


def test_a_gguf_path_and_a_served_model(backends: None) -> None:
    gguf = registry.load("/models/m.gguf", n_ctx=512)
    assert gguf.backend == "llama.cpp" and gguf.source == Path("/models/m.gguf") and gguf.options == {"n_ctx": 512}
    served = registry.load("openai:http://127.0.0.1:8080/v1#m", images=True)
    assert served.backend == "openai" and served.source == "openai:http://127.0.0.1:8080/v1#m"
    assert served.options == {"images": True}


def test_a_folder_loads_as_text_or_vision_model_by_its_config(backends: None, tmp_path: Path) -> None:
    text = _folder(tmp_path / "text", {"model_type": "llama"})
    vision = _folder(tmp_path / "vision", {"model_type": "idefics3"})
    assert registry.load(text, dtype="float32").backend == "transformers-lm"
    assert registry.load(text, dtype="float32").options == {"dtype": "float32"}
    assert registry.load(vision).backend == "transformers-vlm"
    with pytest.raises(ModelError, match=r"unknown backend 'llama\.cpp'"):
        registry.load(text, backend="llama.cpp")


def test_model_instances(backends: None) -> None:
    mine = Stub("mine")
    assert registry.resolve(mine).name == "instance" and registry.load(mine, temperature=1) is mine
    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel

    from ocula.adapters.models.langchain_chat import LangChainChatModel

    chat = GenericFakeChatModel(messages=iter([]))
    wrapped = registry.load(chat, method="text")
    assert registry.resolve(chat).name == "langchain"
    assert isinstance(wrapped, LangChainChatModel) and wrapped.chat is chat
    with pytest.raises(ModelError, match="cannot use a int as a model"):
        registry.load(3)


def test_an_adapter_goes_to_the_lora_loader(monkeypatch: pytest.MonkeyPatch) -> None:
    from ocula.adapters.models.lora import load as lora_load

    calls: list[tuple[Any, ...]] = []
    monkeypatch.setattr(lora_load, "load_adapted", lambda *args, **options: calls.append((*args, options)) or "m")
    assert registry.load(adapter="my-adapter", n_threads=2) == "m"
    assert registry.load("smollm2-135m", backend="transformers", adapter="my-adapter") == "m"
    assert calls == [
        (None, "my-adapter", None, {"n_threads": 2}),
        ("smollm2-135m", "my-adapter", "transformers", {}),
    ]
    with pytest.raises(ModelError, match="adapter applies to a model given by name"):
        registry.load(Stub("mine"), adapter="my-adapter")


def test_a_route_added_with_a_higher_priority_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "_ROUTES", dict(registry._ROUTES))
    registry.register("custom", r"^custom:", lambda spec, backend, options: Stub("custom", spec), priority=100)
    model = registry.load("custom:thing")
    assert model.backend == "custom" and model.source == "custom:thing"
    assert registry.resolve("smollm2-135m").name == "bundled"  # other names keep their routes


def test_backends_and_image_options_by_name() -> None:
    assert registry.default_backend("smollm2-135m") == registry.default_backend("a.gguf") == registry.LLAMACPP
    assert registry.default_backend(None) == registry.LLAMACPP  # the default model is bundled
    assert registry.default_backend("org/model") == "transformers"
    assert registry.image_load_options("openai:http://127.0.0.1:8080/v1") == {"images": True}
    assert registry.image_load_options("org/model") == registry.image_load_options("smollm2-135m") == {}
    assert registry.reads_images(Stub("x", images=True)) and not registry.reads_images(Stub("x"))


def test_bundled_models_are_listed() -> None:
    assert set(BUNDLED) == {"smollm2-135m", "gemma3-270m"}
    assert bundled.bundled_gguf("smollm2-135m").suffix == ".gguf"
    with pytest.raises(ModelError, match="unknown bundled model 'tiny'; known: smollm2-135m, gemma3-270m"):
        bundled.bundled_gguf("tiny")


# --- a name that is nowhere here ----------------------------------------------------------------------------


@pytest.fixture
def online(monkeypatch: pytest.MonkeyPatch) -> None:
    """Offline mode off, whatever the environment says (CI runs with HF_HUB_OFFLINE=1)."""
    from huggingface_hub import constants

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)


def _hub_at(monkeypatch: pytest.MonkeyPatch, endpoint: str) -> None:
    """The hub's address as HF_ENDPOINT would set it when the process starts."""
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "ENDPOINT", endpoint)
    monkeypatch.setattr(constants, "HUGGINGFACE_CO_URL_TEMPLATE", endpoint + "/{repo_id}/resolve/{revision}/{filename}")


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_an_unknown_name_fails_at_once_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelError) as caught:
        registry.load("smollm2")  # a typo of a bundled name
    message = str(caught.value)
    assert message.startswith("smollm2: not a bundled model (smollm2-135m, gemma3-270m)")
    assert "nor in the local Hugging Face cache, and the hub is offline" in message


def test_an_unknown_name_fails_at_once_when_the_hub_does_not_answer(
    monkeypatch: pytest.MonkeyPatch, online: None
) -> None:
    _hub_at(monkeypatch, f"http://127.0.0.1:{_closed_port()}")
    with pytest.raises(ModelError) as caught:
        registry.load("no-such-org/no-such-model")
    message = str(caught.value)
    assert message.startswith("no-such-org/no-such-model: not a bundled model (smollm2-135m, gemma3-270m)")
    assert "the Hugging Face hub did not answer" in message


def test_a_missing_path_is_not_looked_up_on_the_hub(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"no such model folder, and not a bundled model \(smollm2-135m"):
        registry.load(str(tmp_path / "missing" / "model"))


class _NotFound(BaseHTTPRequestHandler):
    def do_HEAD(self) -> None:  # the method http.server calls for a HEAD request
        self.send_response(404)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def test_any_http_answer_means_the_hub_is_there(monkeypatch: pytest.MonkeyPatch, online: None) -> None:
    server = HTTPServer(("127.0.0.1", 0), _NotFound)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        _hub_at(monkeypatch, f"http://127.0.0.1:{server.server_address[1]}")
        assert hub.hub_answers("some-org/some-model", timeout=5)
        _hub_at(monkeypatch, f"http://127.0.0.1:{_closed_port()}")
        assert not hub.hub_answers("some-org/some-model", timeout=5)
    finally:
        server.shutdown()
        server.server_close()
