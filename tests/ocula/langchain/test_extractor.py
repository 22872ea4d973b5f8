"""`OculaExtractor`: inputs it accepts, LCEL composition, batch/async; the bundled model in `slow` tests."""

from __future__ import annotations

import asyncio
import base64
import io
import os
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from langchain_core.messages import HumanMessage
from langchain_core.prompts import ChatPromptTemplate
from PIL import Image

from ocula.langchain import OculaExtractor
from ocula.langchain.sources import to_source
from ocula.schemas import Extraction
from ocula.schemas.errors import InputError
from ocula.schemas.ready import Receipt, SroieReceipt
from tests.fixtures.fakes import FixedAnswer

RECEIPT = Path(__file__).resolve().parents[3] / "samples" / "receipt.jpg"
RECEIPT_B64 = base64.b64encode(RECEIPT.read_bytes()).decode()
ANSWER = '{"company":"KEDAI","date":null,"address":null,"total":12.5}'


@pytest.fixture(scope="module")
def header(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The receipt's top strip: real OCR on it takes a fraction of a second."""
    path = tmp_path_factory.mktemp("receipt") / "header.png"
    with Image.open(RECEIPT) as image:
        image.crop((0, 0, image.width, 80)).save(path)
    return path


def extractor(**kwargs: object) -> OculaExtractor:
    return OculaExtractor(schema=SroieReceipt, model=FixedAnswer(ANSWER), grounded=False, **kwargs)


# inputs ---------------------------------------------------------------------------------------------------
def test_to_source_accepts_paths_bytes_images_and_dicts() -> None:
    data = RECEIPT.read_bytes()
    image = Image.new("RGB", (4, 4))
    assert to_source(str(RECEIPT)) == str(RECEIPT)
    assert to_source(RECEIPT) == RECEIPT
    assert to_source(data) == data
    assert to_source(bytearray(data)) == data
    assert to_source(image) is image
    assert isinstance(to_source(np.zeros((4, 4, 3), np.uint8)), np.ndarray)
    assert to_source({"source": str(RECEIPT)}) == str(RECEIPT)
    assert to_source("data:image/jpeg;base64," + RECEIPT_B64) == data


def test_to_source_reads_messages_blocks_and_prompt_values() -> None:
    data = RECEIPT.read_bytes()
    block = {"type": "image_url", "image_url": {"url": "data:image/jpeg;base64," + RECEIPT_B64}}
    assert to_source([{"type": "text", "text": "receipt"}, block]) == data
    assert to_source(HumanMessage([block])) == data
    prompt = ChatPromptTemplate.from_messages([("system", "Read it."), ("human", [block])])
    assert to_source(prompt.invoke({})) == data


@pytest.mark.parametrize(
    "bad", [{"path": "x"}, HumanMessage("no image"), 3.5], ids=["dict-without-source", "no-image", "float"]
)
def test_to_source_refuses_inputs_without_a_document(bad: object) -> None:
    with pytest.raises(InputError):
        to_source(bad)


# the runnable -----------------------------------------------------------------------------------------------
def test_invoke_returns_the_extraction_or_its_value(header: Path) -> None:
    result = extractor().invoke(str(header))
    assert isinstance(result, Extraction)
    assert result.value == SroieReceipt(company="KEDAI", total=Decimal("12.5"))
    value = extractor(return_value=True).invoke(header.read_bytes())
    assert value == result.value


def test_extract_options_are_passed_to_ocula_extract(header: Path) -> None:
    runnable = extractor(max_attempts=1, instructions="Be exact.")
    assert runnable.options == {"grounded": False, "max_attempts": 1, "instructions": "Be exact."}
    bad = OculaExtractor(
        schema=SroieReceipt, model=FixedAnswer("{}"), grounded=False, max_attempts=2, on_error="partial"
    )
    result = bad.invoke(str(header))
    assert result.value is None and len(result.attempts) == 2 and result.errors


def test_composes_in_lcel_and_batches(header: Path) -> None:
    chain = extractor() | (lambda extraction: extraction.value.total)
    assert chain.invoke({"source": str(header)}) == Decimal("12.5")
    image = Image.open(io.BytesIO(header.read_bytes()))
    assert chain.batch([str(header), image]) == [Decimal("12.5"), Decimal("12.5")]
    assert [r.company for r in extractor(return_value=True).stream(str(header))] == ["KEDAI"]


def test_async_variants(header: Path) -> None:
    runnable = extractor(return_value=True)

    async def run() -> list[object]:
        one = await runnable.ainvoke(str(header))
        many = await runnable.abatch([str(header)])
        return [one, *many]

    assert [v.company for v in asyncio.run(run())] == ["KEDAI", "KEDAI"]  # type: ignore[attr-defined]


# the bundled model --------------------------------------------------------------------------------------
@pytest.mark.slow
def test_lcel_chain_on_the_sample_receipt_with_the_default_model() -> None:
    """Real OCR and the bundled model; the four SROIE fields keep the decode to seconds."""
    chain = OculaExtractor(schema=SroieReceipt) | (lambda r: (r, r.value.total))
    extraction, total = chain.invoke(str(RECEIPT))
    assert isinstance(extraction.value, SroieReceipt)
    assert total == extraction.value.total
    assert extraction.value.company and extraction.fields["company"].box is not None


@pytest.mark.slow
@pytest.mark.skipif(
    not os.environ.get("OCULA_LONG_TESTS"),
    reason="the full Receipt schema (up to 40 items) takes minutes on 2 cores; set OCULA_LONG_TESTS=1",
)
def test_lcel_chain_with_the_full_receipt_schema() -> None:
    chain = OculaExtractor(schema=Receipt) | (lambda r: r.value.total)
    total = chain.invoke(str(RECEIPT))
    assert total is None or isinstance(total, Decimal)
