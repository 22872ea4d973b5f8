"""`ocula.detect`: boxes of each family's convention back to original-page pixels (scripted answers, exact),
native grounding formats, errors, and the grammar on tiny random VLMs of each tested family."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from PIL import Image

import ocula
from ocula.adapters.models.base import Generation, GenerationRequest, ModelAdapter
from ocula.pipelines.detect.vlm import DetectOptions, Detector, detection_prompt, detection_schema, normalise_labels
from ocula.pipelines.vision.page_view import grammar_convention, page_view
from ocula.schemas import BBox, Detections, ModelError, from_page_box, qwen_smart_resize
from ocula.schemas.families import FAMILY_RECORDS, GENERIC, FamilyRecord
from tests.fixtures.fakes import FixedAnswer, ScriptedVLM

# A page 800 px wide and 400 px tall, and a box on it; turned 90 degrees counter-clockwise the page is
# 400 x 800 and the box spans x 50..250, y 200..600 (asymmetric, so a swapped axis shows).
PAGE = np.full((400, 800, 3), 255, np.uint8)
TRUTH = (200.0, 50.0, 600.0, 250.0)


def half(width: int, height: int) -> tuple[int, int]:
    return (width // 2, height // 2)


def objects(*boxes: list[float], label: str = "cat") -> str:
    return json.dumps({"objects": [{"label": label, "box": list(b)} for b in boxes]})


def box_of(result: Detections, i: int = 0) -> tuple[float, float, float, float]:
    return result.items[i].box.as_tuple()


# --- geometry, hand-computed --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("convention", "rotate", "resize", "numbers", "expected"),
    [
        ("norm1000_xyxy", 0, None, [250, 125, 750, 625], TRUTH),
        ("norm1000_xyxy", 90, None, [125, 250, 625, 750], TRUTH),
        ("loc1024_yxyx", 90, None, [256, 128, 768, 640], TRUTH),  # y first, 1024 bins
        ("pixels_resized_xyxy", 0, half, [100, 25, 300, 125], TRUTH),  # pixels of the half-size resize
        ("pixels_resized_xyxy", 90, half, [25, 100, 125, 300], TRUTH),
        ("pixels_xyxy", 180, None, [200, 150, 600, 350], TRUTH),  # (x, y) -> (800 - x, 400 - y)
        ("loc1000_xyxy", 0, None, [249, 124, 749, 624], (199.6, 49.8, 599.6, 249.8)),  # bin centres
    ],
)
def test_a_known_box_maps_to_original_page_pixels(convention, rotate, resize, numbers, expected) -> None:
    model = ScriptedVLM(objects(numbers), box_convention=convention, resize=resize)
    result = ocula.detect(PAGE, labels=["cat"], model=model, rotate=rotate)
    assert isinstance(result, Detections) and (result.width, result.height) == (800, 400)
    assert box_of(result) == pytest.approx(expected, abs=1e-6)
    assert result.items[0].label == "cat" and result.items[0].box.page == 0


@pytest.mark.parametrize("rotate", [0, 90, 270])
@pytest.mark.parametrize("family", [*FAMILY_RECORDS.values(), GENERIC], ids=lambda f: f.family or "generic")
def test_every_family_of_the_table_maps_its_boxes_back(family: FamilyRecord, rotate: int) -> None:
    """The numbers the family would write for TRUTH (its convention, the resize its processor makes, the page
    turned) come back as TRUTH, to within the convention's quantisation. A family that cannot decode under a
    grammar (Florence-2) is refused by `detect` without native=True (tested below): its convention is checked on
    a model that declares no family."""
    resize = lambda w, h: qwen_smart_resize(w, h, max_pixels=28 * 28 * 64)  # noqa: E731
    key = None if family.grammar_error else family.family
    probe = ScriptedVLM("", family=key, box_convention=family.box_convention, resize=resize)
    view = page_view(PAGE, probe, rotate=rotate)
    numbers = from_page_box(
        BBox.from_corners(*TRUTH), view.convention, view.input_size, view.transform, resized_size=view.resized_size
    )
    model = ScriptedVLM(
        objects([int(v) for v in numbers]), family=key, box_convention=family.box_convention, resize=resize
    )
    result = ocula.detect(PAGE, labels=["cat"], model=model, rotate=rotate)
    assert box_of(result) == pytest.approx(TRUTH, abs=8.0)  # 1 % of the page: any swapped axis is far off
    assert view.convention.name == grammar_convention(model).name


def test_corners_out_of_order_are_swapped_and_boxes_clipped_to_the_page() -> None:
    answer = objects([750, 625, 250, 125], [900, 900, 1400, 1200], [1200, 0, 1300, 10])
    result = ocula.detect(PAGE, labels=["cat"], model=ScriptedVLM(answer))
    assert box_of(result, 0) == pytest.approx(TRUTH)
    assert box_of(result, 1) == pytest.approx((720.0, 360.0, 800.0, 400.0))
    assert len(result) == 2  # the third box lies wholly off the page: no area left, dropped


def test_labels_outside_the_list_are_dropped_and_max_objects_caps_the_list() -> None:
    answer = json.dumps(
        {"objects": [{"label": "dog", "box": [0, 0, 10, 10]}] + [{"label": "cat", "box": [0, 0, 10, 10]}] * 4}
    )
    result = ocula.detect(PAGE, labels=["cat"], model=ScriptedVLM(answer), max_objects=2)
    assert [d.label for d in result] == ["cat", "cat"]


def test_output_cut_at_the_token_limit_keeps_its_whole_objects() -> None:
    cut = objects([250, 125, 750, 625], [1, 2, 3, 4])[:-20]
    result = ocula.detect(PAGE, labels=["cat"], model=ScriptedVLM(cut))
    assert len(result) == 1 and box_of(result) == pytest.approx(TRUTH)


# --- the grammar -------------------------------------------------------------------------------------


def test_the_grammar_holds_the_labels_the_box_bounds_and_the_object_count() -> None:
    model = ScriptedVLM("", box_convention="pixels_resized_xyxy", resize=half)
    view = page_view(PAGE, model, rotate=90)
    schema = detection_schema(view, ["cat", "dog"], max_objects=5)
    objects_node = schema["properties"]["objects"]
    assert objects_node["maxItems"] == 5
    item = objects_node["items"]["properties"]
    assert item["label"] == {"enum": ["cat", "dog"]}
    assert [n["maximum"] for n in item["box"]["prefixItems"]] == [200, 400, 200, 400]  # the turned, halved page
    free = detection_schema(view, None, max_objects=5)["properties"]["objects"]["items"]["properties"]["label"]
    assert free["type"] == "string" and free["maxLength"] == 40
    assert "[x0, y0, x1, y1] in pixels of the 200x400 image" in detection_prompt(view, ["cat"], 5)


def test_y_first_conventions_bound_each_axis_in_order() -> None:
    view = page_view(PAGE, ScriptedVLM("", box_convention="loc1024_yxyx"))
    assert [n["maximum"] for n in view.box_schema()["prefixItems"]] == [1023] * 4
    assert "[y0, x0, y1, x1]" in view.box_note()


def test_patch_and_fraction_conventions_are_asked_in_0_to_1000() -> None:
    for convention in ("patch32", "unit_xyxy"):
        assert grammar_convention(ScriptedVLM("", box_convention=convention)).name == "norm1000_xyxy"


def test_the_request_carries_the_page_image_and_the_constraint() -> None:
    model = ScriptedVLM(objects([250, 125, 750, 625]))
    ocula.detect(PAGE, labels="cat, dog", model=model, rotate=90)
    request = model.requests[0]
    assert request.constraint is not None and request.constraint.kind == "json_schema"
    assert json.loads(request.constraint.spec)["properties"]["objects"]["items"]["properties"]["label"] == {
        "enum": ["cat", "dog"]
    }
    assert request.messages[-1].images[0].size == (400, 800)  # the turned page


# --- native grounding formats --------------------------------------------------------------------------


NATIVE_CASES = [
    # family, convention, text with special tokens, the plain text (special tokens dropped), special, resize
    (
        "paligemma",
        "loc1024_yxyx",
        "<loc0128><loc0256><loc0640><loc0768> cat ; <loc0000><loc0000><loc0010><loc0010> dog",
        " cat ;  dog",
        True,
        None,
    ),
    ("florence2", "loc1000_xyxy", "</s><s>cat<loc_249><loc_124><loc_749><loc_624></s>", "cat", True, None),
    (
        "kosmos-2",
        "patch32",
        "<grounding><phrase> a cat</phrase><object><patch_index_0136><patch_index_0631></object>",
        " a cat",
        True,
        None,
    ),
    (
        "qwen2_vl",
        "norm1000_xyxy",
        "<|object_ref_start|>cat<|object_ref_end|><|box_start|>(250,125),(750,625)<|box_end|>",
        "cat(250,125),(750,625)",
        False,
        None,
    ),
    (
        "qwen2_5_vl",
        "pixels_resized_xyxy",
        '```json\n[{"bbox_2d": [100, 25, 300, 125], "label": "cat"}]\n```',
        '```json\n[{"bbox_2d": [100, 25, 300, 125], "label": "cat"}]\n```',
        False,
        half,
    ),
    ("internvl", "norm1000_xyxy", "<ref>cat</ref><box>[[250, 125, 750, 625]]</box>", "", False, None),
    ("gemini", "norm1000_yxyx", '[{"box_2d": [125, 250, 625, 750], "label": "cat"}]', "", False, None),
]


@pytest.mark.parametrize(("family", "convention", "raw", "plain", "special", "resize"), NATIVE_CASES)
def test_native_format_of_each_family(family, convention, raw, plain, special, resize) -> None:
    """The family's own output (its tokens kept where they are special) gives TRUTH on the page; one-phrase
    families are asked once per label and their boxes take the request's label."""

    def answer(request: GenerationRequest) -> str:
        return plain if "cat" in request.messages[-1].text else ""

    def raw_answer(request: GenerationRequest) -> str:
        return raw if "cat" in request.messages[-1].text else ""

    spec = FAMILY_RECORDS[family]
    assert spec.box_special_tokens == special
    model = ScriptedVLM(answer, raw=raw_answer, family=family, box_convention=convention, resize=resize)
    result = ocula.detect(PAGE, labels=["cat", "bird"], model=model, native=True)
    assert [d.label for d in result] == ["cat"]  # PaliGemma's "dog" is not among the labels
    assert box_of(result) == pytest.approx(TRUTH, abs=0.5)
    assert all(r.constraint is None for r in model.requests)


