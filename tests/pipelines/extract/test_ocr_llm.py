"""The extraction pipeline end to end on the bundled model and the bundled sample receipt."""

import json

import pytest
from pydantic import BaseModel, ConfigDict, Field, field_validator

import ocula
from ocula.pipelines.grounding.lines import doc_lines
from ocula.schemas import ValidationFailed
from ocula.schemas.ready import SroieReceipt


@pytest.fixture(scope="module")
def receipt_pages(samples_dir):
    return ocula.ocr(samples_dir / "receipt.jpg")


def test_default_extraction_is_valid_and_grounded(samples_dir, receipt_pages, bundled_llm):
    result = ocula.extract(samples_dir / "receipt.jpg", schema=SroieReceipt, model=bundled_llm)
    assert isinstance(result.value, SroieReceipt)
    assert result.attempts and result.attempts[-1].ok
    width, height = result.page_sizes[0]
    lines = {ln.id: ln for ln in doc_lines(receipt_pages)}
    for path, field in result.fields.items():
        if field.value is None:
            continue
        # every value has a box inside the page, from the OCR lines that spell it
        assert field.box is not None and field.page == 0, path
        assert 0 <= field.box.x0 <= field.box.x1 <= width and 0 <= field.box.y0 <= field.box.y1 <= height
        assert field.source.kind == "ocr_lines"
        spelled = " ".join(lines[i].text for i in field.source.line_ids)
        if isinstance(field.value, str):
            assert field.value in spelled
        assert 0 < field.confidence <= 1
    # the JSON round-trip of the whole result keeps the typed value
    back = type(result).model_validate_json(result.model_dump_json())
    assert back.value == result.value


class StrictTotal(BaseModel):
    model_config = ConfigDict(extra="forbid")
    company: str = Field(max_length=80)
    total: float | None = Field(default=None, ge=0, le=100000)

    @field_validator("company")
    @classmethod
    def never_valid(cls, value: str) -> str:
        raise ValueError("company must be the legal name (deliberately failing validator)")


def test_failing_validator_is_reasked_and_bounded(samples_dir, bundled_llm):
    seen = []
    with pytest.raises(ValidationFailed) as err:
        ocula.extract(
            samples_dir / "receipt.jpg",
            schema=StrictTotal,
            model=bundled_llm,
            max_attempts=3,
            hooks=[seen.append],
        )
    attempts = err.value.attempts
    assert len(attempts) == 3 == len(seen)
    assert all("deliberately failing" in " ".join(a.errors) for a in attempts)
    assert [a.index for a in attempts] == [0, 1, 2]


def test_partial_result_marks_failing_fields(samples_dir, bundled_llm):
    result = ocula.extract(
        samples_dir / "receipt.jpg", schema=StrictTotal, model=bundled_llm, max_attempts=1, on_error="partial"
    )
    assert result.value is None and result.errors
    assert result.fields["company"].valid is False
    assert "deliberately failing" in result.fields["company"].error


def test_grounded_values_cannot_be_invented(receipt_pages, bundled_llm):
    """Whatever the model prefers, a grounded string is text of the page."""
    from ocula.pipelines.extract.ocr_llm import ExtractOptions, OcrLlmExtractor

    class Anything(BaseModel):
        model_config = ConfigDict(extra="forbid")
        city: str = Field(max_length=60, description="The capital of France")

    result = OcrLlmExtractor(bundled_llm, None, ExtractOptions()).run_on_pages(receipt_pages, Anything)
    page_text = "\n".join(ln.text for p in receipt_pages for ln in p.lines)
    assert result.value.city in page_text


def test_schema_by_name_and_file(tmp_path, samples_dir, bundled_llm):
    from ocula.schema_loader import resolve_schema
    from ocula.schemas.errors import SchemaError

    assert resolve_schema("sroie") is SroieReceipt
    schema_file = tmp_path / "my_schema.py"
    schema_file.write_text("from pydantic import BaseModel\nclass Shop(BaseModel):\n    company: str\n")
    shop = resolve_schema(f"{schema_file}:Shop")
    assert shop.__name__ == "Shop"
    with pytest.raises(SchemaError):
        resolve_schema("no-such-schema")
    with pytest.raises(SchemaError):
        resolve_schema(f"{schema_file}:Missing")
    result = ocula.extract(samples_dir / "receipt.jpg", schema=shop, model=bundled_llm)
    assert json.loads(result.model_dump_json())["value"]["company"]


def test_per_page_on_a_two_page_pdf(samples_dir, bundled_llm):
    class Name(BaseModel):
        model_config = ConfigDict(extra="forbid")
        name: str | None = Field(default=None, max_length=80, description="The applicant's full name")

    results = ocula.extract(samples_dir / "form.pdf", schema=Name, model=bundled_llm, per_page=True)
    assert len(results) == 2
    assert [r.pages for r in results] == [1, 1]
    whole = ocula.extract(samples_dir / "form.pdf", schema=Name, model=bundled_llm)
    assert whole.pages == 2 and len(whole.page_sizes) == 2
