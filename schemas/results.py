"""Result types. Every box is absolute pixels of the original page; every type round-trips through JSON."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from ocula.schemas.coco import CocoImage, detections_to_coco, read_coco, to_supervision
from ocula.schemas.geometry import BBox, Point

T = TypeVar("T")


class Word(BaseModel):
    text: str
    box: BBox
    confidence: float | None = None


class Line(BaseModel):
    """One text line: its text, box, optional quad/polygon and words, in reading order within a page."""

    text: str
    box: BBox
    confidence: float | None = None
    words: list[Word] = Field(default_factory=list)
    polygon: list[Point] | None = None
    alternatives: list[str] = Field(
        default_factory=list,
        description="Other readings of the same line box (a second OCR engine's), when they differ from `text`.",
    )


class OCRPage(BaseModel):
    page: int = 0
    width: int
    height: int
    lines: list[Line] = Field(default_factory=list)
    engine: str = ""
    seconds: float | None = None
    orientation: int = Field(
        default=0,
        description="Degrees the page lay turned clockwise (0, 90, 180, 270): it was read turned upright. "
        "Boxes are in the pixels of the page as it lies either way.",
    )
    skew: float = Field(
        default=0.0,
        description="Degrees the upright page's text lines were turned counter-clockwise when it was read "
        "straightened (deskew); 0 when it was read as it lies. Boxes are in the pixels of the page as it lies.",
    )
    blank: bool = Field(
        default=False,
        description="The page held no ink (a look at its pixels before any OCR): it was not read, it has no lines.",
    )
    regions: list[Detection] = Field(
        default_factory=list,
        description="Layout regions of the page (tables, headers, ...) when the layout model was run with the OCR, "
        "in the page's pixels.",
    )

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


class Detection(BaseModel):
    label: str
    box: BBox
    confidence: float | None = None
    polygon: list[Point] | None = None


OCRPage.model_rebuild()


class Detections(BaseModel):
    """Detections on one page or image of `width` x `height` pixels."""

    items: list[Detection] = Field(default_factory=list)
    width: int
    height: int
    page: int = 0
    source: str | None = None
    model: str | None = None

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self):  # type: ignore[override]
        return iter(self.items)

    # interop: schemas/coco.py knows the formats and none of these types --------------------------------
    def to_coco(self, categories: Any = None, *, image_id: int = 1) -> dict[str, Any]:
        """This image as a COCO dict (`images`, `annotations`, `categories`); see `coco.detections_to_coco`
        for `categories` (names, or an id -> name mapping; by default the sorted labels)."""
        return detections_to_coco([self], categories, image_ids=[image_id])

    @classmethod
    def from_coco(
        cls, coco: Any, image_id: int | None = None, *, reference: Any = None, include_crowd: bool = False
    ) -> Detections:
        """One image of COCO data: a ground-truth dict, or a results list with `reference` the ground truth.

        `image_id` may be left out when the data holds one image. Every image at once:
        `ocula.schemas.results.detections_from_coco`.
        """
        meta = reference if reference is not None else coco
        ids = [img["id"] for img in meta.get("images", [])] if isinstance(meta, dict) else []
        if image_id is None:
            if len(ids) != 1:
                raise ValueError(f"the COCO data holds {len(ids)} images: pass image_id")
            image_id = ids[0]
        if image_id not in ids:
            raise ValueError(f"image id {image_id} is not among the COCO images")
        found = read_coco(coco, reference=reference, include_crowd=include_crowd)
        return _detections(found[ids.index(image_id)])

    def to_supervision(self, categories: Any = None) -> Any:
        """`supervision.Detections` (needs the `supervision` extra); see `coco.to_supervision`."""
        return to_supervision(self, categories)


Mechanism = Literal["rule", "label", "single_candidate", "model_choice", "free_decoding", "not_found"]
"""What decided a field's value (`FieldResult.mechanism`):

- `rule`: a layout rule of the rule packs left one value (`FieldResult.rule` names it: `pick`, `labels`,
  `legal_form`, `block`, ...);
- `label`: the value stands beside the field's label on the page;
- `single_candidate`: the page holds one candidate of the field's kind, so nothing was left to choose;
- `model_choice`: the model chose among the page's candidates (or among the schema's own values);
- `free_decoding`: the model wrote the value with no grammar of page text (`grounded=False`, the `vlm`
  engine): nothing on the page vouches for it;
