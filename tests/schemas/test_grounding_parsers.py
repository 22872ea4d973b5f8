"""Grounding parsers on output strings written the way each family emits them, malformed parts included."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ocula.schemas import PageTransform
from ocula.schemas.box_formats import FAMILY_BOX_CONVENTION, qwen_smart_resize
from ocula.schemas.grounding_parsers import (
    FAMILY_PARSERS,
    GROUNDING_FORMATS,
    parse_detections,
    parse_florence2,
    parse_gemini_json,
    parse_grounding,
    parse_kosmos2,
    parse_molmo,
    parse_moondream,
    parse_ocula_json,
    parse_paligemma,
    parse_qwen2_tokens,
    parse_qwen_json,
    parse_ref_box,
)

# ------------------------------------------------------------------------------------- PaliGemma
PALIGEMMA = "detect cat ; dog\n<loc0256><loc0128><loc0768><loc0896> cat ; <loc0000><loc0512><loc1023><loc1023> dog"


def test_paligemma_detect() -> None:
    assert parse_paligemma(PALIGEMMA) == [
        ("cat", [256.0, 128.0, 768.0, 896.0]),
        ("dog", [0.0, 512.0, 1023.0, 1023.0]),
    ]


def test_paligemma_segment_tokens_and_multiword_labels() -> None:
    text = "<loc0100><loc0200><loc0300><loc0400> <seg012><seg055><seg100> traffic light<eos>"
    assert parse_paligemma(text) == [("traffic light", [100.0, 200.0, 300.0, 400.0])]


def test_paligemma_skips_a_box_with_three_locations() -> None:
    text = "<loc0100><loc0200><loc0300> broken ; <loc0010><loc0020><loc0030><loc0040> car"
    assert parse_paligemma(text) == [("car", [10.0, 20.0, 30.0, 40.0])]


# ------------------------------------------------------------------------------------- Florence-2
FLORENCE_OD = (
    "</s><s>car<loc_52><loc_333><loc_932><loc_774>"
    "wheel<loc_152><loc_590><loc_303><loc_773><loc_705><loc_594><loc_853><loc_773></s>"
)


def test_florence2_od_with_several_boxes_per_label() -> None:
    assert parse_florence2(FLORENCE_OD) == [
        ("car", [52.0, 333.0, 932.0, 774.0]),
        ("wheel", [152.0, 590.0, 303.0, 773.0]),
        ("wheel", [705.0, 594.0, 853.0, 773.0]),
    ]


def test_florence2_task_token_region_proposals_and_truncation() -> None:
    assert parse_florence2("<OD>person<loc_1><loc_2><loc_3><loc_4>") == [("person", [1.0, 2.0, 3.0, 4.0])]
    # region proposals carry no label
    assert parse_florence2("<s><loc_10><loc_20><loc_30><loc_40></s>") == [("", [10.0, 20.0, 30.0, 40.0])]
    # six tokens: one whole box, the rest dropped
    got = parse_florence2("dog<loc_10><loc_20><loc_30><loc_40><loc_50><loc_60>")
    assert got == [("dog", [10.0, 20.0, 30.0, 40.0])]


# ------------------------------------------------------------------------------------- Kosmos-2
KOSMOS = (
    "<image>. the, to and of</image><grounding> An image of<phrase> a snowman</phrase>"
    "<object><patch_index_0044><patch_index_0863></object> warming himself by<phrase> a fire</phrase>"
    "<object><patch_index_0005><patch_index_0911></object>."
)


def test_kosmos2_phrases() -> None:
    assert parse_kosmos2(KOSMOS) == [("a snowman", [44.0, 863.0]), ("a fire", [5.0, 911.0])]


def test_kosmos2_multiple_objects_per_phrase_and_malformed_part() -> None:
    text = (
        "<grounding><phrase> two cats</phrase><object><patch_index_0033><patch_index_0402>"
        "</delimiter_of_multi_objects/><patch_index_0050><patch_index_0500>"
        "</delimiter_of_multi_objects/><patch_index_0070></object>"
    )
    assert parse_kosmos2(text) == [("two cats", [33.0, 402.0]), ("two cats", [50.0, 500.0])]


# ------------------------------------------------------------------------------------- Qwen
QWEN2_TOKENS = (
    "<|object_ref_start|>the red car<|object_ref_end|><|box_start|>(102,250),(648,891)<|box_end|>"
    " and <|object_ref_start|>a tree<|object_ref_end|><|box_start|>(700,10),(990)<|box_end|><|im_end|>"
)

QWEN25_JSON = """```json
[
\t{"bbox_2d": [135, 114, 1016, 672], "label": "cat"},
\t{"bbox_2d": [0, 360, 287, 671], "label": "dog"},
\t{"bbox_2d": [5, 6, 7], "label": "broken"},
\t{"bbox_2d": ["40", "50", "60", "70"], "label": "sign"}
]
```"""


def test_qwen2_vl_special_tokens_skip_a_box_with_three_numbers() -> None:
    assert parse_qwen2_tokens(QWEN2_TOKENS) == [("the red car", [102.0, 250.0, 648.0, 891.0])]
    assert FAMILY_PARSERS["qwen2_vl"](QWEN2_TOKENS) == parse_qwen2_tokens(QWEN2_TOKENS)


def test_qwen2_vl_also_reads_json() -> None:
    assert FAMILY_PARSERS["qwen2_vl"](QWEN25_JSON)[0] == ("cat", [135.0, 114.0, 1016.0, 672.0])


def test_qwen25_fenced_json() -> None:
    assert parse_qwen_json(QWEN25_JSON) == [
        ("cat", [135.0, 114.0, 1016.0, 672.0]),
        ("dog", [0.0, 360.0, 287.0, 671.0]),
        ("sign", [40.0, 50.0, 60.0, 70.0]),
    ]


def test_qwen_json_truncated_and_with_prose() -> None:
    truncated = '```json\n[\n\t{"bbox_2d": [10, 20, 30, 40], "label": "cup"},\n\t{"bbox_2d": [50, 6'
    assert parse_qwen_json(truncated) == [("cup", [10.0, 20.0, 30.0, 40.0])]
    prose = 'Sure! Here: {"bbox_2d": [1, 2, 3, 4], "label": "pen"}, {"bbox_2d": [5, 6, 7, 8], "label": "cap"},'
    assert [label for label, _ in parse_qwen_json(prose)] == ["pen", "cap"]
    single_quotes = "[{'bbox_2d': [1, 2, 3, 4], 'label': 'mug'}]"
    assert parse_qwen_json(single_quotes) == [("mug", [1.0, 2.0, 3.0, 4.0])]


def test_qwen_json_ignores_points_and_missing_labels_become_empty() -> None:
    text = '[{"point_2d": [10, 20], "label": "dot"}, {"bbox_2d": [1, 2, 3, 4]}]'
    assert parse_qwen_json(text) == [("", [1.0, 2.0, 3.0, 4.0])]


# ------------------------------------------------------------------------------------- others
GEMINI = """```json
[
  {"box_2d": [386, 362, 656, 488], "label": "cup"},
  {"box_2d": [120, 45, 600, 330], "label": "laptop"}
]
```"""


def test_gemini_box_2d() -> None:
    assert parse_gemini_json(GEMINI) == [
        ("cup", [386.0, 362.0, 656.0, 488.0]),
        ("laptop", [120.0, 45.0, 600.0, 330.0]),
    ]
    # a bbox_2d key is not Gemini's
    assert parse_gemini_json('[{"bbox_2d": [1, 2, 3, 4], "label": "x"}]') == []


def test_ocula_grammar_json() -> None:
    text = '{"objects": [{"label": "total", "box": [600, 850, 950, 900]}, {"label": "logo", "box": null}]}'
    assert parse_ocula_json(text) == [("total", [600.0, 850.0, 950.0, 900.0])]


def test_moondream_objects_json_and_repr() -> None:
    result = {"objects": [{"x_min": 0.1, "y_min": 0.2, "x_max": 0.5, "y_max": 0.9}]}
    expected = [("", [0.1, 0.2, 0.5, 0.9])]
    assert parse_moondream(json.dumps(result)) == expected
    assert parse_moondream(repr(result)) == expected


def test_internvl_ref_box() -> None:
    text = "<ref>cat</ref><box>[[120, 300, 480, 900]]</box> and <ref>cups</ref><box>[[1, 2, 3, 4], [5, 6, 7, 8]]</box>"
    assert parse_ref_box(text) == [
        ("cat", [120.0, 300.0, 480.0, 900.0]),
        ("cups", [1.0, 2.0, 3.0, 4.0]),
        ("cups", [5.0, 6.0, 7.0, 8.0]),
    ]


def test_molmo_points() -> None:
    text = (
        '<point x="61.5" y="40.6" alt="cat">cat</point> '
        '<points x1="10.0" y1="20.0" x2="30.0" y2="40.0" alt="birds">birds</points>'
    )
    assert parse_molmo(text) == [
        ("cat", [61.5, 40.6, 61.5, 40.6]),
        ("birds", [10.0, 20.0, 10.0, 20.0]),
        ("birds", [30.0, 40.0, 30.0, 40.0]),
    ]


# ------------------------------------------------------------------------------------- robustness
def test_every_family_has_a_parser_and_a_convention() -> None:
    assert set(FAMILY_PARSERS) == set(FAMILY_BOX_CONVENTION)
    with pytest.raises(ValueError, match="unknown model family"):
        parse_grounding("", "no_such_vlm")


GARBAGE = [
    "",
    "I cannot see any objects.",
    "```json\n[{",
    '{"objects": [{"label": 3, "box": [1, 2, "x", 4]}]}',
    "<loc12><loc_a><patch_index_><|box_start|>(,)<|box_end|><box>[[1,2]]</box>",
    "[[[[[[",
    '[{"bbox_2d": true, "label": null}]',
]


@pytest.mark.parametrize("family", sorted(FAMILY_PARSERS))
@pytest.mark.parametrize("text", GARBAGE)
def test_garbage_yields_nothing(family: str, text: str) -> None:
    assert parse_grounding(text, family) == []


@settings(max_examples=60, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(list('<>{}[]()",:;/_|0123456789 locpatchindexbox_2dlabel')), max_size=80))
def test_no_parser_crashes_on_noise(text: str) -> None:
    for name, parser in GROUNDING_FORMATS.items():
        for label, values in parser(text):
            assert isinstance(label, str), name
            assert all(isinstance(v, float) for v in values), name


# ------------------------------------------------------------------------------------- end to end
def test_parse_detections_paligemma_to_page_pixels() -> None:
    # a 2048x1024 page shown to PaliGemma as a 448x448 image
    t = PageTransform.resize((2048, 1024), (448, 448))
    dets = parse_detections(PALIGEMMA, "paligemma", input_size=(448, 448), transform=t, page=1)
    assert [d.label for d in dets] == ["cat", "dog"]
    assert dets[0].box.as_tuple() == pytest.approx((256, 256, 1792, 768))
    assert dets[0].box.page == 1
    # <loc1023> reaches the last bin, just inside the page
    assert dets[1].box.x1 == pytest.approx(2048 * 1023 / 1024)


def test_parse_detections_qwen25_resized_pixels() -> None:
    page = (1280, 960)
    t = PageTransform.resize(page, (640, 480))
    resized = qwen_smart_resize(640, 480)  # (644, 476)
    dets = parse_detections(QWEN25_JSON, "qwen2_5_vl", input_size=(640, 480), transform=t, resized_size=resized)
    assert [d.label for d in dets] == ["cat", "dog", "sign"]
    cat = dets[0].box
    # x1 = 1016 > 644 and y1 = 672 > 476 run past the resized image: clipped to the page edge
    assert cat.as_tuple() == pytest.approx((135 * 640 / 644 * 2, 114 * 480 / 476 * 2, 1280, 960))
    dog = dets[1].box
    assert dog.as_tuple() == pytest.approx((0, 360 * 480 / 476 * 2, 287 * 640 / 644 * 2, 960))


def test_parse_detections_kosmos2_and_gemini() -> None:
    kos = parse_detections(KOSMOS, "kosmos-2", input_size=(224, 224))
    assert kos[0].box.as_tuple() == pytest.approx((12 * 7, 1 * 7, 32 * 7, 27 * 7))
    gem = parse_detections(GEMINI, "gemini", input_size=(1000, 500))
    assert gem[0].box.as_tuple() == pytest.approx((362, 193, 488, 328))


def test_parse_detections_override_format_and_convention() -> None:
    text = '{"objects": [{"label": "stamp", "box": [500, 500, 1000, 1000]}]}'
    assert parse_detections(text, "qwen2_5_vl", input_size=(200, 100)) == []
    dets = parse_detections(text, "qwen2_5_vl", input_size=(200, 100), fmt="ocula_json", convention="norm1000_xyxy")
    assert dets[0].box.as_tuple() == (100, 50, 200, 100)


def test_parse_detections_swapped_corners_and_skipped_values() -> None:
    text = '[{"bbox_2d": [900, 800, 100, 200], "label": "a"}, {"bbox_2d": [1, 2, 3, 1e999], "label": "b"}]'
    dets = parse_detections(text, "qwen3_vl", input_size=(1000, 1000))
    assert [d.label for d in dets] == ["a"]
    assert dets[0].box.as_tuple() == (100, 200, 900, 800)
