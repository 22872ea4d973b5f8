"""Where an extraction's time goes: the split of its timings and the model's work in tokens, on the bundled
model; the page is prefilled once per document, the fixed instructions once across documents."""

import pytest

import ocula
from ocula.pipelines.extract.ocr_llm import ExtractOptions, OcrLlmExtractor
from ocula.pipelines.extract.prompt import extraction_messages
from ocula.pipelines.grounding.lines import doc_lines
from ocula.schemas.ready import Invoice, SroieReceipt

SPLIT = ("ocr", "candidates", "scoring", "lists", "json", "validation")


@pytest.fixture(scope="module")
def pages(samples_dir):
    return {name: ocula.ocr(samples_dir / name) for name in ("receipt.jpg", "invoice.png")}


def prompt_tokens(model, page) -> int:
    return len(model.tokenize(model.render(extraction_messages(SroieReceipt, doc_lines(page)))))


def test_timings_are_split_and_tokens_counted(pages, bundled_llm):
    extractor = OcrLlmExtractor(bundled_llm, None, ExtractOptions())  # type: ignore[arg-type]
    result = extractor.run_on_pages(pages["receipt.jpg"], SroieReceipt)
    assert set(SPLIT) <= set(result.timings)
    assert result.timings["ocr"] > 0  # the pages' own OCR seconds, not 0
    assert sum(result.timings[k] for k in SPLIT) <= result.timings["total"] + 1e-6
    # every value decided by rules and single candidates: the answer is written without the model
    assert {f.mechanism for f in result.fields.values()} <= {"rule", "label", "single_candidate"}
    assert result.tokens == {"prefilled": 0, "reused": 0, "scored": 0, "decoded": 0, "passes": 0}
    assert result.attempts[0].prompt_tokens == 0 and result.attempts[0].generated_tokens == 0


def test_model_work_counted_when_it_chooses(pages, bundled_llm):
    extractor = OcrLlmExtractor(bundled_llm, None, ExtractOptions())  # type: ignore[arg-type]
    result = extractor.run_on_pages(pages["invoice.png"], Invoice)  # nested parties: written by the model
    assert result.tokens["scored"] > 0  # top-level fields with several candidates were ranked
    assert result.tokens["decoded"] > 0 and result.tokens["passes"] <= result.tokens["decoded"]
    assert result.tokens["prefilled"] + result.tokens["reused"] >= prompt_tokens(bundled_llm, pages["invoice.png"])


def test_page_prefilled_once_and_instructions_reused(pages, bundled_llm):
    extractor = OcrLlmExtractor(bundled_llm, None, ExtractOptions())  # type: ignore[arg-type]
    extractor.run_on_pages(pages["receipt.jpg"], SroieReceipt)
    result = extractor.run_on_pages(pages["invoice.png"], SroieReceipt)  # another page, same schema
    page = prompt_tokens(bundled_llm, pages["invoice.png"])
    fixed = len(bundled_llm.tokenize(bundled_llm.render(extraction_messages(SroieReceipt, []))))
    asked = len(result.fields) + 1  # a field's question per field at most, and the JSON pass's own ending
    # the instructions come from the previous document's cache; the page text is prefilled once, not per field
    assert result.tokens["reused"] >= fixed - 10
    assert result.tokens["prefilled"] <= page - fixed + 10 + 40 * asked
    assert result.tokens["prefilled"] < 2 * (page - fixed)
