"""`ocula detect`: JSON Lines and COCO out, overlays, one error line per failure, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from typer.testing import CliRunner

import ocula.model_cache
from ocula.cli import app
from ocula.cli import detect as _detect_command  # noqa: F401  (registers the command)
from ocula.schemas import Detections
from ocula.schemas.results import detections_from_coco
from tests.fixtures.fakes import FixedAnswer, ScriptedVLM

ANSWER = json.dumps(
    {"objects": [{"label": "car", "box": [250, 125, 750, 625]}, {"label": "person", "box": [0, 0, 100, 100]}]}
)


@pytest.fixture
def scripted(monkeypatch: pytest.MonkeyPatch) -> ScriptedVLM:
    model = ScriptedVLM(ANSWER)
    monkeypatch.setattr(ocula.model_cache, "load_model", lambda name: model)
    return model


@pytest.fixture
def inputs(tmp_path: Path) -> tuple[Path, Path]:
    good = tmp_path / "street.png"
    cv2.imwrite(str(good), np.full((400, 800, 3), 200, np.uint8))
    bad = tmp_path / "broken.jpg"
    bad.write_text("not an image")
    return good, bad


def run(*args: str) -> object:
    return CliRunner().invoke(app, ["detect", *args])


def test_jsonl_with_overlays_and_one_error_line_for_a_bad_input(scripted, inputs, tmp_path: Path) -> None:
    good, bad = inputs
    out, overlays = tmp_path / "out" / "detections.jsonl", tmp_path / "overlays"
    result = run(
        str(good), str(bad), "--labels", "person,car", "--model", "m", "--out", str(out), "--overlay", str(overlays)
    )
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and str(bad) in errors[0]
    pages = [Detections.model_validate_json(line) for line in out.read_text().splitlines()]
    assert len(pages) == 1 and pages[0].source == str(good) and (pages[0].width, pages[0].height) == (800, 400)
    assert [(d.label, d.box.as_tuple()) for d in pages[0]] == [("car", (200, 50, 600, 250)), ("person", (0, 0, 80, 40))]
    drawn = cv2.imread(str(overlays / "street-p1.png"))
    assert drawn.shape == (400, 800, 3) and (drawn != 200).any()  # boxes were drawn on the page
    enum = json.loads(scripted.requests[0].constraint.spec)["properties"]["objects"]["items"]["properties"]["label"]
    assert enum == {"enum": ["person", "car"]}


def test_coco_output_reads_back(scripted, inputs, tmp_path: Path) -> None:
    good, _ = inputs
    out = tmp_path / "detections.json"
    result = run(str(good), "--labels", "person,car", "--model", "m", "--format", "coco", "--out", str(out), "-q")
    assert result.exit_code == 0, result.output
    coco = json.loads(out.read_text())
    assert [c["name"] for c in coco["categories"]] == ["person", "car"]
    back = detections_from_coco(coco)
    assert [(d.label, d.box.as_tuple()) for d in back[0]] == [("car", (200, 50, 600, 250)), ("person", (0, 0, 80, 40))]


def test_progress_goes_to_stderr_and_can_be_silenced(scripted, inputs, tmp_path: Path) -> None:
    good, _ = inputs
    loud = run(str(good), "--model", "m", "--out", str(tmp_path / "a.jsonl"))
    assert loud.exit_code == 0 and "detect [1/1]" in loud.output and "2 objects" in loud.output
    quiet = run(str(good), "--model", "m", "--out", str(tmp_path / "b.jsonl"), "-q")
    assert quiet.exit_code == 0 and quiet.output == ""


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--labels", ",", "--model", "m"], 2, "error: --labels: labels must not be empty strings"),
        (["--model", "m", "--rotate", "45"], 2, "error: --rotate 45: use 0, 90, 180 or 270"),
    ],
)
def test_usage_errors_are_one_line(scripted, inputs, args, code, message) -> None:
    result = run(str(inputs[0]), *args)
    assert result.exit_code == code
    assert result.output.strip().splitlines() == [message]


def test_a_text_only_model_is_one_error_line(monkeypatch: pytest.MonkeyPatch, inputs) -> None:
    monkeypatch.setattr(ocula.model_cache, "load_model", lambda name: FixedAnswer("{}"))
    result = run(str(inputs[0]), "--model", "smollm2-135m")
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: detect needs a vision-language model")


def test_tiny_model_end_to_end(tmp_path: Path, inputs) -> None:
    """A real tiny random model loaded by path: valid JSON Lines and COCO, labels from the list."""
    from tests.fixtures.tiny_models import save_tiny_vlm

    folder = save_tiny_vlm("qwen2_5_vl", tmp_path / "model")
    out = tmp_path / "d.jsonl"
    args = ["--labels", "person,car", "--model", str(folder), "--max-objects", "2", "-q"]
    result = run(str(inputs[0]), *args, "--out", str(out), "--overlay", str(tmp_path / "ov"))
    assert result.exit_code == 0, result.output
    page = Detections.model_validate_json(out.read_text())
    assert page.model == str(folder) and all(d.label in ("person", "car") for d in page)
    assert (tmp_path / "ov" / "street-p1.png").is_file()