@pytest.mark.parametrize(
    ("family", "labels", "prompts"),
    [
        ("paligemma", ["cat", "bird"], ["detect cat ; bird"]),
        ("kosmos-2", ["cat", "bird"], ["<grounding><phrase> cat</phrase>", "<grounding><phrase> bird</phrase>"]),
        ("kosmos-2", None, ["<grounding> An image of"]),
        ("florence2", None, ["<OD>"]),
        ("florence2", ["cat"], ["<OPEN_VOCABULARY_DETECTION>cat"]),
    ],
)
def test_native_prompts_follow_the_family_table(family, labels, prompts) -> None:
    model = ScriptedVLM("", family=family, box_convention=FAMILY_RECORDS[family].box_convention)
    ocula.detect(PAGE, labels=labels, model=model, native=True)
    assert [r.messages[-1].text for r in model.requests] == prompts


def test_a_family_that_cannot_hold_a_grammar_is_pointed_to_native() -> None:
    spec = FAMILY_RECORDS["florence2"]
    model = ScriptedVLM("", family="florence2", box_convention=spec.box_convention)
    with pytest.raises(ModelError, match="pass native=True"):
        ocula.detect(PAGE, labels=["cat"], model=model)


def test_native_needs_a_family_with_a_format() -> None:
    with pytest.raises(ModelError, match="no native grounding format"):
        ocula.detect(PAGE, labels=["cat"], model=ScriptedVLM("", family="llava"), native=True)


