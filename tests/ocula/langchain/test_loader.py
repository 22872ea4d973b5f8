"""`OculaLoader`: lazy page-by-page documents with OCR text and boxes, or extracted fields as JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from langchain_core.documents import Document
from PIL import Image

from ocula.langchain import OculaLoader
from ocula.langchain.chunks import keep_chunk_lines
from ocula.schemas.ready import SroieReceipt
from tests.fixtures.fakes import FixedAnswer

SAMPLES = Path(__file__).resolve().parents[3] / "samples"


@pytest.fixture(scope="module")
def two_page_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The receipt's top strip twice, as a two-page PDF (small pages: OCR is quick)."""
    path = tmp_path_factory.mktemp("loader") / "two.pdf"
    with Image.open(SAMPLES / "receipt.jpg") as image:
        strip = image.convert("RGB").crop((0, 0, image.width, 80))
    strip.save(path, save_all=True, append_images=[strip], resolution=150)
    return path


def test_ocr_mode_yields_one_document_per_page_with_boxes(two_page_pdf: Path) -> None:
    docs = list(OculaLoader(two_page_pdf).lazy_load())
    assert [d.metadata["page"] for d in docs] == [0, 1]
    first = docs[0]
    assert isinstance(first, Document)
    assert "KEDAI" in first.page_content
    assert first.metadata["source"] == str(two_page_pdf)
    assert first.metadata["page_width"] > 0 and first.metadata["page_height"] > 0
    line = first.metadata["lines"][0]
    x0, y0, x1, y1 = line["box"]
    assert 0 <= x0 < x1 <= first.metadata["page_width"] and 0 <= y0 < y1 <= first.metadata["page_height"]
    assert line["text"] in first.page_content


def test_ocr_mode_loads_pages_at_the_side_the_engine_reads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import numpy as np

    import ocula.adapters.ocr as ocr_registry
    from ocula.schemas import BBox, Line, OCRPage
    from tests.fixtures.fakes import FixedOCR

    seen: list[tuple[int, ...]] = []

    class Sided(FixedOCR):
        max_side = 500

        def read(self, image: np.ndarray, page: int = 0) -> OCRPage:
            seen.append(image.shape[:2])
            return super().read(image, page)

    engine = Sided([Line(text="TOTAL 45.60", box=BBox(x0=50, y0=50, x1=200, y1=80))], name="sided")
    monkeypatch.setitem(ocr_registry._REGISTRY, "sided", lambda **_: engine)
    monkeypatch.setitem(ocr_registry._AVAILABLE, "sided", lambda: True)
    monkeypatch.setattr(ocr_registry, "_CACHE", {})
    path = tmp_path / "page.png"
    with Image.open(SAMPLES / "receipt.jpg") as image:
        image.convert("RGB").resize((1000, 2000)).save(path)
    (page,) = OculaLoader(path, ocr="sided").load()
    assert max(seen[-1]) == 500  # read at the engine's side, not at 1000 x 2000
    assert (page.metadata["page_width"], page.metadata["page_height"]) == (1000, 2000)
    assert page.metadata["lines"][0]["box"] == pytest.approx([200, 200, 800, 320])  # in the page's own pixels


@pytest.fixture(scope="module")
def receipt_page() -> Document:
    (page,) = OculaLoader(SAMPLES / "receipt.jpg").load()
    return page


def test_line_offsets_point_into_the_page_text(receipt_page: Document) -> None:
    text = receipt_page.page_content
    assert all(text[ln["start"] : ln["end"]] == ln["text"] for ln in receipt_page.metadata["lines"])


def test_split_chunks_keep_only_their_own_lines_and_boxes(receipt_page: Document) -> None:
    splitters = pytest.importorskip("langchain_text_splitters")
    splitter = splitters.RecursiveCharacterTextSplitter(chunk_size=120, chunk_overlap=20)
    loader = OculaLoader(SAMPLES / "receipt.jpg")
    chunks = loader.load_and_split(splitter)
    page_lines = receipt_page.metadata["lines"]
    assert len(chunks) > 3
    for chunk in chunks:
        lines = chunk.metadata["lines"]
        assert 0 < len(lines) < len(page_lines)
        start = chunk.metadata["start_index"]
        assert receipt_page.page_content[start : start + len(chunk.page_content)] == chunk.page_content
        for line in lines:  # every kept line overlaps the chunk's text
            assert line["start"] < start + len(chunk.page_content) and line["end"] > start
        x0, y0, x1, y1 = chunk.metadata["box"]
        assert all(
            x0 <= ln["box"][0] and ln["box"][2] <= x1 and y0 <= ln["box"][1] and ln["box"][3] <= y1 for ln in lines
        )
    total = next(c for c in chunks if "50.55" in c.page_content)
    assert "50.55" in [ln["text"] for ln in total.metadata["lines"]]
    # the same for a splitter applied by hand, with or without start_index
    for add_start in (False, True):
        by_hand = splitters.RecursiveCharacterTextSplitter(chunk_size=120, chunk_overlap=20, add_start_index=add_start)
        trimmed = keep_chunk_lines(by_hand.split_documents([receipt_page]))
        assert [c.metadata["lines"] for c in trimmed] == [c.metadata["lines"] for c in chunks]


def test_lazy_load_renders_pages_on_demand(two_page_pdf: Path) -> None:
    pages = OculaLoader([two_page_pdf, SAMPLES / "receipt.jpg"], pages=[0]).lazy_load()
    first = next(pages)
    assert first.metadata["page"] == 0 and first.metadata["source"] == str(two_page_pdf)


def test_extract_mode_gives_fields_as_json_with_metadata(two_page_pdf: Path) -> None:
    model = FixedAnswer('{"company":"KEDAI RUNCIT MAJU JAYA","date":null,"address":null,"total":null}')
    loader = OculaLoader(two_page_pdf, mode="extract", schema=SroieReceipt, model=model)
    docs = loader.load()
    assert model.calls == 2 and [d.metadata["page"] for d in docs] == [0, 1]
    assert json.loads(docs[0].page_content)["company"] == "KEDAI RUNCIT MAJU JAYA"
    meta = docs[0].metadata
    assert meta["schema"] == "SroieReceipt" and meta["valid"] is True and meta["errors"] == []
    assert meta["source"] == str(two_page_pdf)
    assert "company" in meta["fields"]


def test_extract_mode_whole_document_and_failures(two_page_pdf: Path) -> None:
    model = FixedAnswer("{}")
    (doc,) = OculaLoader(
        two_page_pdf, mode="extract", schema=SroieReceipt, model=model, per_page=False, max_attempts=1
    ).load()
    assert doc.metadata["pages"] == [0, 1]
    assert doc.metadata["valid"] is False and doc.metadata["errors"]
    assert doc.page_content == "null"


@pytest.mark.slow
def test_extract_mode_with_the_bundled_model_grounds_fields() -> None:
    (doc,) = OculaLoader(SAMPLES / "receipt.jpg", mode="extract", schema=SroieReceipt).load()
    assert SroieReceipt.model_validate_json(doc.page_content)
    boxes = [f["box"] for f in doc.metadata["fields"].values() if f["box"] is not None]
    assert boxes and doc.metadata["confidence"] is not None


def test_bad_configuration_is_refused() -> None:
    with pytest.raises(ValueError, match="schema"):
        OculaLoader("x.png", mode="extract")
    with pytest.raises(ValueError, match="mode"):
        OculaLoader("x.png", mode="read")  # type: ignore[arg-type]