- `not_found`: the page holds no candidate for the field: the value is null.
"""
MECHANISMS: tuple[str, ...] = ("rule", "label", "single_candidate", "model_choice", "free_decoding", "not_found")


class FieldSource(BaseModel):
    """Where a field's value came from: OCR lines (ids on the page), a box the model emitted, or a text match."""

    kind: Literal["ocr_lines", "model_box", "text_match", "none"] = "none"
    line_ids: list[int] = Field(default_factory=list)
    text: str | None = None


class FieldResult(BaseModel):
    """One leaf field of an extraction: value, where it is on which page, what decided it and how likely it is
    right."""

    path: str
    value: Any = None
    raw: str | None = None
    # The value parsed from the page text where its kind has a parsed form (ISO date(s), a decimal string).
    parsed: Any = None
    page: int | None = None
    box: BBox | None = None
    source: FieldSource = Field(default_factory=FieldSource)
    # How often a value decided this way is right: the mechanism's and kind's measured accuracy, or the
    # model's probability mapped to accuracy (see `ocula.schemas.calibration`); the raw figure where no
    # calibration applies.
    confidence: float | None = None
    mechanism: Mechanism | None = None
    rule: str | None = Field(default=None, description="The layout rule that decided (mechanism `rule`).")
    kind: str | None = Field(default=None, description="The value kind the field was grounded as (date, amount...).")
    probability: float | None = Field(
        default=None,
        description="The model's own probability of the value, before calibration (None where no model chose).",
    )
    ocr_confidence: float | None = Field(
        default=None,
        description="The OCR engine's confidence in the lines the value was read from (the lowest of them).",
    )
    well_formed: bool | None = Field(
        default=None,
        description="Whether the value's text reads cleanly for its kind (a whole date, no stray symbols); "
        "None where the kind has no such check.",
    )
    valid: bool = True
    error: str | None = None


class Attempt(BaseModel):
    """One decode-and-validate round: what the model wrote, what failed, how long it took."""

    index: int
    raw: str
    errors: list[str] = Field(default_factory=list)
    seconds: float = 0.0
    prompt_tokens: int | None = None
    generated_tokens: int | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


class ModelInfo(BaseModel):
    model_config = ConfigDict(protected_namespaces=())

    name: str
    backend: str
    family: str | None = None


class Extraction(BaseModel, Generic[T]):
    """The validated instance (`value`) plus per-leaf provenance (`fields`), every attempt and timings."""

    model_config = ConfigDict(protected_namespaces=())

    value: T | None = None
    fields: dict[str, FieldResult] = Field(default_factory=dict)
    attempts: list[Attempt] = Field(default_factory=list)
    timings: dict[str, float] = Field(default_factory=dict)
    # the model's work in tokens: prompt tokens prefilled and reused from its cache, candidate tokens scored,
    # tokens decoded (ocr+llm engine on a backend that counts, see `ocula.adapters.models.base.Usage`)
    tokens: dict[str, int] = Field(default_factory=dict)
    model: ModelInfo | None = None
    source: str | None = None
    pages: int = 1
    page_sizes: list[tuple[int, int]] = Field(default_factory=list)
    schema_name: str | None = None
    errors: list[str] = Field(default_factory=list)
    # The page's locale: given by the caller (`locale=`) or detected from its text (`ocula.schemas.packs.detect`),
    # best first; `locales` are the locale packs its rules were read under (detected, fallbacks, the schema's).
    locale: str | None = None
    locales: list[str] = Field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.value is not None and not self.errors


# COCO images to Detections ------------------------------------------------------------------------------
def detections_from_coco(
    coco: Mapping[str, Any] | Sequence[Mapping[str, Any]],
    *,
    reference: Mapping[str, Any] | None = None,
    include_crowd: bool = False,
) -> list[Detections]:
    """Per-image `Detections`, in the order of the COCO `images` list.

    `coco` is a ground-truth dict, or a results list (`image_id`, `category_id`, `bbox`, `score`); a
    results list carries no image sizes or category names, so pass the ground truth as `reference`.
    Crowd regions (`iscrowd: 1`) are left out unless `include_crowd`.
    """
    return [_detections(image) for image in read_coco(coco, reference=reference, include_crowd=include_crowd)]


def _detections(image: CocoImage) -> Detections:
    return Detections(
        items=[Detection(label=b.label, box=b.box, confidence=b.confidence) for b in image.boxes],
        width=image.width,
        height=image.height,
        source=image.file_name,
    )
