"""`ChatOcula.with_structured_output` over images and PDFs runs Ocula's extraction pipeline; the tutorial flow
(a prompt template with a base64 `image_url` | `llm.with_structured_output(Schema)`) gives `ocula.extract`'s
values with their boxes. Fast tests use a scripted model on a strip of the sample receipt (real OCR)."""

from __future__ import annotations

import base64
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from langchain_core.exceptions import OutputParserException
from langchain_core.messages import HumanMessage, SystemMessage
from langchain_core.prompts import ChatPromptTemplate
from PIL import Image
from pydantic import BaseModel, Field

import ocula
from ocula.adapters.models.base import Capabilities, Generation, GenerationRequest, ModelAdapter
from ocula.langchain import ChatOcula
from ocula.langchain.output import json_fragments
from ocula.langchain.structured import response_format
from ocula.schemas import Extraction
from ocula.schemas.errors import ModelError

RECEIPT = Path(__file__).resolve().parents[3] / "samples" / "receipt.jpg"
RECEIPT_URL = "data:image/jpeg;base64," + base64.b64encode(RECEIPT.read_bytes()).decode()


class Shop(BaseModel):
    """The shop on a receipt."""

    company: str | None = Field(default=None, description="Name of the shop")
    total: Decimal | None = Field(default=None, description="Total amount paid")


class Scripted(ModelAdapter):
    """A text model answering with the given texts in turn (the last one again when they run out)."""

    name = "scripted"
    backend = "test"
    capabilities = Capabilities(constraints=frozenset({"json_schema"}))

    def __init__(self, *answers: str) -> None:
        self.answers = list(answers)
        self.requests: list[GenerationRequest] = []

    def generate(self, request: GenerationRequest) -> Generation:
        self.requests.append(request)
        text = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        return Generation(text=text, token_ids=[1, 2, 3], prompt_tokens=11)


