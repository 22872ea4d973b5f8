"""The samples in samples/: each file exists, is small, matches its truth, and every field box holds ink."""

from __future__ import annotations

import json
import runpy
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pdf2image import convert_from_path
from PIL import Image

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
EXPECTED = {
    "receipt": ("receipt", {"company", "date", "address", "total"}),
    "invoice": ("invoice", {"invoice_number", "date", "seller", "buyer", "subtotal", "tax", "total"}),
    "form": ("form", {"name", "date_of_birth", "address", "signature_date"}),
    "business_card": ("business_card", {"name", "title", "company", "phone", "email", "website"}),
    "id_card": ("id_document", {"name", "document_number", "date_of_birth", "date_of_expiry", "nationality"}),
}


def load_truth(name: str) -> dict[str, Any]:
    return json.loads((SAMPLES / f"{name}.truth.json").read_text(encoding="utf-8"))


def load_pages(path: Path) -> list[np.ndarray]:
    if path.suffix == ".pdf":
        return [np.asarray(p.convert("RGB")) for p in convert_from_path(str(path), dpi=150)]
    with Image.open(path) as im:
        return [np.asarray(im.convert("RGB"))]


def has_ink(page: np.ndarray, box: list[int]) -> bool:
    """Whether the box holds pixels clearly unlike the page's background (its median grey level)."""
    grey = page.mean(axis=2)
    background = float(np.median(grey))
    x0, y0, x1, y1 = box
    region = grey[y0:y1, x0:x1]
    return region.size > 0 and float((np.abs(region - background) > 60).mean()) > 0.02


@pytest.fixture(scope="module", params=sorted(EXPECTED))
def sample(request: pytest.FixtureRequest) -> tuple[str, dict[str, Any], list[np.ndarray]]:
    truth = load_truth(request.param)
    return request.param, truth, load_pages(SAMPLES / truth["file"])


def test_file_exists_and_is_small(sample: tuple[str, dict[str, Any], list[np.ndarray]]) -> None:
    _, truth, _ = sample
    path = SAMPLES / truth["file"]
    assert path.is_file()
    assert path.stat().st_size < 300_000


def test_schema_and_fields(sample: tuple[str, dict[str, Any], list[np.ndarray]]) -> None:
    name, truth, _ = sample
    schema, fields = EXPECTED[name]
    assert truth["schema"] == schema
    assert fields <= set(truth["fields"])
    assert all(field["value"] not in (None, "") for field in truth["fields"].values())


def test_page_sizes_match_the_rendered_pages(sample: tuple[str, dict[str, Any], list[np.ndarray]]) -> None:
    _, truth, pages = sample
    assert [(p["width"], p["height"]) for p in truth["pages"]] == [(a.shape[1], a.shape[0]) for a in pages]


def test_boxes_are_inside_their_page(sample: tuple[str, dict[str, Any], list[np.ndarray]]) -> None:
    _, truth, _ = sample
    for item in [*truth["fields"].values(), *truth["lines"]]:
        page = truth["pages"][item["page"]]
        x0, y0, x1, y1 = item["box"]
        assert 0 <= x0 < x1 <= page["width"], item
        assert 0 <= y0 < y1 <= page["height"], item


def test_every_field_box_holds_ink(sample: tuple[str, dict[str, Any], list[np.ndarray]]) -> None:
    _, truth, pages = sample
    empty = [k for k, f in truth["fields"].items() if not has_ink(pages[f["page"]], f["box"])]
    assert not empty


def test_field_text_is_a_recorded_line(sample: tuple[str, dict[str, Any], list[np.ndarray]]) -> None:
    _, truth, _ = sample
    text = " ".join(line["text"] for line in truth["lines"])
    for key, field in truth["fields"].items():
        if isinstance(field["value"], str) and key != "address":
            assert field["value"] in text, key


def test_blank_background_has_no_ink() -> None:
    """The ink check itself can fail: an empty margin of the invoice holds none."""
    truth = load_truth("invoice")
    page = load_pages(SAMPLES / truth["file"])[0]
    assert not has_ink(page, [700, 1200, 1100, 1400])


def test_two_page_pdf() -> None:
    truth = load_truth("form")
    assert len(truth["pages"]) == 2
    assert {f["page"] for f in truth["fields"].values()} == {0, 1}


def test_script_regenerates_the_same_files(tmp_path: Path) -> None:
    script = runpy.run_path(str(SAMPLES / "make_samples.py"), run_name="make_samples")
    written = script["make_samples"](tmp_path)
    assert {p.name for p in written} == {load_truth(n)["file"] for n in EXPECTED}
    for name in EXPECTED:
        assert (tmp_path / f"{name}.truth.json").read_text() == (SAMPLES / f"{name}.truth.json").read_text()
        file = load_truth(name)["file"]
        assert (tmp_path / file).read_bytes() == (SAMPLES / file).read_bytes(), file
