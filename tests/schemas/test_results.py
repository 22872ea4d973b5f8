from decimal import Decimal

from pydantic import BaseModel

from ocula.schemas import (
    Attempt,
    BBox,
    Detection,
    Detections,
    Extraction,
    FieldResult,
    FieldSource,
    Line,
    OCRPage,
    Word,
)


class Small(BaseModel):
    name: str
    total: Decimal


def test_extraction_round_trips_through_json():
    ex = Extraction[Small](
        value=Small(name="ACME", total=Decimal("12.50")),
        fields={
            "name": FieldResult(
                path="name",
                value="ACME",
                page=0,
                box=BBox(x0=1, y0=2, x1=3, y1=4),
                source=FieldSource(kind="ocr_lines", line_ids=[3], text="ACME"),
                confidence=0.9,
            )
        },
        attempts=[Attempt(index=0, raw='{"name":"ACME"}', errors=["total: missing"]), Attempt(index=1, raw="{}")],
        page_sizes=[(100, 200)],
    )
    back = Extraction[Small].model_validate_json(ex.model_dump_json())
    assert back == ex
    assert back.value.total == Decimal("12.50")
    assert not back.attempts[0].ok and back.attempts[1].ok
    assert back.ok


def test_ocr_and_detection_round_trip():
    page = OCRPage(
        page=1,
        width=100,
        height=50,
        lines=[
            Line(
                text="hello world",
                box=BBox(x0=0, y0=0, x1=50, y1=10, page=1),
                words=[Word(text="hello", box=BBox(x0=0, y0=0, x1=20, y1=10, page=1))],
                polygon=[(0, 0), (50, 0), (50, 10), (0, 10)],
            ),
            Line(text="second", box=BBox(x0=0, y0=20, x1=30, y1=30, page=1)),
        ],
    )
    assert OCRPage.model_validate_json(page.model_dump_json()) == page
    assert page.text == "hello world\nsecond"
    dets = Detections(
        items=[Detection(label="cat", box=BBox(x0=1, y0=1, x1=5, y1=5), confidence=0.5)], width=10, height=10
    )
    assert Detections.model_validate_json(dets.model_dump_json()) == dets
    assert len(dets) == 1 and next(iter(dets)).label == "cat"
