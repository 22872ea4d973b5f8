"""`ocula extract`: usage errors, a corrupt input, and one real run on the bundled receipt and model."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import cv2
import pytest
from click.testing import Result
from typer.testing import CliRunner

import ocula.cli.extract  # (registers the command)
from ocula.cli import app
from ocula.schemas.ready import SroieReceipt

RECEIPT = Path(__file__).resolve().parents[3] / "samples" / "receipt.jpg"


def run(*args: str) -> Result:
    return CliRunner().invoke(app, ["extract", *args])


def test_unknown_schema_is_a_usage_error(tmp_path: Path) -> None:
    result = run(str(RECEIPT), "--schema", "no-such-schema", "--out", str(tmp_path / "o.jsonl"))
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: --schema no-such-schema")
    assert not (tmp_path / "o.jsonl").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--engine", "gpt"], "engine 'gpt'"),
        (["--format", "xlsx", "--out", "o.jsonl"], "format 'xlsx'"),
        (["--format", "csv"], "give --out"),
        (["--decoding", "beam"], "decoding 'beam'"),
        (["--ocr", "easyocr"], "OCR engine 'easyocr'"),
    ],
)
def test_bad_options_are_usage_errors(args: list[str], message: str) -> None:
    result = run(str(RECEIPT), *args)
    assert result.exit_code == 2 and message in result.stderr and result.stderr.count("\n") == 1


def test_real_run_on_the_bundled_receipt_with_a_corrupt_input(tmp_path: Path) -> None:
    """The default pipeline end to end (SmolLM2 on llama.cpp + RapidOCR), the SROIE schema to keep it short."""
    receipt = tmp_path / "receipt.jpg"
    shutil.copy(RECEIPT, receipt)
    corrupt = tmp_path / "cut.jpg"
    corrupt.write_bytes(RECEIPT.read_bytes()[:2000])
    out, overlays = tmp_path / "out.jsonl", tmp_path / "overlays"
    args = [str(receipt), str(corrupt), "--schema", "sroie", "--out", str(out), "--overlay", str(overlays)]
    args += ["--max-attempts", "2"]
    result = run(*args, "--quiet")
    assert result.exit_code == 1, result.stderr
    errors = result.stderr.splitlines()
    assert len(errors) == 1 and errors[0].startswith(f"error: {corrupt}: truncated or corrupt image")
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["source"] for r in records] == [str(receipt), str(corrupt)]
    good, bad = records
    assert bad["status"] == "error" and bad["value"] is None
    assert good["status"] == "ok" and good["error"] is None and good["model"] == "smollm2-135m"
    SroieReceipt.model_validate(good["value"])
    width, height = good["page_sizes"][0]
    boxed = [f for f in good["fields"].values() if f["box"] is not None]
    assert boxed, "no field was grounded to a box"
    for field in boxed:
        x0, y0, x1, y1 = field["box"]
        assert 0 <= x0 <= x1 <= width and 0 <= y0 <= y1 <= height and field["page"] == 0
    assert good["attempts"] and all(set(a) == {"index", "errors", "seconds"} for a in good["attempts"])
    image = cv2.imread(str(overlays / "receipt-p1.png"))
    assert image is not None and image.shape[:2] == (height, width)
    assert not (overlays / "cut-p1.png").exists()
    # the same command again: the good receipt is skipped, the corrupt one kept as failed (exit 1)
    again = run(*args)
    assert again.exit_code == 1 and "done 0, failed 0, skipped 2" in again.stderr
    assert [json.loads(line) for line in out.read_text().splitlines()] == records


def _captured_extractor(monkeypatch: pytest.MonkeyPatch, *args: str) -> object:
    """The PipelineExtract `ocula extract ARGS` hands to the batch runner (the batch itself is not run)."""
    seen: dict[str, object] = {}

    def fake_run_batch(inputs, schema, out, *, extract_fn, **kwargs):
        seen["extract_fn"] = extract_fn
        seen["schema_name"] = kwargs.get("schema_name")
        raise OSError("stopped by the test")

    monkeypatch.setattr(ocula.cli.extract, "run_batch", fake_run_batch)
    result = run(str(RECEIPT), *args)
    assert result.exit_code == 1 and "stopped by the test" in result.stderr
    seen["extract_fn"].schema_name = seen["schema_name"]  # type: ignore[attr-defined]  # what the records will name
    return seen["extract_fn"]


def test_records_are_told_the_schema_as_given(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _captured_extractor(monkeypatch).schema_name == "receipt"
    assert _captured_extractor(monkeypatch, "--schema", "sroie").schema_name == "sroie"


def test_decoding_and_ocr_options_reach_the_pipeline(monkeypatch: pytest.MonkeyPatch) -> None:
    default = _captured_extractor(monkeypatch)
    assert default.decoding == "ranked" and "decoding" not in default.identity()  # keys of earlier runs unchanged
    chosen = _captured_extractor(monkeypatch, "--decoding", "json", "--ocr", "rapidocr+tesseract")
    assert chosen.decoding == "json" and chosen.ocr == "rapidocr+tesseract"
    assert chosen.identity()["decoding"] == "json"  # a different setting is a different result


def test_an_adapter_brings_the_decoding_it_was_trained_for(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    adapter = tmp_path / "adapter"
    adapter.mkdir()
    meta = {"base_model": "smollm2-135m", "extract_options": {"decoding": "json"}}
    (adapter / "ocula-adapter.json").write_text(json.dumps(meta))
    for name in ("adapter_config.json", "adapter_model.safetensors"):
        (adapter / name).write_text("{}")
    assert _captured_extractor(monkeypatch, "--adapter", str(adapter)).decoding == "json"
    overridden = _captured_extractor(monkeypatch, "--adapter", str(adapter), "--decoding", "ranked")
    assert overridden.decoding == "ranked"