@pytest.fixture(scope="module")
def strip_url() -> str:
    """The receipt's top strip (the shop's name) as a PNG data URL: real OCR on it is quick."""
    with Image.open(RECEIPT) as image:
        strip = image.convert("RGB").crop((0, 0, image.width, 80))
    buf = io.BytesIO()
    strip.save(buf, "PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def image_message(url: str, text: str = "Extract the shop.") -> HumanMessage:
    return HumanMessage([{"type": "text", "text": text}, {"type": "image_url", "image_url": {"url": url}}])


def test_structured_output_on_an_image_runs_the_extraction_pipeline(strip_url: str) -> None:
    model = Scripted('{"company":"KEDAI","total":null}')
    out = ChatOcula(model=model).with_structured_output(Shop, include_raw=True).invoke([image_message(strip_url)])
    assert out["parsing_error"] is None and out["parsed"] == Shop(company="KEDAI")
    extraction = out["raw"].response_metadata["extraction"]
    assert isinstance(extraction, Extraction) and extraction.value == out["parsed"]
    company = extraction.fields["company"]
    assert company.box is not None and company.page == 0 and company.source.kind == "ocr_lines"
    assert out["raw"].usage_metadata == {"input_tokens": 11, "output_tokens": 3, "total_tokens": 14}
    (request,) = model.requests
    assert "Fields to extract" in request.messages[-1].text  # the pipeline's prompt, not the chat's
    assert "Extract the shop." not in request.messages[-1].text  # the message text is not an instruction
    spec = json.loads(request.constraint.spec)  # type: ignore[union-attr]
    assert "KEDAI" in json.dumps(spec["properties"]["company"])  # the company is one of the page's texts


def test_message_text_as_instructions_when_asked(strip_url: str) -> None:
    model = Scripted('{"company":"KEDAI","total":null}')
    chat = ChatOcula(model=model, message_instructions=True, extract_options={"max_attempts": 1})
    chat.with_structured_output(Shop).invoke([SystemMessage("Names in capitals."), image_message(strip_url)])
    text = model.requests[0].messages[-1].text
    assert "Names in capitals." in text and "Extract the shop." in text


def test_invalid_answers_are_retried_then_reported_with_the_extraction(strip_url: str) -> None:
    model = Scripted('{"company":"KEDAI","total":"lots"}')
    chat = ChatOcula(model=model, extract_options={"max_attempts": 2})
    out = chat.with_structured_output(Shop, include_raw=True).invoke([image_message(strip_url)])
    assert out["parsed"] is None and isinstance(out["parsing_error"], OutputParserException)
    assert "after 2 attempt(s)" in str(out["parsing_error"]) and len(model.requests) == 2
    assert len(out["raw"].response_metadata["extraction"].attempts) == 2
    with pytest.raises(OutputParserException, match="no valid Shop"):
        chat.with_structured_output(Shop).invoke([image_message(strip_url)])


def test_text_only_messages_keep_constrained_decoding_over_the_text() -> None:
    model = Scripted('{"company":"Acme","total":12.5}')
    out = ChatOcula(model=model).with_structured_output(Shop, include_raw=True).invoke("Acme, total 12.50")
    assert out["parsed"] == Shop(company="Acme", total=Decimal("12.5"))
    assert "extraction" not in out["raw"].response_metadata
    assert "Acme, total 12.50" in model.requests[0].messages[-1].text


def test_grounded_output_off_decodes_over_the_ocr_text(strip_url: str) -> None:
    model = Scripted('{"company":"Something else","total":null}')
    chat = ChatOcula(model=model, grounded_output=False)
    assert chat.with_structured_output(Shop).invoke([image_message(strip_url)]).company == "Something else"
    assert "read by OCR" in model.requests[0].messages[-1].text


def test_every_attachment_is_a_page(strip_url: str) -> None:
    model = Scripted('{"company":"KEDAI","total":null}')
    message = HumanMessage(
        [{"type": "image_url", "image_url": {"url": strip_url}}, {"type": "image_url", "image_url": {"url": strip_url}}]
    )
    out = ChatOcula(model=model).with_structured_output(Shop, include_raw=True).invoke([message])
    assert out["raw"].response_metadata["extraction"].pages == 2


def test_json_schema_dict_without_a_title_is_accepted() -> None:
    schema = {"type": "object", "properties": {"company": {"type": "string"}}, "required": ["company"]}
    assert response_format(schema)["json_schema"]["name"] == "output"
    out = ChatOcula(model=Scripted('{"company":"Acme"}')).with_structured_output(schema).invoke("Acme")
    assert out == {"company": "Acme"}


# vision-only schemas ------------------------------------------------------------------------------
class Detection(BaseModel):
    Object: list[str]
    Bounding_box: list[list[int]]


@pytest.mark.parametrize("grounded", [True, False], ids=["pipeline", "ocr-text"])
def test_a_schema_of_boxes_on_a_text_model_points_to_detect(strip_url: str, grounded: bool) -> None:
    model = Scripted('{"Object":[],"Bounding_box":[]}')
    chat = ChatOcula(model=model, grounded_output=grounded).with_structured_output(Detection)
    with pytest.raises(ModelError, match=r"Bounding_box.*ocula\.detect"):
        chat.invoke([image_message(strip_url)])
    assert model.requests == []


# streaming --------------------------------------------------------------------------------------
def test_json_fragments_cut_at_top_level_fields_only() -> None:
    text = '{"a":"x, y","b":[1,2],"c":{"d":1,"e":"}"}}'
    pieces = json_fragments(text)
    assert pieces == ['{"a":"x, y"', ',"b":[1,2]', ',"c":{"d":1,"e":"}"}', "}"]
    assert "".join(pieces) == text
    assert json_fragments("plain text") == ["plain text"]


def test_stream_gives_one_chunk_per_field_and_the_object_so_far(strip_url: str) -> None:
    answer = '{"company":"KEDAI","total":null}'
    chat = ChatOcula(model=Scripted(answer))
    chunks = list(chat.stream([image_message(strip_url)], response_format=response_format(Shop), ocula_schema=Shop))
    assert [c.content for c in chunks] == ['{"company":"KEDAI"', ',"total":null', "}"]
    assert chunks[-1].usage_metadata is not None and "extraction" in chunks[-1].response_metadata
    partials = list(chat.with_structured_output(Shop).stream([image_message(strip_url)]))
    assert partials[0] == Shop(company="KEDAI") and partials[-1] == Shop(company="KEDAI")
    as_dicts = list(
        ChatOcula(model=Scripted('{"a":"x","b":"y"}'))
        .with_structured_output(
            {"title": "T", "type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "string"}}}
        )
        .stream("x")
    )
    assert as_dicts == [{"a": "x"}, {"a": "x", "b": "y"}]


# the tutorial flow on the bundled model ---------------------------------------------------------------
class UserSchema(BaseModel):
    """What a LangChain user asks of a shop receipt."""

    store_name: str | None = Field(default=None, description="Name of the store")
    purchase_date: str | None = Field(default=None, description="Date of the purchase")
    total_amount: Decimal | None = Field(default=None, description="Total amount paid")


@pytest.mark.slow
def test_tutorial_flow_gives_ocula_extract_values_with_boxes() -> None:
    prompt = ChatPromptTemplate.from_messages(
        [
            ("system", "You are an expert extraction algorithm. Only extract relevant information from the text."),
            (
                "human",
                [
                    {"type": "text", "text": "Extract the receipt's details."},
                    {"type": "image_url", "image_url": {"url": "{image_url}"}},
                ],
            ),
        ]
    )
    llm = ChatOcula()
    chain = prompt | llm.with_structured_output(UserSchema, include_raw=True)
    out = chain.invoke({"image_url": RECEIPT_URL})
    direct = ocula.extract(str(RECEIPT), schema=UserSchema)
    assert isinstance(direct, Extraction)
    assert out["parsing_error"] is None
    assert out["parsed"] == direct.value
    assert out["parsed"].total_amount == Decimal("50.55") and out["parsed"].purchase_date == "23/03/2018"
    extraction = out["raw"].response_metadata["extraction"]
    for name in ("store_name", "purchase_date", "total_amount"):
        field = extraction.fields[name]
        assert field.box is not None and field.box == direct.fields[name].box, name
        assert field.confidence is not None
    tokens = extraction.tokens  # the model's own work: no prompt when rules decided every value
    assert extraction.attempts and out["raw"].usage_metadata["input_tokens"] == (
        tokens["prefilled"] + tokens["reused"] + tokens["scored"]
    )
    assert (prompt | llm.with_structured_output(UserSchema)).invoke({"image_url": RECEIPT_URL}) == direct.value
