"""`ocula finetune` then `ocula extract --adapter`: on a tiny random base (fast) and on the bundled model (slow)."""

from __future__ import annotations

import json
import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import pytest
from click.testing import Result
from typer.testing import CliRunner

import ocula
import ocula.cli.extract  # registers the commands
import ocula.cli.finetune  # registers the commands
import ocula.pipelines.extract.engine as engine_module
from ocula.cli import app
from ocula.schemas.ready import SroieReceipt
from tests.fixtures.tiny_models import save_tiny_lm

RECEIPT = Path(__file__).resolve().parents[3] / "samples" / "receipt.jpg"
GOLD = {
    "company": "KEDAI RUNCIT MAJU JAYA SDN BHD",
    "date": "23/03/2018",
    "address": "NO 17, JALAN PERMAI 3, TAMAN SRI PERMAI, 81300 SKUDAI, JOHOR.",
    "total": "50.55",
}


def run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def labelled(folder: Path, records: list[dict]) -> Path:
    path = folder / "labelled.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


@pytest.fixture(scope="module")
def tiny_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_tiny_lm(tmp_path_factory.mktemp("tiny") / "lm")


@pytest.fixture(scope="module")
def tiny_adapter(tiny_base: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("ft")
    examples = labelled(folder, [{"source": str(RECEIPT), "value": GOLD}, {"source": "gone.jpg", "value": GOLD}])
    out = folder / "adapter"
    result = run(
        "finetune", "--examples", str(examples), "--out", str(out), "--schema", "sroie", "--model", str(tiny_base),
        "--epochs", "2", "--layers", "1", "--grad-accum", "1", "--rank", "2", "--decoding", "json", "-q",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "warning: skipped line 2 (gone.jpg): file not found" in result.stderr
    assert f"adapter written to {out}: 1 example(s), 2 step(s)" in result.stderr
    return out


def test_finetune_writes_a_complete_adapter(tiny_adapter: Path, tiny_base: Path) -> None:
    names = {p.name for p in tiny_adapter.iterdir()}
    assert {"adapter_config.json", "adapter_model.safetensors", "lora.gguf", "ocula-adapter.json", "ocr-cache"} <= names
    meta = json.loads((tiny_adapter / "ocula-adapter.json").read_text())
    assert meta["base_model"] == str(tiny_base.resolve()) and meta["schema"] == "SroieReceipt"
    assert meta["examples"] == 1 and len(meta["losses"]) == 2 and meta["gguf"] is True
    assert meta["settings"]["rank"] == 2 and meta["settings"]["layers"] == 1
    assert meta["extract_options"] == {"decoding": "json"}  # what `extract --adapter` decodes with
    assert len(list((tiny_adapter / "ocr-cache").glob("*-rapidocr-150.json"))) == 1


def test_extract_with_the_adapter_returns_a_valid_object(tiny_adapter: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen = []
    real = engine_module.OcrLlmExtractor
    monkeypatch.setattr(
        engine_module, "OcrLlmExtractor", lambda model, ocr, opts: seen.append(opts) or real(model, ocr, opts)
    )
    result = run("extract", str(RECEIPT), "--schema", "sroie", "--adapter", str(tiny_adapter), "-q")
    assert result.exit_code in (0, 1), result.stderr
    record = json.loads(result.stdout.strip().splitlines()[-1])
    assert record["model"] == f"lm+{tiny_adapter.name}"
    if record["status"] == "ok":
        SroieReceipt.model_validate(record["value"])
    extraction = ocula.extract(RECEIPT, "sroie", adapter=tiny_adapter, on_error="partial", max_attempts=1)
    assert extraction.model is not None and extraction.model.name == f"lm+{tiny_adapter.name}"
    assert extraction.value is None or isinstance(extraction.value, SroieReceipt)
    assert seen[0].decoding == "json"  # as the adapter was trained
    ocula.extract(RECEIPT, "sroie", adapter=tiny_adapter, on_error="partial", max_attempts=1, decoding="ranked")
    assert seen[1].decoding == "ranked"  # an explicit option wins


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--examples", "no-such.jsonl"], 2, "--examples no-such.jsonl: no such file"),
        (["--schema", "nope"], 2, "--schema nope"),
    ],
)
def test_finetune_usage_errors(tmp_path: Path, args: list[str], code: int, message: str) -> None:
    examples = labelled(tmp_path, [{"source": str(RECEIPT), "value": GOLD}])
    result = run("finetune", "--examples", str(examples), "--out", str(tmp_path / "a"), *args)
    assert result.exit_code == code and message in result.stderr
    assert not (tmp_path / "a").exists()


def test_no_usable_record_is_an_error(tmp_path: Path) -> None:
    examples = labelled(tmp_path, [{"source": str(RECEIPT), "value": {"company": None}}, {"source": str(RECEIPT)}])
    result = run("finetune", "--examples", str(examples), "--out", str(tmp_path / "a"), "--schema", "sroie", "-q")
    assert result.exit_code == 1
    assert "warning: skipped line 2" in result.stderr and "no value" in result.stderr
    assert result.stderr.strip().endswith("no usable labelled record (2 skipped)")


def test_an_unknown_decoding_is_a_usage_error(tmp_path: Path) -> None:
    examples = labelled(tmp_path, [{"source": str(RECEIPT), "value": GOLD}])
    result = run("finetune", "--examples", str(examples), "--out", str(tmp_path / "a"), "--decoding", "beam")
    assert result.exit_code == 2 and "--decoding 'beam'" in result.stderr
    assert not (tmp_path / "a").exists()


def test_extract_with_a_folder_that_is_no_adapter_is_a_usage_error(tmp_path: Path) -> None:
    result = run("extract", str(RECEIPT), "--adapter", str(tmp_path))
    assert result.exit_code == 2 and "not an adapter written by `ocula finetune`" in result.stderr


@pytest.mark.slow
def test_bundled_model_fine_tuned_runs_on_llama_cpp(tmp_path: Path) -> None:
    """One step on the bundled SmolLM2: the GGUF LoRA is written and `--adapter` runs it on llama.cpp, which
    renders and tokenizes prompts exactly as the training did."""
    from ocula.adapters.models.llamacpp import LlamaCppModel
    from ocula.adapters.models.lora.load import load_trainable
    from ocula.pipelines.finetune.calls import extraction_request
    from ocula.pipelines.ocr.pages import run_ocr

    examples = labelled(tmp_path, [{"source": str(RECEIPT), "value": GOLD}])
    out = tmp_path / "adapter"
    result = run(
        "finetune", "--examples", str(examples), "--out", str(out), "--schema", "sroie",
        "--epochs", "1", "--layers", "1", "--rank", "2", "-q",
        "--decoding", "json",  # ranked: rules decide the sample's every field, leaving nothing to learn
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert json.loads((out / "ocula-adapter.json").read_text())["gguf"] is True
    model = ocula.load_model(adapter=out)
    assert isinstance(model, LlamaCppModel) and model.name == f"smollm2-135m+{out.name}"
    extraction = ocula.extract(RECEIPT, "sroie", model, on_error="partial")
    assert isinstance(extraction.value, SroieReceipt)
    request = extraction_request(run_ocr(ocula.load_document(RECEIPT)), SroieReceipt)
    trainer = load_trainable("smollm2-135m")
    for prefix in ("", '{"total":'):  # the JSON pass, and a candidate-scoring prompt
        prompt = trainer.render(request.messages, assistant_prefix=prefix)
        assert prompt == model.render(request.messages, assistant_prefix=prefix)
        assert trainer.tokenizer(prompt, add_special_tokens=False)["input_ids"] == model.tokenize(prompt)


def test_the_schema_is_the_one_the_records_name_unless_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import ocula.pipelines.finetune.runner as runner
    from ocula.errors import OculaError

    seen: list[type] = []

    def fake_finetune(documents: list, schema: type, out: Path, **options: object) -> None:
        seen.append(schema)
        raise OculaError("stopped by the test")

    monkeypatch.setattr(runner, "finetune", fake_finetune)
    examples = labelled(tmp_path, [{"source": str(RECEIPT), "value": GOLD, "schema": "sroie"}])
    common = ["finetune", "--examples", str(examples), "--out", str(tmp_path / "a"), "--ocr-cache", str(tmp_path / "c")]
    assert run(*common, "-q").exit_code == 1
    given = run(*common, "--schema", "receipt", "-q")
    assert given.exit_code == 1 and "warning: 1 record(s) name another schema than receipt" in given.stderr
    assert [s.__name__ for s in seen] == ["SroieReceipt", "Receipt"]


def test_records_of_several_schemas_need_schema_given(tmp_path: Path) -> None:
    examples = labelled(
        tmp_path,
        [{"source": str(RECEIPT), "value": GOLD, "schema": "sroie"}, {"source": "b.jpg", "value": {}, "schema": "x"}],
    )
    result = run("finetune", "--examples", str(examples), "--out", str(tmp_path / "a"))
    assert result.exit_code == 2 and "records of several schemas: sroie (1), x (1); give --schema" in result.stderr