# --- errors and shapes -------------------------------------------------------------------------------


def test_a_text_only_model_is_refused() -> None:
    with pytest.raises(ModelError, match="needs a vision-language model"):
        ocula.detect(PAGE, labels=["cat"], model=FixedAnswer("{}"))
    # without a model the layout model detects, and it knows no cats
    with pytest.raises(ValueError, match="name a vision-language model"):
        ocula.detect(PAGE, labels=["cat"])


@pytest.mark.parametrize("labels", [[], ["cat", "  "], ""])
def test_empty_labels_are_refused(labels) -> None:
    with pytest.raises(ValueError, match="empty"):
        ocula.detect(PAGE, labels=labels, model=ScriptedVLM(objects()))


def test_labels_are_normalised() -> None:
    assert normalise_labels("person, car ,person") == ("person", "car")
    assert normalise_labels([" traffic  light "]) == ("traffic light",)
    assert normalise_labels(None) is None


def test_rotation_must_be_quarter_turns() -> None:
    with pytest.raises(ValueError, match="multiple of 90"):
        ocula.detect(PAGE, labels=["cat"], model=ScriptedVLM(objects()), rotate=45)


def test_a_multi_page_tiff_gives_one_detections_per_page() -> None:
    buffer = io.BytesIO()
    frames = [Image.fromarray(PAGE), Image.fromarray(np.full((200, 300, 3), 128, np.uint8))]
    frames[0].save(buffer, format="TIFF", save_all=True, append_images=frames[1:])
    result = ocula.detect(buffer.getvalue(), labels=["cat"], model=ScriptedVLM(objects([0, 0, 500, 500])))
    assert isinstance(result, list) and [r.page for r in result] == [0, 1]
    assert [(r.width, r.height) for r in result] == [(800, 400), (300, 200)]
    assert box_of(result[1]) == pytest.approx((0, 0, 150, 100)) and result[1].items[0].box.page == 1


