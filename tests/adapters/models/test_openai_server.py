"""The OpenAI-compatible server adapter against a real server (llama-cpp-python's, started for the session):
valid grounded extraction, the server-side schema really held, and every failure as a typed error."""

from __future__ import annotations

import base64
import io
import json
import shutil
import socket
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

import ocula
import ocula.cli.extract  # registers the command
from ocula.adapters.models.base import Constraint, GenerationRequest, Message, Sampling
from ocula.adapters.models.openai_server import OpenAIServerModel, chat_messages, parse_spec
from ocula.cli import app
from ocula.errors import ModelError, ServerError, ServerTimeout, ServerUnreachable
from ocula.pipelines.grounding.lines import doc_lines
from ocula.schemas.ready import SroieReceipt

RECEIPT = Path(__file__).resolve().parents[3] / "samples" / "receipt.jpg"


def code_schema(code: str) -> str:
    """A schema the model would never follow by chance: one fixed odd code and a bounded integer."""
    return json.dumps(
        {
            "type": "object",
            "properties": {"code": {"enum": [code]}, "count": {"type": "integer", "minimum": 3, "maximum": 7}},
            "required": ["code", "count"],
            "additionalProperties": False,
        }
    )


def ask(text: str, constraint: Constraint | None = None, max_new_tokens: int = 40) -> GenerationRequest:
    return GenerationRequest([Message("user", text)], constraint, Sampling(max_new_tokens=max_new_tokens))


@pytest.fixture(scope="module")
def served(llama_server) -> OpenAIServerModel:
    return OpenAIServerModel(llama_server.base_url, llama_server.model_id, api_key=llama_server.api_key)


# without a server -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("spec", "url", "model_id"),
    [
        ("openai:http://127.0.0.1:8080/v1", "http://127.0.0.1:8080/v1", None),
        ("openai:http://127.0.0.1:8080", "http://127.0.0.1:8080/v1", None),
        ("openai:http://localhost:11434/v1/#llava:7b", "http://localhost:11434/v1", "llava:7b"),
        ("openai:https://example.invalid/api/v1#org/model-name", "https://example.invalid/api/v1", "org/model-name"),
    ],
)
def test_parse_spec(spec: str, url: str, model_id: str | None) -> None:
    assert parse_spec(spec) == (url, model_id)


@pytest.mark.parametrize("spec", ["openai:127.0.0.1:8080", "openai:ftp://host/v1", "http://127.0.0.1:8080/v1"])
def test_bad_spec_is_a_model_error(spec: str) -> None:
    with pytest.raises(ModelError, match=r"openai:|http"):
        parse_spec(spec)


def test_images_go_as_png_data_urls_and_text_stays_a_string() -> None:
    pixels = np.random.default_rng(0).integers(0, 255, (12, 20, 3), dtype=np.uint8)
    sent = chat_messages([Message("system", "rules"), Message("user", "read this", [Image.fromarray(pixels)])])
    assert sent[0] == {"role": "system", "content": "rules"}
    image_part, text_part = sent[1]["content"]
    assert text_part == {"type": "text", "text": "read this"}
    url = image_part["image_url"]["url"]
    assert image_part["type"] == "image_url" and url.startswith("data:image/png;base64,")
    decoded = Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1])))
    assert np.array_equal(np.asarray(decoded), pixels)


def test_requests_the_server_cannot_hold_fail_before_sending() -> None:
    model = OpenAIServerModel("http://127.0.0.1:9/v1", "m")  # never contacted
    assert model.capabilities.constraints == {"json_schema"} and not model.capabilities.images
    with pytest.raises(ModelError, match="regex constraint"):
        model.generate(ask("x", Constraint.regex("[0-9]+")))
    with pytest.raises(ModelError, match="images=True"):
        model.generate(GenerationRequest([Message("user", "x", [Image.new("RGB", (4, 4))])]))
    vllm = OpenAIServerModel("http://127.0.0.1:9/v1", "m", schema_format="vllm")
    assert vllm.capabilities.constraints == {"json_schema", "regex"}
    with pytest.raises(ModelError, match="schema_format"):
        OpenAIServerModel("http://127.0.0.1:9/v1", "m", schema_format="grammar")


def test_connection_refused_is_server_unreachable() -> None:
    with socket.socket() as closed:  # bound, never listening: connections are refused
        closed.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{closed.getsockname()[1]}/v1"
        with pytest.raises(ServerUnreachable) as at_load:
            ocula.load_model(f"openai:{url}", cache=False, max_retries=0)
        with pytest.raises(ServerUnreachable) as at_call:
            OpenAIServerModel(url, "m", max_retries=0).generate(ask("hello"))
    for err in (at_load.value, at_call.value):
        assert err.url == url and err.status is None and "cannot connect" in str(err)


