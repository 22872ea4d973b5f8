"""Ranked decoding: layout rules, the model's choice among whole candidates, and the pipeline around it."""

import json
from decimal import Decimal

import pytest
from pydantic import BaseModel, Field

from ocula.adapters.models.base import Capabilities, Generation, GenerationRequest, Message, ModelAdapter
from ocula.pipelines.extract.ocr_llm import ExtractOptions, OcrLlmExtractor, schema_constraint
from ocula.pipelines.grounding.candidates import candidates_for
from ocula.pipelines.grounding.grammar import grounded_schema
from ocula.pipelines.grounding.lines import DocLine
from ocula.pipelines.grounding.rank import rank_fields
from ocula.schemas import BBox, Line, OCRPage
from ocula.schemas.calibration import default_calibration
from ocula.schemas.kinds import AFTER_KEY, EXCLUDE_KEY, TOP_KEY, MultilineText

TEXTS = [
    "ACME TRADING SDN BHD",
    "(123456-X)",
    "NO 5, JALAN MAWAR 2,",
    "TAMAN BUNGA,",
    "81200 JOHOR BAHRU",
    "TEL: 07-1234567",
    "TOTAL 12.50",
]


def doc(texts=TEXTS) -> list[DocLine]:
    return [DocLine(i, 0, t, BBox(x0=0, y0=20 * i, x1=10 * len(t), y1=20 * i + 15)) for i, t in enumerate(texts)]


class Shop(BaseModel):
    company: str = Field(description="Shop name", json_schema_extra={TOP_KEY: 3})
    address: MultilineText | None = Field(
        default=None, description="Address", json_schema_extra={AFTER_KEY: "company", EXCLUDE_KEY: ["tel"]}
    )
    total: Decimal | None = None


class Prefers(ModelAdapter):
    """Scores a continuation by how many of `liked`'s words it holds; generation copies the only value
    the grammar leaves (the ranked pass fixes every field)."""

    name = "prefers"
    backend = "test"
    capabilities = Capabilities(constraints=frozenset({"json_schema"}))

    def __init__(self, liked: str, answer: str = "") -> None:
        self.liked = set(liked.split())
        self.answer = answer
        self.prompts: list[str] = []

    def render(self, messages, assistant_prefix: str = "") -> str:
        return "\n".join(m.text for m in messages) + assistant_prefix

    def token_logprobs(self, prompt, continuations):
        self.prompts.append(prompt)
        out = []
        for text in continuations:
            value = json.loads(text)
            words = set(value.split()) if isinstance(value, str) else set()
            out.append([-1.0 + 0.9 * len(self.liked & words)])
        return out

    def generate(self, request: GenerationRequest) -> Generation:
        return Generation(text=self.answer)


def test_ranking_takes_the_models_choice_then_the_block_after_it():
    lines = doc()
    bounded = schema_constraint(Shop)
    grounded = grounded_schema(bounded.schema, lines)
    model = Prefers("ACME TRADING SDN BHD")
    ranking = rank_fields(model, lambda _: [Message("user", "doc")], bounded.schema, grounded, lines)
    assert ranking.fields["company"].value == "ACME TRADING SDN BHD"
    assert 0 < ranking.fields["company"].probability <= 1
    assert ranking.fields["address"].value == "NO 5, JALAN MAWAR 2, TAMAN BUNGA, 81200 JOHOR BAHRU"
    assert ranking.fields["address"].rule == "block"
    assert ranking.fields["total"].value == 12.5 and ranking.fields["total"].rule == "only"
    assert all('Only the field "company"' in p for p in model.prompts)
    narrowed = ranking.narrowed(grounded)
    assert narrowed["properties"]["company"]["enum"] == ["ACME TRADING SDN BHD"]
    assert set(narrowed["required"]) == {"company", "address", "total"}  # an optional ranked field stays in


def test_a_text_value_does_not_reuse_lines_an_earlier_field_took():
    class Two(BaseModel):
        company: str = Field(json_schema_extra={TOP_KEY: 1})
        branch: str = Field(json_schema_extra={TOP_KEY: 1})

    lines = doc(["ACME", "ACME BRANCH"])
    bounded = schema_constraint(Two)
    grounded = grounded_schema(bounded.schema, lines)
    ranking = rank_fields(Prefers("ACME"), lambda _: [Message("user", "doc")], bounded.schema, grounded, lines)
    assert ranking.fields["company"].value == "ACME"
    assert ranking.fields["branch"].value == "ACME"  # the hint leaves one line: the rule yields to it


def page() -> OCRPage:
    lines = [
        Line(text=t, box=BBox(x0=0, y0=20 * i, x1=10 * len(t), y1=20 * i + 15), confidence=0.99)
        for i, t in enumerate(TEXTS)
    ]
    return OCRPage(page=0, width=400, height=200, lines=lines)