# --- the grammar on real tiny models --------------------------------------------------------------------


class Prefixed(ModelAdapter):
    """A real model whose answer starts with a forced prefix (so a random model writes at least one object);
    the grammar takes over after the prefix. Keeps each generation for inspection."""

    def __init__(self, inner: ModelAdapter, prefix: str) -> None:
        self.inner, self.prefix = inner, prefix
        self.name, self.family, self.capabilities = inner.name, inner.family, inner.capabilities
        self.generations: list[Generation] = []

    def input_image_size(self, image: Image.Image) -> tuple[int, int]:
        return self.inner.input_image_size(image)

    def generate(self, request: GenerationRequest) -> Generation:
        request.assistant_prefix = self.prefix
        gen = self.inner.generate(request)
        self.generations.append(gen)
        return gen


@pytest.fixture(scope="module", params=["qwen2_5_vl", "idefics3", "llava"])
def tiny_vlm(request, tmp_path_factory):
    from tests.fixtures.tiny_models import save_tiny_vlm

    folder = save_tiny_vlm(request.param, tmp_path_factory.mktemp(request.param))
    return ocula.load_model(str(folder))


def test_tiny_model_labels_stay_in_the_list_and_boxes_on_the_page(tiny_vlm) -> None:
    model = Prefixed(tiny_vlm, '{"objects":[{"label":"')
    labels = ["cat", "dog", "traffic light"]
    image = np.random.default_rng(0).integers(0, 255, (300, 420, 3), dtype=np.uint8)
    result = ocula.detect(image, labels=labels, model=model, max_objects=3, rotate=90)
    decoded = json.loads(model.generations[0].text)  # the grammar ended the JSON itself
    assert 1 <= len(decoded["objects"]) <= 3
    assert all(o["label"] in labels for o in decoded["objects"])
    assert (result.width, result.height) == (420, 300)
    for det in result:
        assert det.label in labels and det.confidence is not None and 0 < det.confidence <= 1
        assert 0 <= det.box.x0 < det.box.x1 <= 420 and 0 <= det.box.y0 < det.box.y1 <= 300


def test_tiny_model_without_labels_writes_bounded_labels(tiny_vlm) -> None:
    detector = Detector(tiny_vlm, DetectOptions(max_objects=2, max_label_chars=8))
    result = detector.detect_image(np.full((200, 260, 3), 255, np.uint8), page=3, source="blank")
    assert result.page == 3 and result.source == "blank" and len(result) <= 2
    assert all(1 <= len(d.label) <= 8 and d.box.page == 3 for d in result)


@pytest.mark.parametrize("build", ["paligemma", "kosmos-2", "florence2"])
def test_tiny_models_of_native_families_run_their_own_prompt(build: str, tmp_path) -> None:
    """Real processors take the family's grounding prompt and the answer decodes with special tokens kept;
    a random model rarely writes a well-formed box, so only the shape of the result is checked."""
    from tests.fixtures.tiny_models import save_tiny_vlm

    model = ocula.load_model(str(save_tiny_vlm(build, tmp_path)))
    image = np.random.default_rng(0).integers(0, 255, (300, 420, 3), dtype=np.uint8)
    result = ocula.detect(image, labels=["cat"], model=model, native=True, max_objects=1)
    assert isinstance(result, Detections) and (result.width, result.height) == (420, 300) and len(result) <= 1
    assert all(d.label == "cat" and 0 <= d.box.x0 < d.box.x1 <= 420 for d in result)


def test_a_served_model_is_loaded_as_one_that_reads_images(monkeypatch: pytest.MonkeyPatch) -> None:
    import ocula.api

    calls: list[tuple[str, dict]] = []

    def load(name: str, **options) -> ScriptedVLM:
        calls.append((name, options))
        return ScriptedVLM(objects([250, 125, 750, 625]))

    monkeypatch.setattr(ocula.api, "load_model", load)
    ocula.detect(PAGE, labels=["cat"], model="openai:http://127.0.0.1:8080/v1")
    ocula.detect(PAGE, labels=["cat"], model="some/folder")
    assert calls == [("openai:http://127.0.0.1:8080/v1", {"images": True}), ("some/folder", {})]
