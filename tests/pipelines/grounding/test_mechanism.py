"""Every field result says what decided it (rule and its name, single candidate, model choice, free decoding, not
found) on the ranked and JSON paths, keeps the model's own probability, and gets a calibrated confidence."""

import json
from decimal import Decimal

from pydantic import BaseModel, Field

from ocula.adapters.models.base import Capabilities, Generation, GenerationRequest, ModelAdapter
from ocula.pipelines.extract.ocr_llm import ExtractOptions, OcrLlmExtractor
from ocula.pipelines.grounding.evidence import calibrate
from ocula.schemas import BBox, FieldResult, Line, OCRPage
from ocula.schemas.calibration import Calibration, Curve, Tally
from ocula.schemas.kinds import AFTER_KEY, PICK_KEY, TOP_KEY, MultilineText

TEXTS = [
    "ACME TRADING SDN BHD",
    "BOOKS AND MORE",
    "NO 5, JALAN MAWAR 2,",
    "81200 JOHOR BAHRU",
    "SUBTOTAL 10.00",
    "TOTAL 12.50",
]


def page(texts=TEXTS) -> OCRPage:
    lines = [
        Line(text=t, box=BBox(x0=0, y0=20 * i, x1=10 * len(t), y1=20 * i + 15), confidence=0.99)
        for i, t in enumerate(texts)
    ]
    return OCRPage(page=0, width=400, height=20 * len(texts) + 20, lines=lines)


class Shop(BaseModel):
    company: str = Field(description="Shop name", json_schema_extra={TOP_KEY: 2})
    address: MultilineText | None = Field(default=None, json_schema_extra={AFTER_KEY: "company"})
    total: Decimal | None = Field(default=None, json_schema_extra={PICK_KEY: "max"})
    email: str | None = Field(default=None, json_schema_extra={"x-ocula-kind": "email"})


class Scoring(ModelAdapter):
    """Prefers continuations holding `liked`; generation writes `answer` (the ranked pass fixes every field)."""

    name = "scoring"
    backend = "test"
    capabilities = Capabilities(constraints=frozenset({"json_schema"}))

    def __init__(self, liked: str, answer: str) -> None:
        self.liked = liked
        self.answer = answer

    def render(self, messages, assistant_prefix: str = "") -> str:
        return "\n".join(m.text for m in messages) + assistant_prefix

    def token_logprobs(self, prompt, continuations):
        return [[-0.1 if self.liked in text else -2.0] for text in continuations]

    def generate(self, request: GenerationRequest) -> Generation:
        return Generation(text=self.answer)


ANSWER = json.dumps(
    {
        "company": "ACME TRADING SDN BHD",
        "address": "NO 5, JALAN MAWAR 2, 81200 JOHOR BAHRU",
        "total": 12.5,
        "email": None,
    },
    separators=(",", ":"),
)


def extract(decoding: str, grounded: bool = True):
    model = Scoring("ACME", ANSWER)
    options = ExtractOptions(decoding=decoding, grounded=grounded, on_error="partial")  # type: ignore[arg-type]
    return OcrLlmExtractor(model, None, options).run_on_pages([page()], Shop)  # type: ignore[arg-type]


def test_the_ranked_path_names_each_fields_mechanism_and_keeps_the_models_probability():
    fields = extract("ranked").fields
    company = fields["company"]
    assert company.value == "ACME TRADING SDN BHD"
    assert company.mechanism == "model_choice" and company.rule is None
    assert 0.5 < company.probability < 1  # the model's share between the two lines of the top two
    assert (fields["address"].mechanism, fields["address"].rule) == ("rule", "block")
    assert (fields["total"].mechanism, fields["total"].rule) == ("rule", "pick")  # the larger of two amounts
    assert fields["address"].probability is None and fields["total"].probability is None
    assert fields["total"].kind == "amount" and fields["address"].kind == "multiline"
    assert fields["email"].value is None and fields["email"].mechanism == "not_found"


def test_the_json_path_reads_the_mechanism_from_the_grammar():
    fields = extract("json").fields
    assert fields["company"].mechanism == "model_choice"  # two lines left for the model's grammar
    assert (fields["total"].mechanism, fields["total"].rule) == ("rule", "pick")
    assert fields["email"].mechanism == "not_found"


def test_a_lone_candidate_is_a_single_candidate_not_a_rule():
    texts = ["ACME TRADING SDN BHD", "NO 5, JALAN MAWAR 2,", "TOTAL 12.50"]
    model = Scoring("ACME", ANSWER.replace("NO 5, JALAN MAWAR 2, 81200 JOHOR BAHRU", "NO 5, JALAN MAWAR 2,"))
    result = OcrLlmExtractor(model, None, ExtractOptions(on_error="partial")).run_on_pages([page(texts)], Shop)  # type: ignore[arg-type]
    assert result.fields["total"].mechanism == "single_candidate" and result.fields["total"].rule is None


def test_ungrounded_decoding_is_free_decoding():
    fields = extract("json", grounded=False).fields
    assert {fields[n].mechanism for n in ("company", "address", "total", "email")} == {"free_decoding"}


def test_calibrate_maps_each_field_by_its_mechanism_kind_and_probability():
    table = Calibration(
        total=Tally(10, 8),
        mechanisms={"rule": Tally(10, 8), "model_choice": Tally(10, 5)},
        kinds={("rule", "date"): Tally(100, 100)},
        curves={"model_choice": Curve((0.0, 1.0), (0.0, 0.5))},
    )
    fields = {
        "date": FieldResult(path="date", value="1/2/2020", confidence=1.0, mechanism="rule", rule="pick", kind="date"),
        "name": FieldResult(
            path="name", value="A", confidence=0.8, mechanism="model_choice", kind="text", probability=0.8
        ),
        "free": FieldResult(path="free", value="B", confidence=0.7, mechanism="free_decoding", kind="text"),
    }
    calibrate(fields, table)
    assert 0.95 < fields["date"].confidence < 1.0  # 100 of 100, drawn a little towards the rule's 8 of 10
    assert fields["name"].confidence == 0.4 and fields["name"].probability == 0.8
    assert fields["free"].confidence == 0.7  # the table has no figure for it: the raw confidence stays


def test_the_shipped_table_sets_each_fields_confidence_at_run_time():
    from ocula.schemas.calibration import default_calibration

    table = default_calibration()
    for result in extract("ranked").fields.values():
        expected = table.confidence(result.mechanism, result.kind, result.probability)
        if expected is not None:
            assert result.confidence == round(expected, 4)
        elif result.value is not None and result.mechanism != "model_choice":
            assert result.confidence == 1.0  # no figure in the table: a rule's or lone candidate's raw 1.0