def test_the_pipeline_writes_the_ranked_values_and_grounds_them():
    answer = json.dumps(
        {
            "company": "ACME TRADING SDN BHD",
            "address": "NO 5, JALAN MAWAR 2, TAMAN BUNGA, 81200 JOHOR BAHRU",
            "total": 12.5,
        },
        separators=(",", ":"),
    )
    model = Prefers("ACME TRADING SDN BHD", answer)
    result = OcrLlmExtractor(model, None, ExtractOptions()).run_on_pages([page()], Shop)  # type: ignore[arg-type]
    assert result.value.company == "ACME TRADING SDN BHD"
    assert result.fields["address"].source.line_ids == [2, 3, 4]
    assert 0 < result.fields["company"].confidence < 1  # the model's share among the company candidates
    total = result.fields["total"]
    assert total.mechanism == "single_candidate" and total.probability is None  # the only amount on the page
    # its confidence is how often a lone candidate was right (the shipped table), 1.0 where it has no figure
    shipped = default_calibration().confidence("single_candidate", "amount")
    assert total.confidence == (1.0 if shipped is None else pytest.approx(shipped, abs=1e-4))
    assert len(result.attempts) == 1


def test_ranked_values_that_do_not_validate_fall_back_to_the_json_pass():
    class Checked(Shop):
        def model_post_init(self, _: object) -> None:
            if self.total is not None and self.total > 10:
                raise ValueError("total too large")

    model = Prefers("ACME", answer='{"company":"ACME TRADING SDN BHD","address":null,"total":12.5}')
    result = OcrLlmExtractor(model, None, ExtractOptions(max_attempts=2, on_error="partial")).run_on_pages(
        [page()], Checked
    )  # type: ignore[arg-type]
    assert len(result.attempts) == 2 and result.value is None


def test_the_bundled_model_ranks_a_real_receipt(bundled_llm, samples_dir):
    import ocula
    from ocula.pipelines.grounding.lines import doc_lines
    from ocula.schemas.ready import SroieReceipt

    pages = ocula.ocr(samples_dir / "receipt.jpg")
    result = OcrLlmExtractor(bundled_llm, None, ExtractOptions()).run_on_pages(pages, SroieReceipt)  # type: ignore[arg-type]
    assert result.value is not None
    spelled = {ln.id: ln.text for ln in doc_lines(pages)}
    for name in ("company", "address"):
        fr = result.fields[name]
        assert fr.value in " ".join(spelled[i] for i in fr.source.line_ids)
        assert 0 < fr.confidence <= 1


def test_the_model_chooses_between_two_engines_readings_of_the_address_block():
    lines = doc()
    lines[2] = DocLine(2, 0, "NO5, JALAN MAWAR 2.", lines[2].box, alternatives=("NO 5, JALAN MAWAR 2,",))
    bounded = schema_constraint(Shop)
    grounded = grounded_schema(bounded.schema, lines)
    model = Prefers("ACME TRADING SDN BHD NO 5,")
    ranking = rank_fields(model, lambda _: [Message("user", "doc")], bounded.schema, grounded, lines)
    address = ranking.fields["address"]
    assert address.value == "NO 5, JALAN MAWAR 2, TAMAN BUNGA, 81200 JOHOR BAHRU"
    assert address.rule == "block" and 0.5 < address.probability < 1
    other = "NO5, JALAN MAWAR 2. TAMAN BUNGA, 81200 JOHOR BAHRU"
    assert other in {c.text for c in candidates_for("multiline", lines)}  # the first engine's reading was a choice


def test_on_a_long_page_the_model_ranks_seeing_the_lines_around_the_candidates():
    filler = [f"ITEM {i} NOTE" for i in range(80)]
    texts = [*TEXTS[:6], *filler, TEXTS[6]]
    ocr = OCRPage(
        page=0,
        width=400,
        height=20 * len(texts),
        lines=[
            Line(text=t, box=BBox(x0=0, y0=20 * i, x1=10 * len(t), y1=20 * i + 15), confidence=0.99)
            for i, t in enumerate(texts)
        ],
    )
    model = Prefers("ACME TRADING SDN BHD")
    result = OcrLlmExtractor(model, None, ExtractOptions()).run_on_pages([ocr], Shop)  # type: ignore[arg-type]
    assert result.value.company == "ACME TRADING SDN BHD" and result.value.total == Decimal("12.50")
    assert model.prompts  # the company's candidates were ranked by the model
    for prompt in model.prompts:
        assert "ACME TRADING SDN BHD" in prompt and "(123456-X)" in prompt  # candidates and their neighbours
        assert "ITEM 40 NOTE" not in prompt  # the page far from every candidate is left out