# against the real server --------------------------------------------------------------------------------
def test_extraction_through_the_server_is_valid_and_grounded(llama_server) -> None:
    model = ocula.load_model(f"openai:{llama_server.base_url}#{llama_server.model_id}", api_key=llama_server.api_key)
    assert isinstance(model, OpenAIServerModel) and model.backend == "openai-server"
    result = ocula.extract(RECEIPT, schema=SroieReceipt, model=model)
    assert isinstance(result.value, SroieReceipt)
    assert result.attempts[-1].ok and result.model.backend == "openai-server"
    # llama-cpp-python's server refuses OpenAI's json_schema format; auto mode moved to json_object
    assert model.schema_format == "json_object"
    lines = {ln.id: ln for ln in doc_lines(ocula.ocr(RECEIPT))}
    grounded = [f for f in result.fields.values() if f.value is not None]
    assert grounded
    for field in grounded:  # the grounded schema went to the server: every value is text of the page
        assert field.box is not None and field.source.kind == "ocr_lines", field.path
        if isinstance(field.value, str):
            assert field.value in " ".join(lines[i].text for i in field.source.line_ids)


def test_the_server_holds_the_schema(served: OpenAIServerModel) -> None:
    gen = served.generate(ask("Say hello.", Constraint.json_schema(code_schema("ZQ417-XK"))))
    data = json.loads(gen.text)
    # enum, keys and types are held; llama-cpp-python's converter drops minimum/maximum (Ocula's validation
    # catches an out-of-range number and re-asks)
    assert data["code"] == "ZQ417-XK" and isinstance(data["count"], int) and set(data) == {"code", "count"}
    assert gen.finish_reason == "stop" and gen.prompt_tokens > 0


def test_a_batch_keeps_order_and_each_request_its_schema(served: OpenAIServerModel) -> None:
    codes = ["QX1-A", "QX2-B", "QX3-C"]
    gens = served.generate_batch([ask("Give a code.", Constraint.json_schema(code_schema(c))) for c in codes])
    assert [json.loads(g.text)["code"] for g in gens] == codes


def test_model_id_is_asked_from_the_server_and_the_key_read_from_the_environment(llama_server, monkeypatch) -> None:
    monkeypatch.setenv("OCULA_API_KEY", llama_server.api_key)
    model = OpenAIServerModel(llama_server.base_url)
    assert model.model_id == llama_server.model_id == model.name
    assert model.generate(ask("Say hi.", max_new_tokens=4)).text


def test_json_schema_format_refused_by_the_server_is_a_server_error(llama_server) -> None:
    model = OpenAIServerModel(
        llama_server.base_url, "smollm2", api_key=llama_server.api_key, schema_format="json_schema", max_retries=0
    )
    with pytest.raises(ServerError) as err:
        model.generate(ask("hi", Constraint.json_schema(code_schema("A"))))
    assert err.value.status is not None and err.value.status >= 400
    assert "json_object" in err.value.message  # the server's own words: which types it accepts


def test_a_wrong_api_key_is_http_401_with_the_servers_message(llama_server) -> None:
    model = OpenAIServerModel(llama_server.base_url, "smollm2", api_key="wrong", max_retries=0)
    with pytest.raises(ServerError) as err:
        ocula.extract(RECEIPT, schema=SroieReceipt, model=model)
    assert err.value.status == 401 and "Invalid API key" in err.value.message
    assert str(err.value).startswith(f"{llama_server.base_url}: HTTP 401: ")


def test_a_prompt_over_the_context_is_http_400_with_the_servers_message(served: OpenAIServerModel) -> None:
    with pytest.raises(ServerError) as err:
        served.generate(ask("receipt " * 6000))
    assert err.value.status == 400 and "context" in err.value.message


def test_a_tiny_timeout_is_server_timeout(llama_server) -> None:
    model = OpenAIServerModel(
        llama_server.base_url, "smollm2", api_key=llama_server.api_key, timeout=0.05, max_retries=0
    )
    with pytest.raises(ServerTimeout) as err:
        model.generate(ask("Write a long story about a receipt.", max_new_tokens=64))
    assert err.value.seconds == 0.05 and "no answer within 0.05 s" in str(err.value)


def test_vlm_engine_sends_the_page_image_to_the_server(llama_server, monkeypatch) -> None:
    """engine="vlm" with a served model sends image parts; this text-only server fails on them, and that
    failure comes back typed, with the server's message."""
    monkeypatch.setenv("OCULA_API_KEY", llama_server.api_key)
    spec = f"openai:{llama_server.base_url}#{llama_server.model_id}"
    with pytest.raises(ServerError) as err:
        ocula.extract(RECEIPT, schema=SroieReceipt, model=spec, engine="vlm", grounded=False)
    assert err.value.status == 500 and "list" in err.value.message


def test_batch_cli_workers_share_one_server(llama_server, monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("OCULA_API_KEY", llama_server.api_key)
    inputs = [tmp_path / "a.jpg", tmp_path / "b.jpg"]
    for path in inputs:
        shutil.copy(RECEIPT, path)
    out = tmp_path / "out.jsonl"
    spec = f"openai:{llama_server.base_url}#{llama_server.model_id}"
    args = ["extract", *map(str, inputs), "--schema", "sroie", "--model", spec, "--workers", "2", "--out", str(out)]
    result = CliRunner().invoke(app, [*args, "--quiet"])
    assert result.exit_code == 0, result.stderr
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(records) == 2 and all(r["status"] == "ok" and r["model"] == llama_server.model_id for r in records)
    for record in records:
        SroieReceipt.model_validate(record["value"])
